"""An entry whose link cannot be followed keeps the text its feed gave it (issue 18), on SQLite
and Postgres against the local HTTP server: a summary-only entry linking off-host is stored from
its summary, in the feed's namespace, and its version says so (text kind `summary`: `show`,
`show --json`, the reading room); a full-content entry linking off-host and a same-host entry
whose page is fetched are `full`. The run counts what it kept from the feed by reason instead of
skipping it; a second run makes no new version; and once the host is in follow_hosts the page's
text is the next version of the same release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from core.records import FULL_TEXT, SUMMARY, ReleaseRecord
from ingest.config import FeedSource
from pipeline.stages.ingest import ingest_source
from storage.db import Database
from storage.models import Release, ReleaseVersion
from storage.releases import store_record, sync_source
from tests.fixtures.archive import Archive
from tests.fixtures.reading_room import client, prepare
from tests.fixtures.servers import LocalHTTPServer, Response
from tests.fixtures.web_sources import FAST, NOW

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

ATOM = {"Content-Type": "application/atom+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
ELSEWHERE = "https://elsewhere.example/readouts"
PAGE = b"""<html><head><title>Statement on the river accord</title></head><body><main>
<h1>Statement on the river accord</h1><p>The Foreign Minister welcomed the signing of the river
accord by both governments and thanked the mediators for their patience.</p></main></body></html>
"""
KEPT = "feed summary (link host not in follow_hosts)"


def _feed(entries: str, updated: str = "2026-11-20T10:00:00Z") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>MFA</title><updated>{updated}</updated>{entries}</feed>"
    ).encode()


def _entry(ident: str, title: str, link: str, *, summary: str = "", content: str = "") -> str:
    body = f"<summary>{summary}</summary>" if summary else ""
    body += f"<content type='html'>{content}</content>" if content else ""
    return (
        f'<entry><id>{ident}</id><title>{title}</title><link href="{link}"/>'
        f"<updated>2026-11-20T09:00:00Z</updated>{body}</entry>"
    )


def _entries(server: LocalHTTPServer) -> str:
    return (
        _entry(
            "tag:mfa.example,2026:call",
            "Readout of the call with Sylvania",
            f"{ELSEWHERE}/call-with-sylvania",
            summary="The Foreign Minister spoke with her Sylvanian counterpart about grain.",
        )
        + _entry(
            "tag:mfa.example,2026:visit",
            "Visit to Osterlich",
            f"{ELSEWHERE}/visit-to-osterlich",
            content="&lt;p&gt;The Foreign Minister visited Osterlich and met its president, "
            "who spoke of the border talks.&lt;/p&gt;",
        )
        + _entry(
            "tag:mfa.example,2026:accord",
            "Statement on the river accord",
            server.url("/news/accord"),
            summary="The Foreign Minister welcomed the accord.",
        )
    )


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "deskwatch.yaml"
    data = {
        "fetching": {"delay_s": 0, "backoff_s": 0, "retries": 0},
        "sources": [{"name": "mfa", "type": "feed", "url": url}],
    }
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_an_off_host_summary_is_stored_marked_and_shown(cli, http_server, tmp_path):
    http_server.routes["/news/accord"] = Response(PAGE, 200, HTML)
    http_server.routes["/feed.atom"] = Response(_feed(_entries(http_server)), 200, ATOM)
    feed_url = http_server.url("/feed.atom")
    config = _config(tmp_path, feed_url)

    run = cli("--config", config, "run", "--json")
    assert run.exit_code == 0, run.stderr
    [summary] = run.json()["sources"]
    assert (summary["new_releases"], summary["skipped"]) == (3, 0)
    assert summary["skips"] == {}
    # the off-host entry with content needs no word: its text is the feed's full text
    assert summary["from_feed"] == {KEPT: 1}

    listed = cli("--config", config, "releases", "--json").json()
    ids = {row["title"]: row["id"] for row in listed}
    shown = {
        title: cli("--config", config, "show", str(ids[title]), "--json").json() for title in ids
    }
    call = shown["Readout of the call with Sylvania"]
    assert call["text_kind"] == SUMMARY
    assert [v["text_kind"] for v in call["versions"]] == [SUMMARY]
    assert "Sylvanian counterpart about grain" in call["text"]
    visit = shown["Visit to Osterlich"]
    accord = shown["Statement on the river accord"]
    assert (visit["text_kind"], accord["text_kind"]) == (FULL_TEXT, FULL_TEXT)
    assert "thanked the mediators" in accord["text"]  # the page, not the feed's summary

    table = cli("--config", config, "show", str(ids["Readout of the call with Sylvania"]))
    assert table.exit_code == 0, table.stderr
    assert "text: feed summary" in table.stdout
    page_table = cli("--config", config, "show", str(ids["Statement on the river accord"]))
    assert "text: full text" in page_table.stdout and "feed summary" not in page_table.stdout

    # the source's row says what the last read kept from the feed, and nothing was skipped
    [row] = cli("--config", config, "sources", "--json").json()
    assert row["from_feed_reasons"] == f"1 stored from {KEPT}"
    assert (row["skipped"], row["item_problems"]) == (0, 0)

    # the feed again, its bytes changed a little so that its entries are read again: nothing new
    http_server.routes["/feed.atom"] = Response(
        _feed(_entries(http_server), updated="2026-11-20T11:00:00Z"), 200, ATOM
    )
    again = cli("--config", config, "run", "--json")
    assert again.exit_code == 0, again.stderr
    [second] = again.json()["sources"]
    assert second["status"] == "ok"
    # the two entries stored from the feed's text are unchanged; the page answered as before
    # (its cached body) is only seen again
    assert (second["new_releases"], second["new_versions"], second["unchanged"]) == (0, 0, 2)
    for title, release_id in ids.items():
        versions = cli("--config", config, "show", str(release_id), "--json").json()["versions"]
        assert [v["text_kind"] for v in versions] == [shown[title]["text_kind"]]
    assert second["from_feed"] == {KEPT: 1}
    keys = {row["key"] for row in cli("--config", config, "releases", "--json").json()}
    assert f"{feed_url}#tag:mfa.example,2026:call" in keys  # the feed's namespace
    assert not any(key.startswith(ELSEWHERE) for key in keys)  # never the off-host page


def test_fetch_pages_always_keeps_the_feed_text_of_an_off_host_entry(
    database: Database, http_server: LocalHTTPServer
) -> None:
    """`fetch_pages: always` asks for every page; an off-host one cannot be read, so the entry
    keeps its content (full) or its summary, each counted by what it kept."""
    http_server.routes["/news/accord"] = Response(PAGE, 200, HTML)
    http_server.routes["/feed.atom"] = Response(_feed(_entries(http_server)), 200, ATOM)
    feed_url = http_server.url("/feed.atom")
    source = FeedSource(name="mfa", type="feed", url=feed_url, fetch_pages="always")
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert (summary.new_releases, summary.skipped) == (3, 0)
    assert summary.from_feed == {KEPT: 1, "feed content (link host not in follow_hosts)": 1}
    kinds = {key: versions[0][1] for key, versions in _releases(database)}
    assert kinds == {
        f"{feed_url}#tag:mfa.example,2026:call": SUMMARY,
        f"{feed_url}#tag:mfa.example,2026:visit": FULL_TEXT,
        http_server.url("/news/accord"): FULL_TEXT,
    }


def _releases(db: Database) -> list[tuple[str, list[tuple[int, str | None]]]]:
    with db.session() as session:
        rows = []
        for release in session.scalars(select(Release).order_by(Release.id)):
            versions = session.execute(
                select(ReleaseVersion.number, ReleaseVersion.text_kind)
                .where(ReleaseVersion.release_id == release.id)
                .order_by(ReleaseVersion.number)
            ).all()
            rows.append((release.key, [tuple(v) for v in versions]))
        return rows


def test_the_page_supersedes_the_summary_once_its_host_may_be_followed(
    database: Database, http_server: LocalHTTPServer
) -> None:
    # the page on "localhost", the feed on "127.0.0.1": two hosts of one server
    page = f"http://localhost:{http_server.port}/news/accord"
    http_server.routes["/news/accord"] = Response(PAGE, 200, HTML)
    entry = _entry(
        "tag:mfa.example,2026:accord",
        "Statement on the river accord",
        page,
        summary="The Foreign Minister welcomed the accord.",
    )
    http_server.routes["/feed.atom"] = Response(_feed(entry), 200, ATOM)
    feed_url = http_server.url("/feed.atom")
    alone = FeedSource(name="mfa", type="feed", url=feed_url)
    first = ingest_source(database, alone, now=NOW, fetching=FAST)
    assert (first.new_releases, first.skipped, first.from_feed) == (1, 0, {KEPT: 1})
    assert _releases(database) == [(f"{feed_url}#tag:mfa.example,2026:accord", [(1, SUMMARY)])]

    hosts = [f"127.0.0.1:{http_server.port}", f"localhost:{http_server.port}"]
    following = FeedSource(name="mfa", type="feed", url=feed_url, follow_hosts=hosts)
    http_server.routes["/feed.atom"] = Response(_feed(entry, "2026-11-21T10:00:00Z"), 200, ATOM)
    later = ingest_source(database, following, now=NOW + timedelta(hours=1), fetching=FAST)
    assert (later.new_releases, later.new_versions, later.from_feed) == (0, 1, {})
    # one release, now under the page's own address, its page text the next version
    assert _releases(database) == [(page, [(1, SUMMARY), (2, FULL_TEXT)])]

    http_server.routes["/feed.atom"] = Response(_feed(entry, "2026-11-22T10:00:00Z"), 200, ATOM)
    third = ingest_source(database, following, now=NOW + timedelta(hours=2), fetching=FAST)
    assert (third.new_releases, third.new_versions) == (0, 0)
    assert _releases(database) == [(page, [(1, SUMMARY), (2, FULL_TEXT)])]

    # the host taken out of follow_hosts again: the release goes back to the feed's namespace,
    # and the feed's summary is its next version (marked so), not a second release
    http_server.routes["/feed.atom"] = Response(_feed(entry, "2026-11-23T10:00:00Z"), 200, ATOM)
    back = ingest_source(database, alone, now=NOW + timedelta(hours=3), fetching=FAST)
    assert (back.new_releases, back.new_versions, back.from_feed) == (0, 1, {KEPT: 1})
    assert _releases(database) == [
        (f"{feed_url}#tag:mfa.example,2026:accord", [(1, SUMMARY), (2, FULL_TEXT), (3, SUMMARY)])
    ]


SEEN = datetime(2024, 3, 20, 6, 0, tzinfo=UTC)


def _record(key: str, title: str, kind: str) -> ReleaseRecord:
    text = f"{title}. The minister spoke about the ceasefire talks."
    return ReleaseRecord(
        key=key,
        title=title,
        text=text,
        raw=text.encode(),
        content_type="text/html",
        published_at=SEEN,
        text_kind=kind,
    )


def test_the_reading_room_says_a_text_is_the_feed_summary(archive: Archive, db_url: str) -> None:
    room = prepare(archive, db_url)
    with archive.db.session() as session:
        source = sync_source(session, "mfa", "feed", {})
        ids: dict[str, Any] = {
            kind: store_record(session, source, _record(f"k-{kind}", f"A {kind}", kind), now=SEEN)
            for kind in (SUMMARY, FULL_TEXT)
        }
    with client(room.url) as web:
        for kind, stored in ids.items():
            path = f"/releases/{stored.release_id}"
            data = web.get(path, headers={"Accept": "application/json"}).json()
            assert data["text_kind"] == kind
            assert [v["text_kind"] for v in data["versions"]] == [kind]
            html = web.get(path).text
            said = "the feed&#39;s summary only (its page was not read)"
            assert (said in html) == (kind == SUMMARY)
            assert ("<dt>Text</dt><dd>full text</dd>" in html) == (kind == FULL_TEXT)


def test_migration_0013_adds_the_text_kind_and_is_undone(db_url: str) -> None:
    """0013 on an archive made under 0012, on both databases: the versions already stored are
    kept with no text kind (unknown, not "full"); a new version gets its kind; down to 0012
    drops the column and keeps the rows; and the search index, whose triggers sit on
    release_versions, still indexes a version stored after the round trip."""
    from alembic import command
    from sqlalchemy import MetaData, Table, inspect, text

    from core.query import parse
    from storage.db import alembic_config, open_database, pending_migrations, upgrade_database
    from storage.search import search

    def columns() -> set[str]:
        return {c["name"] for c in inspect(db.engine).get_columns("release_versions")}

    db = open_database(db_url)
    try:
        upgrade_database(db, "0012")
        assert "text_kind" not in columns()
        with db.engine.begin() as conn:
            meta = MetaData()
            sources, releases, versions = (
                Table(name, meta, autoload_with=conn)
                for name in ("sources", "releases", "release_versions")
            )
            # no ids given: Postgres's sequences must go on past these rows
            [source_id] = conn.execute(
                sources.insert(),
                {"name": "mfa", "type": "feed", "settings": {}, "enabled": True,
                 "created_at": SEEN},
            ).inserted_primary_key  # fmt: skip
            [release_id] = conn.execute(
                releases.insert(),
                {"key": "k", "source_id": source_id, "title": "Old", "first_seen_at": SEEN,
                 "last_seen_at": SEEN},
            ).inserted_primary_key  # fmt: skip
            conn.execute(
                versions.insert(),
                {"release_id": release_id, "number": 1, "fetched_at": SEEN, "title": "Old",
                 "raw": b"x", "content_type": "text/plain", "raw_sha256": "0",
                 "text": "An old statement.", "sha256": "0", "publisher_links": []},
            )  # fmt: skip

        upgrade_database(db)
        assert pending_migrations(db) == [] and "text_kind" in columns()
        with db.engine.connect() as conn:
            old = conn.execute(text("SELECT text_kind FROM release_versions")).scalar_one()
        assert old is None  # unknown: which old versions were summaries is not recorded

        command.downgrade(alembic_config(db), "0012")
        assert "text_kind" not in columns()
        assert pending_migrations(db) == ["0013"]
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM release_versions")).scalar_one() == 1

        command.upgrade(alembic_config(db), "head")
        assert pending_migrations(db) == []
        with db.session() as session:
            source = sync_source(session, "mfa", "feed", {})
            record = _record("k-new", "Grain corridor readout", SUMMARY)
            stored = store_record(session, source, record, now=SEEN)
        with db.session() as session:
            version = session.get(ReleaseVersion, stored.version_id)
            assert version is not None and version.text_kind == SUMMARY
            hits = search(session, parse("corridor"))
            assert [h.release_id for h in hits] == [stored.release_id]
    finally:
        db.dispose()
