"""The bounds a fetch keeps, whatever the server does (IO: httpx, httpcore, zlib).

    Deadline / deadline_transport   a request's whole time (connect, headers, body) bounded:
                                    every socket read and write waits at most what is left
    BoundedBody / decoders_for      a body refused past its byte cap after decompression, through
    decode / flush                  at most MAX_ENCODINGS gzip/deflate layers, each undone in
                                    bounded steps so a bomb of any depth is stopped by the cap
    tls_context                     one TLS context per process (certifi's roots)

ingest.fetch's Fetcher uses them; nothing else needs to.
"""

from __future__ import annotations

import functools
import ssl
import time
import zlib
from collections.abc import Iterator
from typing import Any

import certifi
import httpcore
import httpx

from core.errors import FetchError

MAX_ENCODINGS = 3


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process (certifi's CA bundle, as httpx uses by default): building one
    costs 50-90 ms, which a run with 20 web sources paid 20 times."""
    return ssl.create_default_context(cafile=certifi.where())


class Deadline:
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


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
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
        return DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.SyncBackend):
    """httpcore's socket backend with the deadline applied to connecting and to every read and
    write. httpx's own timeouts are per operation: a server sending a byte a second never trips
    them, this does."""

    def __init__(self, deadline: Deadline) -> None:
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
        return DeadlineStream(stream, self._deadline)


def deadline_transport(deadline: Deadline) -> httpx.HTTPTransport:
    """httpx's transport on a connection pool with the deadline backend. httpx (0.28, 0.29)
    takes no network backend, so the pool it builds is replaced by an equal one that has it."""
    transport = httpx.HTTPTransport(verify=tls_context(), trust_env=False)
    limits = httpx.Limits()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=tls_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=DeadlineBackend(deadline),
    )
    return transport


_STEP = 1 << 20


class BoundedBody:
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


def decoders_for(url: str, header: str) -> list[Any]:
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


def decode(decoders: list[Any], data: bytes) -> Iterator[bytes]:
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
            yield from decode(rest, out)


def flush(decoders: list[Any]) -> Iterator[bytes]:
    """What each layer still holds at the end of the body, through the layers after it."""
    for index, decoder in enumerate(decoders):
        yield from decode(decoders[index + 1 :], decoder.flush())
