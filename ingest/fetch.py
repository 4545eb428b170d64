"""Fetching from the web, politely (IO: httpx).

A `Fetcher` is made for one source run and handed to the readers in ingest.web; the parsers never
see it. It sends a User-Agent naming deskwatch and a contact address, waits `delay_s` between two
requests to the same host, follows redirects itself (http and https only, and with `hosts`
given only to those hosts and ports), refuses a body larger than `max_bytes` after decompression
(however many gzip/deflate layers it has; other encodings are refused), ends a request that is
not over after `max_time_s` (connect, headers and body together: every socket read and write
waits at most what is left of that time, so a server trickling a byte a second is cut too), sends
the conditional GET validators it is given, and retries timeouts, connection errors, 429 and 5xx
with a doubling backoff (a Retry-After header wins). Anything else fails with a FetchError naming
the URL. The bounds themselves (the deadline transport, the bounded decoders) are
ingest.bounds.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from core.errors import FetchError
from ingest.bounds import (
    BoundedBody,
    Deadline,
    deadline_transport,
    decode,
    decoders_for,
    flush,
    tls_context,
)
from ingest.config import FetchPolicy

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
"""More content-encoding layers than this are refused (one is usual; two are legal and rare)."""


class SchemeRefused(FetchError):
    """A URL, or a redirect, deskwatch does not follow: a scheme other than http(s), or (as
    HostRefused) a host or port outside the allowed ones. Not fetched; for an item of a feed
    this is a skip, not a failure."""


class HostRefused(SchemeRefused):
    """A redirect to a host, or a port, outside the hosts the request was allowed."""


@dataclass
class Fetched:
    """One answer. `url` is the final URL after redirects; `not_modified` is a 304."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""
    not_modified: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def is_fetchable(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.hostname)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    """How an allow-list names the URL's server: its host, with `:port` when the port is not
    the scheme's default ("example.org", "127.0.0.1:8080")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return host
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def host_allowed(url: str, hosts: Collection[str]) -> bool:
    """Whether an allow-list admits the URL's host and port. A bare host ("example.org") admits
    the scheme's default port only (80 for http, 443 for https); "host:port" admits that port.
    A URL whose port is not a number in range is never admitted."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return False
    default = DEFAULT_PORTS.get(parts.scheme.lower())
    if port is None or port == default:
        return host in hosts or f"{host}:{default}" in hosts
    return f"{host}:{port}" in hosts


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _Retry(Exception):
    def __init__(self, error: FetchError, wait: float | None = None) -> None:
        self.error = error
        self.wait = wait


class HostPacer:
    """When each host may next be asked. One is shared by every fetcher of the process, so the
    sources of a run on one host (several GOV.UK feeds, say), fetched at the same time by the
    run's ingest tasks (threads of one process), keep the delay between all their requests,
    not each source on its own. Requests take the host's slots in turn."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def reserve(self, host: str, delay: float) -> float:
        """Take the host's next slot (the one after it is `delay` seconds later): the seconds
        to wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + delay
            return slot - now


PACER = HostPacer()


class Fetcher:
    """One per source run. `get(url, etag=..., last_modified=...)` returns a Fetched or raises
    FetchError. `sleep` and `clock` can be replaced (tests of the politeness delay); a fetcher
    with its own clock or sleep has its own pacer unless given one, others share the
    process's."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        pacer: HostPacer | None = None,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        real = clock is time.monotonic and sleep is time.sleep
        self._pacer = pacer or (PACER if real else HostPacer(clock))
        self.requests = 0
        self._deadline = Deadline()
        self._location: str | None = None
        self.client = httpx.Client(
            event_hooks={"response": [self._note_location]},
            verify=tls_context(),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(policy.timeout_s),
            follow_redirects=False,
            transport=transport or deadline_transport(self._deadline),
            trust_env=False,
        )

    def _note_location(self, response: httpx.Response) -> None:
        """The Location of the answer, kept before httpx parses it: a Location httpx cannot
        parse (`javascript:alert(1)`) fails inside httpx, and is then a refused redirect."""
        self._location = response.headers.get("location")

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        hosts: Collection[str] | None = None,
    ) -> Fetched:
        """GET `url`. With `hosts` (an allow-list, as host_allowed reads it), every redirect
        must lead to one of them or to the URL's own host and port, else HostRefused."""
        if not is_fetchable(url):
            raise SchemeRefused(f"{url}: not an http(s) URL, not fetched", url=url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        attempt = 0
        while True:
            try:
                return self._follow(url, headers, hosts)
            except _Retry as retry:
                attempt += 1
                if attempt > self.policy.retries:
                    raise retry.error from None
                wait = retry.wait
                if wait is None:
                    wait = self.policy.backoff_s * (2 ** (attempt - 1))
                elif wait > self.policy.max_retry_after_s:
                    raise FetchError(
                        f"{retry.error} (Retry-After {wait:.0f} s is too long to wait)",
                        url=url,
                        status=retry.error.status,
                        retryable=True,
                    ) from None
                self._sleep(wait)

    def _polite_wait(self, url: str) -> None:
        wait = self._pacer.reserve(host_of(url), self.policy.delay_s)
        if wait > 0:
            self._sleep(wait)

    def _follow(self, url: str, headers: dict[str, str], hosts: Collection[str] | None) -> Fetched:
        """One attempt: the request and its redirects, all within one max_time_s."""
        allowed = None if hosts is None else {*hosts, origin_of(url)}
        redirects: list[str] = []
        current = url
        self._deadline.at = time.monotonic() + self.policy.max_time_s
        try:
            while True:
                fetched = self._once(current, headers)
                if fetched.status in (301, 302, 303, 307, 308) and "location" in fetched.headers:
                    current = self._redirect(url, current, fetched, allowed, redirects)
                    continue
                fetched.redirects = redirects
                return fetched
        finally:
            self._deadline.at = None

    def _redirect(
        self,
        url: str,
        current: str,
        fetched: Fetched,
        allowed: set[str] | None,
        redirects: list[str],
    ) -> str:
        """The next hop of a redirect, once it is known to be one deskwatch may follow."""
        try:
            target = urljoin(current, fetched.headers["location"].strip())
        except ValueError:
            target = fetched.headers["location"]
        if not is_fetchable(target):
            raise SchemeRefused(
                f"{url}: redirected to {_shown(target)}, which is not an http(s) URL (skipped)",
                url=url,
                status=fetched.status,
            )
        if allowed is not None and not host_allowed(target, allowed):
            raise HostRefused(
                f"{url}: redirected to {_shown(target)}, whose host or port is not one this "
                "source may follow (skipped; see follow_hosts)",
                url=url,
                status=fetched.status,
            )
        if len(redirects) >= self.policy.max_redirects:
            raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")
        redirects.append(target)
        return target

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        self._polite_wait(url)
        self.requests += 1
        self._location = None
        started = self._clock()
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                if status == 304:
                    return Fetched(url, status, response_headers, not_modified=True)
                if 300 <= status < 400:
                    return Fetched(url, status, response_headers)
                if status == 429 or status >= 500:
                    wait = retry_after_seconds(response_headers.get("retry-after"), _utcnow())
                    raise _Retry(
                        FetchError(f"{url}: HTTP {status}", url=url, status=status, retryable=True),
                        wait,
                    )
                if status >= 400:
                    raise FetchError(f"{url}: HTTP {status}", url=url, status=status)
                declared = response_headers.get("content-length", "")
                if declared.isdigit() and "content-encoding" not in response_headers:
                    if int(declared) > self.policy.max_bytes:
                        raise FetchError(
                            f"{url}: response of {int(declared)} bytes is larger than the "
                            f"limit of {self.policy.max_bytes}",
                            url=url,
                            status=status,
                        )
                body = BoundedBody(url, status, self.policy.max_bytes)
                decoders = decoders_for(url, response_headers.get("content-encoding", ""))
                for chunk in response.iter_raw():  # httpx decodes nothing: we do, in steps
                    for piece in decode(decoders, chunk):
                        body.add(piece)
                    if self._clock() - started > self.policy.max_time_s:
                        raise self._too_slow(url, status)
                for piece in flush(decoders):
                    body.add(piece)
                return Fetched(url, status, response_headers, body.bytes())
        except httpx.TimeoutException as exc:
            if self._deadline.at is not None and time.monotonic() >= self._deadline.at:
                raise self._too_slow(url, None) from None  # not retried: it would be as slow
            raise _Retry(FetchError(f"{url}: timed out ({exc})", url=url, retryable=True)) from None
        except (httpx.DecodingError, zlib.error) as exc:
            raise FetchError(f"{url}: cannot decode the response: {exc}", url=url) from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise _Retry(
                FetchError(f"{url}: {type(exc).__name__}: {exc}", url=url, retryable=True)
            ) from None
        except httpx.InvalidURL as exc:
            if self._location is not None:
                raise SchemeRefused(
                    f"{url}: redirected to {_shown(self._location)}, which is not an http(s) "
                    "URL (skipped)",
                    url=url,
                ) from None
            raise FetchError(f"{url}: invalid URL: {exc}", url=url) from None

    def _too_slow(self, url: str, status: int | None) -> FetchError:
        return FetchError(
            f"{url}: no complete response within max_time_s ({self.policy.max_time_s:g} s)",
            url=url,
            status=status,
            retryable=True,
        )


def _shown(url: str, limit: int = 200) -> str:
    """A URL from a header, cut short for a message."""
    return url if len(url) <= limit else url[:limit] + "..."


def _utcnow() -> datetime:
    return datetime.now(UTC)
