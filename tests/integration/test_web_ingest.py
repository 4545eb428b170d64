"""Web ingest end to end against a real HTTP server on 127.0.0.1: an Atom feed, the page one
entry links to, and the GOV.UK Content API item another links to; then re-runs with unchanged
responses (304s and identical bodies) and with an edited page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ingest.config import FeedSource, GovukSource, PageSource
from pipeline.app import App
from pipeline.settings import Settings
from pipeline.stages.ingest import ingest_source
from storage.models import HttpCacheEntry, Release, ReleaseVersion, SourceRun
from tests.fixtures.servers import Response
from tests.fixtures.web_sources import FAST, NOW, serve_web_fixtures, web_fixture

RIVER_KEY = "{base}/news/statement-on-the-river-accord"
GOVUK_KEY = "https://www.gov.uk/government/news/uk-statement-on-maritime-security"
READOUT_URL = "https://elsewhere.example/readouts/full-text-readout"
# the feed may not speak for elsewhere.example: its text is keyed inside the feed's namespace
READOUT_KEY = "{base}/statements.atom#tag:mfa.example,2026:/news/full-text-readout"


def _feed(server) -> FeedSource:
    return FeedSource(
        name="freedonia",
        type="feed",
        url=server.url("/statements.atom"),
        govuk_base_url=server.base_url,
    )


def _releases(db) -> dict[str, Release]:
    with db.session() as session:
        releases = session.scalars(select(Release)).all()
        for release in releases:
            _ = list(release.versions)
        return {r.key: r for r in releases}


def _count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_feed_pages_and_content_api_are_stored(database, http_server):
    serve_web_fixtures(http_server)
    summary = ingest_source(database, _feed(http_server), now=NOW, fetching=FAST)

    assert summary.status == "ok", summary
    assert summary.new_releases == 3
    assert summary.skipped == 1  # the javascript: link
    releases = _releases(database)
    river = releases[RIVER_KEY.format(base=http_server.base_url)]
    assert river.title == "Statement on the River Accord"
    assert river.published_at.isoformat() == "2026-11-20T09:00:00+00:00"
    assert river.versions[0].text == (web_fixture("river-accord.expected.txt").decode().strip())
    assert "cookies" not in river.versions[0].text.lower()
    assert river.versions[0].raw == web_fixture("river-accord.html")

    uk = releases[GOVUK_KEY]
    assert uk.title == "UK statement on maritime security in the Strait"
    assert uk.document_type == "press_release"
    assert uk.organisation == "Foreign, Commonwealth & Development Office"
    assert uk.language == "en"
    assert uk.entry_id == "tag:www.gov.uk,2005:/government/news/uk-statement-on-maritime-security"
    version = uk.versions[0]
    assert version.change_note == "Added the paragraph on support for shipping."
    assert version.text.split("\n\n")[2] == "Support for shipping"
    assert {(link["kind"], link["value"]) for link in version.publisher_links} == {
        ("organisation", "/government/organisations/foreign-commonwealth-development-office"),
        ("person", "/government/people/jane-example"),
        ("world_location", "freedonia"),
        ("topical_event", "/government/topical-events/strait-shipping-crisis"),
    }

    readout = releases[READOUT_KEY.format(base=http_server.base_url)]
    assert readout.url == READOUT_URL  # full content in the feed: its host is never fetched
    assert readout.versions[0].text.startswith("The Foreign Minister spoke")
    assert not any("elsewhere" in path for _m, path, _h in http_server.requests)


def test_second_run_with_304s_writes_nothing_new(database, http_server):
    serve_web_fixtures(http_server)
    ingest_source(database, _feed(http_server), now=NOW, fetching=FAST)
    versions, cache_rows = _count(database, ReleaseVersion), _count(database, HttpCacheEntry)
    http_server.requests.clear()

    later = NOW + timedelta(hours=1)
    summary = ingest_source(database, _feed(http_server), now=later, fetching=FAST)

    assert summary.status == "not_modified" and summary.http_status == 304
    assert (summary.new_releases, summary.new_versions) == (0, 0)
    assert _count(database, ReleaseVersion) == versions
    assert _count(database, HttpCacheEntry) == cache_rows == 3
    method, path, headers = http_server.requests[0]
    assert path == "/statements.atom" and headers.get("If-None-Match")
    assert len(http_server.requests) == 1  # a 304 costs nothing more


def test_identical_bodies_without_validators_write_nothing_new(database, http_server):
    serve_web_fixtures(http_server, etags=False)
    ingest_source(database, _feed(http_server), now=NOW, fetching=FAST)
    before = _count(database, ReleaseVersion)
    summary = ingest_source(
        database, _feed(http_server), now=NOW + timedelta(hours=1), fetching=FAST
    )
    assert summary.status == "not_modified"
    assert _count(database, ReleaseVersion) == before


def test_an_edited_page_adds_exactly_one_version(database, http_server):
    serve_web_fixtures(http_server)
    source = PageSource(
        name="river", type="page", url=http_server.url("/news/statement-on-the-river-accord")
    )
    first = ingest_source(database, source, now=NOW, fetching=FAST)
    assert first.new_releases == 1

    edited = web_fixture("river-accord.html").replace(b"within ninety days", b"within sixty days")
    retyped = web_fixture("river-accord.html").replace(b"today's", "today\u2019s".encode())
    http_server.routes["/news/statement-on-the-river-accord"] = Response(
        retyped, 200, {"Content-Type": "text/html; charset=utf-8"}
    )
    typographic = ingest_source(database, source, now=NOW + timedelta(hours=1), fetching=FAST)
    assert (typographic.new_versions, typographic.unchanged) == (0, 1)

    http_server.routes["/news/statement-on-the-river-accord"] = Response(
        edited, 200, {"Content-Type": "text/html; charset=utf-8"}
    )
    second = ingest_source(database, source, now=NOW + timedelta(hours=2), fetching=FAST)
    third = ingest_source(database, source, now=NOW + timedelta(hours=3), fetching=FAST)

    assert second.new_versions == 1
    assert third.new_versions == 0 and third.status == "not_modified"
    assert (second.http_status, third.http_status) == (200, 200)  # no validators: same body
    (release,) = _releases(database).values()
    assert [v.number for v in release.versions] == [1, 2]
    assert "within sixty days" in release.versions[1].text
    assert release.last_seen_at == NOW + timedelta(hours=3)


def test_govuk_feed_link_and_content_api_source_are_one_release(database, http_server):
    serve_web_fixtures(http_server)
    ingest_source(database, _feed(http_server), now=NOW, fetching=FAST)
    direct = GovukSource(
        name="govuk-direct", type="govuk", url=GOVUK_KEY, govuk_base_url=http_server.base_url
    )
    summary = ingest_source(database, direct, now=NOW + timedelta(hours=1), fetching=FAST)
    assert summary.error is None
    assert [k for k in _releases(database) if "maritime" in k] == [GOVUK_KEY]


def test_govuk_search_is_a_source_of_links(database, http_server):
    serve_web_fixtures(http_server)
    http_server.routes["/api/search.json"] = Response(
        b'{"results": [{"link": "/government/news/uk-statement-on-maritime-security"}]}',
        200,
        {"Content-Type": "application/json"},
    )
    source = GovukSource(
        name="fcdo-news",
        type="govuk",
        search={"filter_organisations": "foreign-commonwealth-development-office"},
        govuk_base_url=http_server.base_url,
    )
    summary = ingest_source(database, source, now=NOW, fetching=FAST)
    assert summary.new_releases == 1
    search = next(p for _m, p, _h in http_server.requests if p.startswith("/api/search.json"))
    assert "filter_organisations=foreign-commonwealth-development-office" in search
    assert "order=-public_timestamp" in search


def test_one_failing_source_is_recorded_and_the_next_still_runs(database, http_server):
    serve_web_fixtures(http_server)
    broken = FeedSource(name="broken", type="feed", url=http_server.url("/missing.atom"))
    failed = ingest_source(database, broken, now=NOW, fetching=FAST)
    ok = ingest_source(database, _feed(http_server), now=NOW, fetching=FAST)
    assert failed.status == "error" and failed.http_status == 404
    assert "HTTP 404" in failed.error
    assert ok.new_releases == 3
    with database.session() as session:
        runs = {r.status: r for r in session.scalars(select(SourceRun))}
    assert runs["error"].http_status == 404 and runs["error"].duration_s is not None
    assert runs["ok"].new_releases == 3


def test_a_failed_page_is_retried_on_the_next_run(database, http_server):
    serve_web_fixtures(http_server)
    page = http_server.routes.pop("/news/statement-on-the-river-accord")
    first = ingest_source(database, _feed(http_server), now=NOW, fetching=FAST)
    assert first.status == "partial" and first.new_releases == 2
    http_server.routes["/news/statement-on-the-river-accord"] = page
    second = ingest_source(
        database, _feed(http_server), now=NOW + timedelta(hours=1), fetching=FAST
    )
    assert second.new_releases == 1


def test_config_file_fetching_section_reaches_the_readers(database, http_server, tmp_path):
    """fetching.govuk_base_url of the config file, through App.fetching, with no per-source
    override: the feed's www.gov.uk link is read from the local server's Content API."""
    serve_web_fixtures(http_server)
    path = tmp_path / "deskwatch.yaml"
    base, feed = http_server.base_url, http_server.url("/statements.atom")
    path.write_text(
        f"fetching: {{delay_s: 0, backoff_s: 0, govuk_base_url: '{base}'}}\n"
        f"sources: [{{name: freedonia, type: feed, url: '{feed}'}}]\n"
    )
    app = App.load(path, Settings())
    (source,) = app.config.sources
    summary = ingest_source(database, source, now=NOW, fetching=app.fetching)
    assert summary.new_releases == 3 and summary.status == "ok"
    assert GOVUK_KEY in _releases(database)


def test_a_whole_pipeline_run_over_web_sources(db_url, http_server, tmp_path):
    """`deskwatch run`'s in-process pipeline (no Prefect): the fetch policy comes from the config
    file, and the derived stages take the web releases; a second run adds nothing."""
    from pipeline.plan import run_in_process

    serve_web_fixtures(http_server)
    base, feed = http_server.base_url, http_server.url("/statements.atom")
    path = tmp_path / "deskwatch.yaml"
    path.write_text(
        f"fetching: {{delay_s: 0, backoff_s: 0, govuk_base_url: '{base}'}}\n"
        f"sources: [{{name: freedonia, type: feed, url: '{feed}'}}]\n"
    )
    app = App.load(path, Settings(database_url=db_url))
    first = run_in_process(app, now=NOW)
    second = run_in_process(app, now=NOW + timedelta(hours=1))
    assert [(s.source, s.status, s.new_releases) for s in first.sources] == [("freedonia", "ok", 3)]
    assert [(s.status, s.new_releases, s.new_versions) for s in second.sources] == [
        ("not_modified", 0, 0)
    ]
