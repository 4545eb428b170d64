"""Hostile and broken responses from a real local HTTP server: each is refused quickly, with
bounded memory, and recorded; nothing of a local file ever reaches the archive."""

from __future__ import annotations

import gzip
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from core.errors import FetchError
from ingest.config import FeedSource, PageSource
from ingest.fetch import Fetcher, FetchPolicy
from pipeline.stages.ingest import ingest_source
from storage.models import Release, ReleaseVersion, SourceRun
from tests.fixtures.servers import Response
from tests.fixtures.web_sources import FAST, NOW, web_fixture

HTML = {"Content-Type": "text/html; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml"}


def _atom(entries: str, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        f"{entries}</feed>"
    ).encode()


def _archive_dump(db) -> str:
    with db.session() as session:
        parts = []
        for release in session.scalars(select(Release)):
            parts += [release.title, release.description or "", release.key]
        for version in session.scalars(select(ReleaseVersion)):
            parts += [version.text, version.title, version.raw.decode("utf-8", "replace")]
        for run in session.scalars(select(SourceRun)):
            parts += [run.error or "", repr(run.problems)]
    return "\n".join(parts)


# --- the fetcher on its own -------------------------------------------------------------------


def test_user_agent_names_deskwatch_and_the_contact(http_server):
    http_server.routes["/"] = Response(b"ok", 200, HTML)
    with Fetcher(FetchPolicy(delay_s=0, contact="desk@example.org")) as fetcher:
        fetcher.get(http_server.url("/"))
    agent = http_server.requests[0][2]["User-Agent"]
    assert "deskwatch" in agent and "desk@example.org" in agent


def test_politeness_delay_per_host(http_server):
    http_server.routes["/"] = Response(b"ok", 200, HTML)
    waits: list[float] = []
    clock = iter(float(i) * 0.1 for i in range(100))
    with Fetcher(
        FetchPolicy(delay_s=1.0), sleep=waits.append, clock=lambda: next(clock)
    ) as fetcher:
        fetcher.get(http_server.url("/"))
        fetcher.get(http_server.url("/"))
        fetcher.get(f"http://localhost:{http_server.port}/")  # another host: no wait
    assert len(waits) == 1 and 0.5 < waits[0] <= 1.0


def test_retries_5xx_and_429_honouring_retry_after(http_server):
    answers = [
        Response(b"", 503, {"Retry-After": "0"}),
        Response(b"", 429, {}),
        Response(b"ok", 200, HTML),
    ]
    http_server.routes["/flaky"] = lambda _request: answers.pop(0)
    waits: list[float] = []
    with Fetcher(FetchPolicy(delay_s=0, backoff_s=0.25, retries=3), sleep=waits.append) as fetcher:
        fetched = fetcher.get(http_server.url("/flaky"))
    assert fetched.body == b"ok"
    assert waits == [0.0, 0.5]  # Retry-After: 0, then the second backoff step


def test_no_retry_on_404_and_too_long_retry_after(http_server):
    http_server.routes["/busy"] = Response(b"", 429, {"Retry-After": "86400"})
    with Fetcher(FAST) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.get(http_server.url("/missing"))
        with pytest.raises(FetchError, match="Retry-After"):
            fetcher.get(http_server.url("/busy"))
    assert [p for _m, p, _h in http_server.requests].count("/missing") == 1
    assert [p for _m, p, _h in http_server.requests].count("/busy") == 1


def test_redirects_within_http_only(http_server):
    http_server.routes["/old"] = Response(b"", 301, {"Location": "/new"})
    http_server.routes["/new"] = Response(b"moved", 200, HTML)
    http_server.routes["/ftp"] = Response(b"", 302, {"Location": "ftp://127.0.0.1/file"})
    with Fetcher(FAST) as fetcher:
        assert fetcher.get(http_server.url("/old")).body == b"moved"
        with pytest.raises(FetchError, match="not an http"):
            fetcher.get(http_server.url("/ftp"))
        with pytest.raises(FetchError, match="not an http"):
            fetcher.get("file:///etc/passwd")


def test_oversized_response_is_refused(http_server):
    http_server.routes["/big"] = Response(b"x" * 2_000_000, 200, HTML)
    with Fetcher(FetchPolicy(delay_s=0, max_bytes=1_000_000)) as fetcher:
        with pytest.raises(FetchError, match="larger than the limit"):
            fetcher.get(http_server.url("/big"))


def test_gzip_bomb_is_refused_with_bounded_memory(http_server):
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)  # ~200 kB on the wire
    http_server.routes["/bomb"] = Response(bomb, 200, {**HTML, "Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with Fetcher(FetchPolicy(delay_s=0, max_bytes=5_000_000)) as fetcher:
            with pytest.raises(FetchError, match="after decompression"):
                fetcher.get(http_server.url("/bomb"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40_000_000  # the cap plus one step, nowhere near the 200 MB inside


def test_gzip_body_within_the_cap_is_decoded(http_server):
    page = web_fixture("river-accord.html")
    http_server.routes["/gz"] = Response(
        gzip.compress(page), 200, {**HTML, "Content-Encoding": "gzip"}
    )
    with Fetcher(FAST) as fetcher:
        assert fetcher.get(http_server.url("/gz")).body == page


class _Endless(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"<p>" + b"more " * 2000 + b"</p>"
        try:
            for _ in range(20_000):  # bounded: ~200 MB at most, stops when the client goes
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (OSError, BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endless_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_endless_response_is_cut_off(endless_server):
    with Fetcher(FetchPolicy(delay_s=0, max_bytes=3_000_000)) as fetcher:
        with pytest.raises(FetchError, match="larger than the limit"):
            fetcher.get(endless_server)


# --- through the stage: recorded, never raised ------------------------------------------------


def test_xxe_file_content_never_reaches_the_archive(database, http_server, tmp_path):
    marker = "XXE-MARKER-5b1e0c7d4f2a"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker)
    head = f'<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    http_server.routes["/feed"] = Response(
        _atom(
            "<entry><id>urn:x:1</id><title>Title &xxe;</title>"
            "<content type='text'>Body &xxe; end</content></entry>",
            head,
        ),
        200,
        ATOM,
    )
    source = FeedSource(name="xxe", type="feed", url=http_server.url("/feed"))
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.status in ("ok", "partial", "error")
    assert marker not in _archive_dump(database)


def test_entity_bomb_is_refused(database, http_server):
    head = (
        '<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>"
    )
    http_server.routes["/feed"] = Response(
        _atom(
            "<entry><id>urn:x:1</id><title>&j;</title><content type='text'>&j;</content></entry>",
            head,
        ),
        200,
        ATOM,
    )
    source = FeedSource(name="bomb", type="feed", url=http_server.url("/feed"))
    ingest_source(database, source, now=NOW, fetching=FAST)
    assert len(_archive_dump(database)) < 100_000


def _entries(count: int) -> bytes:
    return _atom(
        "".join(
            f"<entry><id>urn:x:{i}</id><title>Entry {i}</title>"
            f"<updated>2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z</updated>"
            f"<content type='text'>Text of entry {i}.</content></entry>"
            for i in range(count)
        )
    )


def test_ten_thousand_entries_are_refused_unparsed(database, http_server):
    http_server.routes["/feed"] = Response(_entries(10_000), 200, ATOM)
    source = FeedSource(name="huge", type="feed", url=http_server.url("/feed"))
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.status == "error"
    assert "about 10000 entries" in summary.error and "refused unparsed" in summary.error


def test_a_long_feed_keeps_the_newest_entries(database, http_server):
    http_server.routes["/feed"] = Response(_entries(1000), 200, ATOM)
    source = FeedSource(name="big", type="feed", url=http_server.url("/feed"), max_entries=300)
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.new_releases == 300
    assert any("1000 entries; read the newest 300" in p for p in summary.problems)
    feed = source.url  # an entry id is the feed's own: keyed inside its namespace
    with database.session() as session:
        assert session.scalar(select(Release).where(Release.key == f"{feed}#urn:x:999"))
        assert session.scalar(select(Release).where(Release.key == f"{feed}#urn:x:0")) is None


def test_duplicate_ids_missing_and_future_dates(database, http_server):
    http_server.routes["/feed"] = Response(
        _atom(
            "<entry><id>urn:x:1</id><title>first</title><content type='text'>One.</content></entry>"
            "<entry><id>urn:x:1</id><title>again</title><content type='text'>Two.</content></entry>"
            "<entry><id>urn:x:2</id><title>future</title><published>3200-01-30T00:00:00Z</published>"
            "<content type='text'>Three.</content></entry>"
            "<entry><id>urn:x:3</id><title>updated only</title><updated>2026-11-02T00:00:00Z</updated>"
            "<content type='text'>Four.</content></entry>"
        ),
        200,
        ATOM,
    )
    source = FeedSource(name="odd", type="feed", url=http_server.url("/feed"))
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.new_releases == 3 and summary.skipped == 1
    with database.session() as session:
        releases = {r.key.split("#", 1)[1]: r for r in session.scalars(select(Release))}
    assert releases["urn:x:3"].published_at.isoformat() == "2026-11-02T00:00:00+00:00"
    assert releases["urn:x:1"].title == "first"
    assert releases["urn:x:1"].published_at is None  # no date: first seen stands in
    assert releases["urn:x:1"].first_seen_at == NOW
    assert releases["urn:x:2"].published_at is None  # 3200 is not believed; no other date


def test_invalid_utf8_and_mislabelled_pages(database, http_server):
    http_server.routes["/latin"] = Response(
        "<html><body><main><p>Déclaration – café</p></main></body></html>".encode("cp1252"),
        200,
        HTML,  # says utf-8, is windows-1252
    )
    http_server.routes["/broken"] = Response(
        b"<html><body><main><p>Half \xff\xfe broken \xc3 text</p></main></body></html>", 200, HTML
    )
    for path in ["/latin", "/broken"]:
        source = PageSource(name=path, type="page", url=http_server.url(path))
        summary = ingest_source(database, source, now=NOW, fetching=FAST)
        assert summary.new_releases == 1, summary
    with database.session() as session:
        texts = [v.text for v in session.scalars(select(ReleaseVersion))]
    assert "Déclaration – café" in texts


def test_links_to_other_hosts_and_schemes_are_skipped(database, http_server):
    other = f"http://localhost:{http_server.port}/elsewhere"
    http_server.routes["/elsewhere"] = Response(web_fixture("river-accord.html"), 200, HTML)
    http_server.routes["/feed"] = Response(
        _atom(
            f"<entry><id>urn:x:1</id><title>Other host</title><link href='{other}'/></entry>"
            "<entry><id>urn:x:2</id><title>Mail</title><link href='mailto:a@b.example'/></entry>"
            "<entry><id>urn:x:3</id><title>Hop</title><link href='/hop'/></entry>"
        ),
        200,
        ATOM,
    )
    http_server.routes["/hop"] = Response(b"", 302, {"Location": "ftp://127.0.0.1/statement"})
    source = FeedSource(name="hosts", type="feed", url=http_server.url("/feed"))
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.new_releases == 0 and summary.skipped == 3
    assert summary.status == "ok"  # skips are not failures
    with database.session() as session:
        run = session.scalar(select(SourceRun).where(SourceRun.skipped == 3))
    assert sorted(p.split(": ")[0] for p in run.problems) == ["skipped"] * 3
    assert any("mailto" in p for p in run.problems) and any("ftp://" in p for p in run.problems)
    assert not any(p == "/elsewhere" for _m, p, _h in http_server.requests)

    allowed = FeedSource(
        name="hosts-allowed",
        type="feed",
        url=http_server.url("/feed?copy=2"),  # the HTTP cache is per URL, across sources
        follow_hosts=[f"localhost:{http_server.port}"],  # a host without a port: 80/443 only
    )
    summary = ingest_source(database, allowed, now=NOW + timedelta(hours=1), fetching=FAST)
    assert summary.new_releases == 1 and summary.skipped == 2


def test_unreachable_host_fails_the_source_only(database):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    source = PageSource(name="down", type="page", url=f"http://127.0.0.1:{port}/")
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.status == "error" and "ConnectError" in summary.error


def test_the_delay_holds_across_fetchers_of_one_process(http_server):
    """Two sources on one host fetched at the same time (a run's ingest tasks are threads of
    one process) share the host's delay: no two requests closer than it."""
    import threading
    import time

    from ingest.fetch import HostPacer

    arrivals: list[float] = []

    def record(_request):
        arrivals.append(time.monotonic())
        return Response(b"ok", 200, HTML)

    http_server.routes["/a"] = http_server.routes["/b"] = record
    pacer = HostPacer()  # what every fetcher of the process shares (ingest.fetch.PACER)

    def source(path: str) -> None:
        with Fetcher(FetchPolicy(delay_s=0.3), pacer=pacer) as fetcher:
            for _ in range(2):
                fetcher.get(http_server.url(path))

    threads = [threading.Thread(target=source, args=(p,)) for p in ("/a", "/b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # four requests take three delays at least (a late thread only stretches it); paced per
    # source, the two sources' requests would pair up and take one delay. The bound is two
    # delays: arrivals are seen at the server, and on a loaded machine the first request's
    # connection can arrive a good part of a delay after the pacer let it go.
    assert len(arrivals) == 4
    assert max(arrivals) - min(arrivals) >= 2 * 0.3, sorted(arrivals)
