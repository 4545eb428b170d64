"""One page, linked from two feeds on two different hosts (issue 17), on SQLite and Postgres:
the page belongs to its own host. A feed on another host that may not speak for it (not its
host, not in its follow_hosts) can neither create nor overwrite the page's release, however it
words the link, and what it was refused is in its run record; a feed that may speak for the
host stores the page once; both feeds read twice make no new version. The archive holds what
the good feed alone gives, beside the other feed's entries under that feed's own namespace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.config import FeedSource
from pipeline.stages.ingest import ingest_source
from storage.db import Database, open_database
from storage.models import Release, ReleaseVersion, Source, SourceRun
from tests.fixtures.servers import LocalHTTPServer, Response
from tests.fixtures.web_sources import FAST, NOW

ATOM = {"Content-Type": "application/atom+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
ENTRY_ID = "tag:mfa.example,2026:statement-1"
PAGE = b"""<html><head><title>Statement on the talks</title></head><body><main>
<h1>Statement on the talks</h1><p>The ministers met in Tokyo and agreed to meet again.</p>
</main></body></html>"""


def _feed(entries: str, title: str = "T") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title>{entries}</feed>"
    ).encode()


def _entry(ident: str, link: str, content: str = "", summary: str = "") -> str:
    body = f"<content type='html'>{content}</content>" if content else ""
    body += f"<summary>{summary}</summary>" if summary else ""
    return (
        f'<entry><id>{ident}</id><title>Statement on the talks</title><link href="{link}"/>'
        f"<updated>2026-11-20T09:00:00Z</updated>{body}</entry>"
    )


@pytest.fixture
def other_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    try:
        yield server
    finally:
        server.stop()


def _archive(db: Database) -> list[tuple[str, str, str, list[str]]]:
    """(source, key, title, texts of its versions) of every release."""
    with db.session() as session:
        rows = []
        for release in session.scalars(select(Release)):
            source = session.scalar(select(Source.name).where(Source.id == release.source_id))
            texts = session.scalars(
                select(ReleaseVersion.text)
                .where(ReleaseVersion.release_id == release.id)
                .order_by(ReleaseVersion.number)
            ).all()
            rows.append((source or "?", release.key, release.title, list(texts)))
        return sorted(rows)


def _problems(db: Database, source: str) -> list[list[str]]:
    """The problems (skips among them) of each run of `source`, oldest first."""
    with db.session() as session:
        runs = session.scalars(
            select(SourceRun)
            .join(Source, Source.id == SourceRun.source_id)
            .where(Source.name == source)
            .order_by(SourceRun.id)
        ).all()
        return [list(run.problems or []) for run in runs]


@pytest.mark.parametrize("allowed_by", ["own host", "follow_hosts"])
def test_a_page_linked_from_two_hosts_belongs_to_its_own(
    database: Database,
    http_server: LocalHTTPServer,
    other_server: LocalHTTPServer,
    tmp_path: Path,
    allowed_by: str,
) -> None:
    home, other = http_server, other_server  # the page's host, and a second server
    page = home.url("/news/statement")
    home.routes["/news/statement"] = Response(PAGE, 200, HTML)

    # the good feed: on the page's own host, or on another host that lists it in follow_hosts
    if allowed_by == "own host":
        good = FeedSource(name="mfa", type="feed", url=home.url("/feed.atom"))
        home.routes["/feed.atom"] = Response(_feed(_entry(ENTRY_ID, page)), 200, ATOM)
    else:
        good_url = f"http://localhost:{other.port}/mirror.atom"
        good = FeedSource(
            name="mfa",
            type="feed",
            url=good_url,
            follow_hosts=[f"127.0.0.1:{home.port}", f"localhost:{other.port}"],
        )
        other.routes["/mirror.atom"] = Response(_feed(_entry(ENTRY_ID, page)), 200, ATOM)

    # the other feed, on 127.0.0.1 at the second server's port: every way it names the page
    evil_url = other.url("/evil.atom")
    laundered = f"http://127.0.0.1:{other.port}@127.0.0.1:{home.port}/news/statement"
    other.routes["/hop"] = Response(b"", 302, {"Location": page})
    forgeries = (
        # the good entry's own id, and the page as its link, with text of its own
        _entry(ENTRY_ID, page, content="&lt;p&gt;Forged by id and link.&lt;/p&gt;")
        # the page as its link and nothing else: it would have to fetch the page
        + _entry("urn:evil:fetch", page, summary="Read the page.")
        # a link of its own host that redirects to the page
        + _entry("urn:evil:hop", other.url("/hop"))
        # the page's host and port behind its own in the user-info part of the link
        + _entry("urn:evil:userinfo", laundered, content="&lt;p&gt;Forged by user info.&lt;/p&gt;")
        # the page's URL spelled otherwise (upper-case host, a fragment, a tracking query)
        + _entry(
            "urn:evil:spelling",
            f"HTTP://127.0.0.1:{home.port}/news/statement/?utm_source=x#top",
            content="&lt;p&gt;Forged by spelling.&lt;/p&gt;",
        )
    )
    evil = FeedSource(name="forger", type="feed", url=evil_url)

    snapshots = []
    for hours in (0, 1):  # both feeds twice, the forger first each time
        # the forger's feed changes a little, so its second read parses its entries again,
        # this time with the page's release already in the archive
        other.routes["/evil.atom"] = Response(_feed(forgeries, f"Round {hours}"), 200, ATOM)
        for source in (evil, good):
            summary = ingest_source(
                database, source, now=NOW + timedelta(hours=hours), fetching=FAST
            )
            assert summary.status != "error", summary.error
        snapshots.append(_archive(database))
    assert snapshots[0] == snapshots[1]  # the second round made no new release or version

    stored = snapshots[1]
    pages = [row for row in stored if row[1] == page]
    assert len(pages) == 1  # the page is one release ...
    [(owner, _key, _title, texts)] = pages
    assert owner == "mfa" and len(texts) == 1  # ... of the good feed, with one version
    assert "ministers met in Tokyo" in texts[0] and "Forged" not in texts[0]

    # the forger's own texts live under its own feed's namespace, never under the page's key
    forged = [row for row in stored if row[0] == "forger"]
    assert forged and all(key.startswith(f"{evil_url}#") for _s, key, _t, _v in forged)
    assert {key.split("#", 1)[1] for _s, key, _t, _v in forged} <= {
        ENTRY_ID,
        "urn:evil:fetch",  # kept from its own summary: the page it links is not fetched
        "urn:evil:userinfo",
        "urn:evil:spelling",
    }
    [(_s, _k, _t, fetched)] = [row for row in forged if row[1] == f"{evil_url}#urn:evil:fetch"]
    assert fetched == ["Read the page."]

    # what the forger was refused is recorded in each of its runs
    for problems in _problems(database, "forger"):
        fetch = [p for p in problems if p.startswith(f"from feed: {page}: ")]
        assert len(fetch) == 1 and "follow_hosts" in fetch[0], problems
        hop = [p for p in problems if p.startswith(f"skipped: {other.url('/hop')}: ")]
        assert len(hop) == 1 and page in hop[0] and "follow_hosts" in hop[0], problems

    # and the archive is what the good feed alone gives (beside the forger's namespace)
    alone = open_database(f"sqlite:///{tmp_path / 'alone.db'}", upgrade=True)
    try:
        for hours in (0, 1):
            ingest_source(alone, good, now=NOW + timedelta(hours=hours), fetching=FAST)
        assert [row for row in stored if row[0] != "forger"] == _archive(alone)
    finally:
        alone.dispose()
