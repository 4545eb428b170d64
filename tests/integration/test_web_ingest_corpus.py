"""Corpus tests of web ingest (real third-party data in ../shared/corpus, skipped when absent):
every feedparser test file through the feed path, every GOV.UK Content API item through the
Content API path, and the FCDO travel-advice history served in date order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import ParseError
from core.normalise import clean_text, content_hash
from ingest.config import FeedSource, GovukSource
from ingest.feed_reader import read_feed_bytes
from ingest.fetch import Fetched
from ingest.web import Got, NoCache, WebContext
from pipeline.stages.ingest import ingest_source
from storage.models import Release, SourceRun
from tests.fixtures.corpus import CORPUS, corpus_path
from tests.fixtures.fcdo import FEED_PATH, FcdoHistory
from tests.fixtures.servers import Response
from tests.fixtures.web_sources import FAST

NOW = datetime(2026, 11, 21, tzinfo=UTC)

pytestmark = pytest.mark.corpus


def corpus_folder(name: str) -> Path:
    return corpus_path(CORPUS / name)


def test_fcdo_history_one_release_per_page_one_version_per_text_change(database, http_server):
    history = FcdoHistory.load()
    source = FeedSource(
        name="fcdo-travel-advice",
        type="feed",
        url=http_server.url(FEED_PATH),
        govuk_base_url=http_server.base_url,
    )
    # page -> change notes of its versions, in order: a new version whenever the text differs
    # from the page's latest one (a return to an earlier wording counts: it is a change)
    expected: dict[str, list[str]] = {}
    latest: dict[str, str] = {}
    for step in history.steps:
        history.serve(http_server, step)
        summary = ingest_source(database, source, now=step.committed, fetching=FAST)
        assert summary.status == "ok", (step.index, summary.error, summary.problems)
        digest = content_hash(step.text)
        if latest.get(step.page_url) != digest:
            latest[step.page_url] = digest
            expected.setdefault(step.page_url, []).append(clean_text(step.change_note))

    with database.session() as session:
        releases = {r.key: r for r in session.scalars(select(Release))}
        assert sorted(releases) == sorted(history.pages)
        for page, notes in expected.items():
            versions = releases[page].versions
            assert [v.change_note for v in versions] == notes, page
            assert versions[0].text.startswith(("Summary", "Warnings and insurance"))
            assert releases[page].document_type == "travel_advice"
    assert sum(len(n) for n in expected.values()) >= 30


def test_every_govuk_content_item_ingests(database, http_server):
    folder = corpus_folder("govuk-content-api")
    files = sorted(p for p in folder.glob("*.json") if "__" in p.name)
    source_pages = []
    for number, path in enumerate(files):
        route = f"/api/content/corpus/item-{number}"
        http_server.routes[route] = Response(
            path.read_bytes(), 200, {"Content-Type": "application/json"}
        )
        source_pages.append(route)
    problems = []
    stored_keys = set()
    for number, route in enumerate(source_pages):
        source = GovukSource(
            name=f"govuk-{number}",
            type="govuk",
            url=http_server.url(route),
            govuk_base_url=http_server.base_url,
        )
        summary = ingest_source(database, source, now=NOW, fetching=FAST)
        if summary.status not in ("ok", "not_modified") or summary.error:
            problems.append((files[number].name, summary.error, summary.problems))
        assert summary.new_releases + summary.new_versions + summary.unchanged == 1, files[number]
    assert problems == []
    with database.session() as session:
        for release in session.scalars(select(Release)):
            stored_keys.add(release.key)
            assert release.key.startswith("https://www.gov.uk/")
            assert release.versions and release.versions[-1].text
    assert len(stored_keys) >= 70  # a few corpus items share a base_path: versions of one page


def test_every_feedparser_test_file_goes_through_the_feed_path():
    """All 2,107 files through the feed path (parse -> entries -> records), no fetch, no
    database: nothing raises, a bozo feed says why, and its good entries are still kept."""
    folder = corpus_folder("feedparser-tests")
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert len(files) > 2000
    bozo = bozo_kept = records = 0
    for path in files:
        ctx = WebContext(fetcher=None, cache=NoCache(), now=NOW)  # type: ignore[arg-type]
        got = Got(Fetched("http://127.0.0.1/feed", 200, {}, path.read_bytes()), False, None)
        try:
            read_feed_bytes(ctx, got, "http://127.0.0.1/feed", fetch_pages="never")
        except ParseError as exc:  # not a feed at all: the source's error, with the reason
            assert "not a feed (" in str(exc), path
            continue
        reasons = [p for p in ctx.result.problems if "bozo feed: " in p]
        if reasons:
            bozo += 1
            assert all(r.split("bozo feed: ", 1)[1] for r in reasons), path
            bozo_kept += len(ctx.result.records)
        records += len(ctx.result.records)
        assert all(r.key and r.text for r in ctx.result.records), path
    print(
        f"feedparser corpus: {len(files)} files, {bozo} bozo, {records} records, {bozo_kept} from bozo feeds"
    )
    assert bozo > 100 and bozo_kept >= 5 and records > 300


def test_feedparser_illformed_and_encoding_files_through_the_server(database, http_server):
    """The ill-formed and encoding groups end to end: served, fetched, stored; every run is
    recorded and none raises."""
    folder = corpus_folder("feedparser-tests")
    files = sorted((folder / "illformed").rglob("*.xml")) + sorted(
        (folder / "encoding").rglob("*.xml")
    )
    source = FeedSource(
        name="feedparser-tests", type="feed", url=http_server.url("/feed"), fetch_pages="never"
    )
    statuses = set()
    for path in files:
        http_server.routes["/feed"] = Response(
            path.read_bytes(), 200, {"Content-Type": "application/xml"}
        )
        summary = ingest_source(database, source, now=NOW, fetching=FAST)
        statuses.add(summary.status)
        if summary.status == "error":
            assert summary.error, path
    with database.session() as session:
        runs = session.scalars(select(SourceRun)).all()
    assert len(runs) == len(files)
    assert "partial" in statuses  # bozo feeds with good entries


def test_real_feeds_ingest_with_every_entry_kept(database, http_server):
    """The real government and news feeds of the corpus, served as they were captured: every
    entry becomes a release (entry texts only: their pages are not on the local server)."""
    folder = corpus_folder("feeds")
    for number, path in enumerate(sorted(folder.rglob("*.xml"))):
        http_server.routes["/feed"] = Response(
            path.read_bytes(), 200, {"Content-Type": "application/rss+xml"}
        )
        source = FeedSource(
            name=f"feed-{number}",
            type="feed",
            url=http_server.url(f"/feed?n={number}"),
            fetch_pages="never",
        )
        summary = ingest_source(database, source, now=NOW, fetching=FAST)
        assert summary.error is None, path
        seen = summary.new_releases + summary.new_versions + summary.unchanged
        assert seen + summary.skipped > 0, path
    with database.session() as session:
        keys = list(session.scalars(select(Release.key)))
    assert len(keys) > 400
    assert not [k for k in keys if "at_medium" in k or "utm_" in k]
