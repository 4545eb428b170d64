"""One bad item never blocks its source, and no source writes another's release (issue 17), on
both backends: each bad item is recorded in the run and skipped, the good ones are stored as a
clean run of them alone would store them, and a failing source is still in source_runs."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from datetime import timedelta

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from core.errors import ParseError
from core.records import ReleaseRecord
from ingest import registry
from ingest.config import FeedSource, FilesSource, GovukSource
from ingest.feed_reader import entry_key
from ingest.fetch import FetchPolicy
from pipeline.stages.ingest import ingest_source
from storage.models import Release, ReleaseVersion, SourceRun
from storage.releases import store_records, sync_source
from storage.source_health import source_health
from tests.fixtures.servers import Response
from tests.fixtures.web_sources import FAST, NOW, WEB_FIXTURES, serve_web_fixtures

ATOM = {"Content-Type": "application/atom+xml"}
GOVUK_KEY = "https://www.gov.uk/government/news/uk-statement-on-maritime-security"


def _atom(entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>T</title>{entries}</feed>"
    ).encode()


def _entry(ident: str, title: str, text: str, link: str = "") -> str:
    link_tag = f'<link href="{link}"/>' if link else ""
    return (
        f"<entry><id>{ident}</id><title>{title}</title>{link_tag}"
        f"<updated>2026-11-20T09:00:00Z</updated><content type='html'>{text}</content></entry>"
    )


def _archive(db) -> list[tuple[str, str, list[str]]]:
    """What the archive holds, as plain values: (key, title, texts of its versions)."""
    with db.session() as session:
        return sorted(
            (
                r.key,
                r.title,
                [
                    v.text
                    for v in session.scalars(
                        select(ReleaseVersion)
                        .where(ReleaseVersion.release_id == r.id)
                        .order_by(ReleaseVersion.number)
                    )
                ],
            )
            for r in session.scalars(select(Release))
        )


def _runs(db) -> list[SourceRun]:
    with db.session() as session:
        runs = list(session.scalars(select(SourceRun).order_by(SourceRun.id)))
        session.expunge_all()
        return runs


GOOD = [
    _entry("urn:good:1", "First", "&lt;p&gt;One good statement.&lt;/p&gt;"),
    _entry("urn:good:2", "Second", "&lt;p&gt;Another good statement.&lt;/p&gt;"),
]


@pytest.mark.parametrize(
    "bad",
    [
        _entry("urn:bad:nul", "Title with a NUL \x00 here", "&lt;p&gt;NUL&#0; inside.&lt;/p&gt;"),
        _entry("urn:bad:surrogate", "Lone &#xD800; surrogate", "&lt;p&gt;x&#xD800;y&lt;/p&gt;"),
        _entry(
            "urn:bad:port", "Bad port", "&lt;p&gt;Text.&lt;/p&gt;", "http://example.org:99999/x"
        ),
    ],
    ids=["nul", "surrogate", "port"],
)
def test_a_bad_entry_never_blocks_the_good_ones(database, http_server, tmp_path, bad):
    from storage.db import open_database

    http_server.routes["/feed"] = Response(_atom(GOOD[0] + bad + GOOD[1]), 200, ATOM)
    source = FeedSource(name="mixed", type="feed", url=http_server.url("/feed"))
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.status in ("ok", "partial")
    (run,) = _runs(database)  # recorded, whatever happened to the bad entry
    assert run.status == summary.status and run.items_seen >= 2

    # the good entries are stored exactly as a clean run of them alone stores them
    clean = open_database(f"sqlite:///{tmp_path}/clean.db", upgrade=True)
    try:
        http_server.routes["/feed"] = Response(_atom(GOOD[0] + GOOD[1]), 200, ATOM)
        ingest_source(clean, source, now=NOW, fetching=FAST)
        good = _archive(clean)
    finally:
        clean.dispose()
    stored = _archive(database)
    assert [r for r in stored if "urn:good" in r[0]] == good
    for _key, title, texts in stored:  # and what got in of the bad one is storable text
        assert "\x00" not in title + "".join(texts)
        assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in title + "".join(texts))
    if "port" in bad:
        assert any("99999" in p and "port" in p for p in summary.problems)
        assert len(stored) == 2

    again = ingest_source(database, source, now=NOW + timedelta(hours=1), fetching=FAST)
    assert again.status != "error"  # the next run does not fail the same way


def test_bad_files_are_problems_of_their_own(database, tmp_path):
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "good.txt").write_text("A good statement on Tuesday 7 November 2023.\n")
    (folder / "nul.txt").write_bytes(b"A statement\x00 with a NUL byte.\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("Not for the archive.\n")
    os.symlink(secret, folder / "escape.txt")
    (folder / "typed.txt").write_text("Typed sidecar.\n")
    (folder / "typed.txt.meta.yaml").write_text("title: [1, 2]\nlanguage: {a: b}\n")
    (folder / "dated.txt").write_text("Badly dated.\n")
    (folder / "dated.txt.meta.yaml").write_text("published_at: next tuesday\n")
    (folder / "item.json").write_text(
        json.dumps({"base_path": "/government/news/x", "title": "T", "details": {"body": [1]}})
    )
    (folder / "evil.json").write_text(
        json.dumps({"base_path": "@evil.example/news", "title": "Evil", "details": {}})
    )
    source = FilesSource(name="desk", type="files", path=folder)
    summary = ingest_source(database, source, now=NOW)

    assert summary.status == "partial"
    assert summary.new_releases == 2  # good.txt, and nul.txt without its NUL
    problems = "\n".join(summary.problems)
    assert "escape.txt: a link to a file outside the folder" in problems
    assert "typed.txt.meta.yaml: title must be text, not list" in problems
    assert "dated.txt.meta.yaml: published_at 'next tuesday' is not an ISO 8601 date" in problems
    assert "item.json" in problems and "malformed item" in problems
    assert "evil.json" in problems and "is not a GOV.UK page path" in problems
    stored = _archive(database)
    assert {key for key, _t, _v in stored} == {"file://desk/good.txt", "file://desk/nul.txt"}
    assert "Not for the archive" not in repr(stored)
    assert any(texts == ["A statement with a NUL byte."] for _k, _t, texts in stored)
    (run,) = _runs(database)
    assert run.status == "partial" and len(run.problems) == 5
    with database.session() as session:
        (health,) = source_health(session, now=NOW)
    assert health["item_problems"] == 5 and health["consecutive_failures"] == 0
    assert "5 item problem(s) in the last run" in health["warning"]


class _Broken(BaseModel):
    name: str
    type: str = "broken"
    enabled: bool = True


def test_a_source_that_breaks_is_still_recorded_and_counted(database):
    from typing import Literal

    class BrokenSource(_Broken):
        type: Literal["broken"] = "broken"

    def read(_source, _ctx):
        raise RuntimeError("a bug in a reader")

    registry.register(BrokenSource, read)  # type: ignore[arg-type]
    try:
        with pytest.raises(RuntimeError):
            ingest_source(database, BrokenSource(name="broken"), now=NOW)  # type: ignore[arg-type]
    finally:
        registry.unregister("broken")
    (run,) = _runs(database)
    assert run.status == "error" and "RuntimeError: a bug in a reader" in run.error
    with database.session() as session:
        (health,) = source_health(session, now=NOW)
    assert health["consecutive_failures"] == 1


# --- identity ---------------------------------------------------------------------------------


def test_a_feed_cannot_write_another_sources_release(database, http_server):
    """The official feed (on 127.0.0.1) and a forger on another host (localhost) that reuses
    the official entry's id and lists the official page as its link, with text of its own."""
    official_page = http_server.url("/news/statement")
    http_server.routes["/official"] = Response(
        _atom(
            _entry(
                "tag:official,2026:1", "Statement", "&lt;p&gt;Official.&lt;/p&gt;", official_page
            )
        ),
        200,
        ATOM,
    )
    forged = _atom(
        _entry("tag:official,2026:1", "Statement", "&lt;p&gt;Forged by id.&lt;/p&gt;")
        + _entry("urn:forger:2", "Statement", "&lt;p&gt;Forged by link.&lt;/p&gt;", official_page)
    )
    http_server.routes["/forger"] = Response(forged, 200, ATOM)
    forger_url = f"http://localhost:{http_server.port}/forger"
    official = FeedSource(name="official", type="feed", url=http_server.url("/official"))
    forger = FeedSource(name="forger", type="feed", url=forger_url)
    for source in (official, forger):
        ingest_source(database, source, now=NOW, fetching=FAST)

    stored = {key: texts for key, _t, texts in _archive(database)}
    assert stored[official_page] == ["Official."]  # one version: the forger's never got in
    assert stored[f"{forger_url}#tag:official,2026:1"] == ["Forged by id."]
    assert stored[f"{forger_url}#urn:forger:2"] == ["Forged by link."]
    assert len(stored) == 3


def test_a_conflicting_claim_is_refused_and_recorded(database):
    def record(text: str, *, shared: bool) -> ReleaseRecord:
        return ReleaseRecord(
            key="https://mfa.example/news/1",
            title="T",
            text=text,
            raw=b"",
            content_type="t",
            shared=shared,
        )

    with database.session() as session:
        owner = sync_source(session, "owner", "feed", {})
        other = sync_source(session, "other", "feed", {})
        first = store_records(session, owner, [record("Original.", shared=False)], now=NOW)
        refused = store_records(session, other, [record("Claimed.", shared=False)], now=NOW)
        page = store_records(session, other, [record("From the page.", shared=True)], now=NOW)
    assert len(first.stored) == 1 and not first.refused
    assert refused.stored == [] and "is a release of source 'owner'" in refused.refused[0]
    assert len(page.stored) == 1  # read from the page's own address: it may speak for it


def test_a_govuk_item_through_a_files_source_and_the_content_api_is_one_release(
    database, http_server, tmp_path
):
    serve_web_fixtures(http_server)
    folder = tmp_path / "files"
    folder.mkdir()
    shutil.copy(WEB_FIXTURES / "maritime-security.json", folder / "maritime.json")
    files = FilesSource(name="desk", type="files", path=folder)
    govuk = GovukSource(name="govuk", type="govuk", url=GOVUK_KEY)
    policy = FetchPolicy(delay_s=0, backoff_s=0, retries=0, govuk_base_url=http_server.base_url)
    first = ingest_source(database, files, now=NOW)
    second = ingest_source(database, govuk, now=NOW, fetching=policy)
    assert first.new_releases == 1 and second.new_releases == 0
    assert second.unchanged == 1 and not second.problems
    stored = _archive(database)
    assert [key for key, _t, _v in stored] == [GOVUK_KEY]
    assert len(stored[0][2]) == 1  # one version: the same text


def test_entry_keys_are_scoped_to_the_feed_unless_it_speaks_for_the_host():
    from ingest.feeds import FeedEntry

    def entry(entry_id: str | None, link: str | None) -> FeedEntry:
        return FeedEntry(entry_id, link, "t", "", "<p>x</p>", None, None)

    feed = "https://mfa.example/feed.atom"
    own = {"mfa.example"}
    assert entry_key(entry("tag:x,1:a", "https://mfa.example/n/1"), feed, own) == (
        "https://mfa.example/n/1"
    )
    assert entry_key(entry("tag:x,1:a", "https://other.example/n/1"), feed, own) == (
        f"{feed}#tag:x,1:a"
    )
    assert entry_key(entry(None, "https://other.example/n/1"), feed, own) == (
        f"{feed}#https://other.example/n/1"
    )
    assert entry_key(entry("urn:a", None), feed, own) == f"{feed}#urn:a"
    with pytest.raises(ParseError):
        entry_key(entry(None, "http://mfa.example:99999/n"), feed, own)


def test_a_row_the_database_refuses_is_refused_alone(database):
    """The database itself refuses one row of a round (a trigger here, as a full text index or
    a constraint might): the round is stored again record by record and only that one fails."""
    from sqlalchemy import text

    with database.session() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON releases WHEN NEW.title = 'poison' "
                    "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON releases FOR EACH ROW EXECUTE FUNCTION poison()"
                )
            )
    records = [
        ReleaseRecord(key=f"k{i}", title=title, text=f"Text {i}.", raw=b"", content_type="t")
        for i, title in enumerate(["one", "poison", "three"])
    ]
    with database.session() as session:
        source = sync_source(session, "desk", "files", {})
        batch = store_records(session, source, records, now=NOW)
    assert len(batch.stored) == 2
    assert len(batch.refused) == 1 and batch.refused[0].startswith("k1: not stored: ")
    assert "poisoned row" in batch.refused[0]
    assert [key for key, _t, _v in _archive(database)] == ["k0", "k2"]


def test_a_feeds_own_releases_keep_their_history_under_the_scoped_key(database, http_server):
    """An archive from before keys were scoped: the feed's release stored under the bare
    `tag:` id moves to the feed's namespace on the next run (a new version, not a new release);
    another source's release under such a key is never moved."""
    http_server.routes["/feed"] = Response(
        _atom(
            _entry("tag:mfa,2026:1", "Statement", "&lt;p&gt;Edited text.&lt;/p&gt;")
            + _entry("tag:other,2026:9", "Theirs", "&lt;p&gt;Claimed.&lt;/p&gt;")
        ),
        200,
        ATOM,
    )
    feed = FeedSource(name="mfa", type="feed", url=http_server.url("/feed"))
    old = ReleaseRecord(
        key="tag:mfa,2026:1", title="Statement", text="Old text.", raw=b"", content_type="text/html"
    )
    theirs = dataclasses.replace(old, key="tag:other,2026:9", title="Theirs", text="Theirs.")
    with database.session() as session:
        row = sync_source(session, "mfa", "feed", {})
        other = sync_source(session, "other", "feed", {})
        store_records(session, row, [old], now=NOW - timedelta(days=1))
        store_records(session, other, [theirs], now=NOW - timedelta(days=1))
    summary = ingest_source(database, feed, now=NOW, fetching=FAST)
    assert (summary.new_releases, summary.new_versions) == (1, 1)
    assert _archive(database) == [
        (f"{feed.url}#tag:mfa,2026:1", "Statement", ["Old text.", "Edited text."]),
        (f"{feed.url}#tag:other,2026:9", "Theirs", ["Claimed."]),
        ("tag:other,2026:9", "Theirs", ["Theirs."]),
    ]
