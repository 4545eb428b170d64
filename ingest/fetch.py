"""Fetching from the web, politely (IO: httpx).

A `Fetcher` is made for one source run and handed to the readers in ingest.web; the parsers never
see it. It sends a User-Agent naming deskwatch and a contact address, waits `delay_s` between two
requests to the same host, follows redirects itself (http and https only), refuses a body larger
than `max_bytes` after decompression or still arriving after `max_time_s`, sends the conditional
GET validators it is given, and retries timeouts, connection errors, 429 and 5xx with a doubling
backoff (a Retry-After header wins). Anything else fails with a FetchError naming the URL.
"""

from __future__ import annotations

import email.utils
import functools
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import httpx

from core.errors import FetchError

USER_AGENT = "deskwatch/0.1 (media monitoring of official releases)"
ALLOWED_SCHEMES = ("http", "https")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process (certifi's CA bundle, as httpx uses by default): building one
    costs 50-90 ms, which a run with 20 web sources paid 20 times."""
    return ssl.create_default_context(cafile=certifi.where())


class SchemeRefused(FetchError):
    """A URL, or a redirect, to a scheme other than http(s): not fetched. For an item of a feed
    this is a skip, not a failure."""


@dataclass(frozen=True)
class FetchPolicy:
    delay_s: float = 1.0
    timeout_s: float = 20.0
    max_time_s: float = 120.0
    max_bytes: int = 10_000_000
    retries: int = 3
    backoff_s: float = 2.0
    max_retry_after_s: float = 300.0
    max_redirects: int = 5
    contact: str | None = None
    govuk_base_url: str = "https://www.gov.uk"
    """Where GOV.UK content is read from, unless a source says otherwise."""

    @property
    def user_agent(self) -> str:
        if self.contact:
            return f"deskwatch/0.1 (media monitoring of official releases; +{self.contact})"
        return USER_AGENT


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
        self.client = httpx.Client(
            verify=_tls_context(),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(policy.timeout_s),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )

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
    ) -> Fetched:
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
                return self._follow(url, headers)
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

    def _follow(self, url: str, headers: dict[str, str]) -> Fetched:
        redirects: list[str] = []
        current = url
        while True:
            fetched = self._once(current, headers)
            if fetched.status in (301, 302, 303, 307, 308) and "location" in fetched.headers:
                target = urljoin(current, fetched.headers["location"])
                if not is_fetchable(target):
                    raise SchemeRefused(
                        f"{url}: redirected to {target}, which is not an http(s) URL (skipped)",
                        url=url,
                        status=fetched.status,
                    )
                if len(redirects) >= self.policy.max_redirects:
                    raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")
                redirects.append(target)
                current = target
                continue
            fetched.redirects = redirects
            return fetched

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        self._polite_wait(url)
        self.requests += 1
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
                body = _Body(url, status, self.policy.max_bytes)
                decoder = _decoder(response_headers.get("content-encoding", ""))
                chunks = response.iter_raw() if decoder is not None else response.iter_bytes()
                for chunk in chunks:
                    if decoder is None:
                        body.add(chunk)
                    else:
                        while chunk:  # decompress in bounded steps: a gzip bomb stops at the cap
                            body.add(decoder.decompress(chunk, _STEP))
                            chunk = decoder.unconsumed_tail
                    if self._clock() - started > self.policy.max_time_s:
                        raise FetchError(
                            f"{url}: response still arriving after {self.policy.max_time_s:.0f} s",
                            url=url,
                            status=status,
                        )
                if decoder is not None:
                    body.add(decoder.flush())
                return Fetched(url, status, response_headers, body.bytes())
        except httpx.TimeoutException as exc:
            raise _Retry(FetchError(f"{url}: timed out ({exc})", url=url, retryable=True)) from None
        except (httpx.DecodingError, zlib.error) as exc:
            raise FetchError(f"{url}: cannot decode the response: {exc}", url=url) from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise _Retry(
                FetchError(f"{url}: {type(exc).__name__}: {exc}", url=url, retryable=True)
            ) from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"{url}: invalid URL: {exc}", url=url) from None


_STEP = 1 << 20


class _Body:
    """Collects a response body and refuses it past `limit` bytes."""

    def __init__(self, url: str, status: int, limit: int) -> None:
        self.url, self.status, self.limit = url, status, limit
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(
                f"{self.url}: response larger than the limit of {self.limit} bytes "
                "(after decompression)",
                url=self.url,
                status=self.status,
            )
        self.chunks.append(data)

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


def _decoder(encoding: str) -> Any:
    """Our own gzip/deflate decoder (so output is produced in bounded steps); None means the
    body is not compressed, or compressed in a way httpx decodes itself."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    return None


def _utcnow() -> datetime:
    return datetime.now(UTC)
