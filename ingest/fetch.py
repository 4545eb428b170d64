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
the URL.
"""

from __future__ import annotations

import email.utils
import functools
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import httpcore
import httpx

from core.errors import FetchError

USER_AGENT = "deskwatch/0.1 (media monitoring of official releases)"
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ENCODINGS = 3
"""More content-encoding layers than this are refused (one is usual; two are legal and rare)."""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process (certifi's CA bundle, as httpx uses by default): building one
    costs 50-90 ms, which a run with 20 web sources paid 20 times."""
    return ssl.create_default_context(cafile=certifi.where())


class SchemeRefused(FetchError):
    """A URL, or a redirect, deskwatch does not follow: a scheme other than http(s), or (as
    HostRefused) a host or port outside the allowed ones. Not fetched; for an item of a feed
    this is a skip, not a failure."""


class HostRefused(SchemeRefused):
    """A redirect to a host, or a port, outside the hosts the request was allowed."""


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


class _Deadline:
    """The end of the request in progress (time.monotonic), shared by a fetcher and its network
    backend; None between requests."""

    def __init__(self) -> None:
        self.at: float | None = None

    def left(self, timeout: float | None) -> float | None:
        """The socket timeout to use: `timeout`, shortened to what is left before the deadline;
        past it, a timeout error at once."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the request's time (max_time_s) is over")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, self._deadline.left(timeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    """httpcore's socket backend with the deadline applied to connecting and to every read and
    write. httpx's own timeouts are per operation: a server sending a byte a second never trips
    them, this does."""

    def __init__(self, deadline: _Deadline) -> None:
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = super().connect_tcp(
            host, port, self._deadline.left(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)


def _transport(deadline: _Deadline) -> httpx.HTTPTransport:
    """httpx's transport on a connection pool with the deadline backend. httpx (0.28, 0.29)
    takes no network backend, so the pool it builds is replaced by an equal one that has it."""
    transport = httpx.HTTPTransport(verify=_tls_context(), trust_env=False)
    limits = httpx.Limits()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_tls_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_DeadlineBackend(deadline),
    )
    return transport


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
        self._deadline = _Deadline()
        self._location: str | None = None
        self.client = httpx.Client(
            event_hooks={"response": [self._note_location]},
            verify=_tls_context(),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(policy.timeout_s),
            follow_redirects=False,
            transport=transport or _transport(self._deadline),
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
                body = _Body(url, status, self.policy.max_bytes)
                decoders = _decoders(url, response_headers.get("content-encoding", ""))
                for chunk in response.iter_raw():  # httpx decodes nothing: we do, in steps
                    for piece in _decode(decoders, chunk):
                        body.add(piece)
                    if self._clock() - started > self.policy.max_time_s:
                        raise self._too_slow(url, status)
                for piece in _flush(decoders):
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


def _decoders(url: str, header: str) -> list[Any]:
    """One bounded zlib decoder per content-encoding layer, in the order to undo them (the last
    one applied first). Identity layers are nothing to undo; an encoding other than gzip and
    deflate, or more than MAX_ENCODINGS layers, is refused: no decoder of ours would bound it."""
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > MAX_ENCODINGS:
        raise FetchError(f"{url}: {len(codings)} content encodings stacked; refused", url=url)
    decoders = []
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            decoders.append(zlib.decompressobj(16 + zlib.MAX_WBITS))
        elif coding == "deflate":
            decoders.append(zlib.decompressobj(zlib.MAX_WBITS))
        else:
            raise FetchError(f"{url}: content encoding {coding[:40]!r} not supported", url=url)
    return decoders


def _decode(decoders: list[Any], data: bytes) -> Iterator[bytes]:
    """`data` through every layer, each producing at most _STEP bytes at a time: the output of
    a bomb of any depth comes out in pieces the body's cap can stop."""
    if not decoders:
        if data:
            yield data
        return
    first, rest = decoders[0], decoders[1:]
    while data:
        out = first.decompress(data, _STEP)
        data = first.unconsumed_tail
        if out:
            yield from _decode(rest, out)


def _flush(decoders: list[Any]) -> Iterator[bytes]:
    """What each layer still holds at the end of the body, through the layers after it."""
    for index, decoder in enumerate(decoders):
        yield from _decode(decoders[index + 1 :], decoder.flush())


def _utcnow() -> datetime:
    return datetime.now(UTC)
