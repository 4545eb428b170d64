"""`deskwatch ingest URL_OR_PATH...`, `deskwatch sources`, `releases --source` and `show` over
web-ingested releases, in process, on both backends, against the local HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from ingest.config import FeedSource
from pipeline.stages.ingest import ingest_source
from storage.db import open_database
from storage.releases import sync_source
from tests.fixtures.servers import Response
from tests.fixtures.web_sources import FAST, serve_web_fixtures, web_fixture

GOVUK_PAGE = "https://www.gov.uk/government/news/uk-statement-on-maritime-security"


def _config(tmp_path: Path, server, sources: list[dict] | None = None) -> str:
    path = tmp_path / "deskwatch.yaml"
    data = {
        "fetching": {"delay_s": 0, "backoff_s": 0, "retries": 0, "govuk_base_url": server.base_url},
        "sources": sources or [],
    }
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_ingest_urls_and_files_idempotently(cli, http_server, tmp_path):
    serve_web_fixtures(http_server)
    statement = tmp_path / "statement.txt"
    statement.write_text("The Minister made a statement on Tuesday 7 November 2023.\n")
    config = _config(tmp_path, http_server)
    items = [
        http_server.url("/news/statement-on-the-river-accord"),
        GOVUK_PAGE,
        str(statement),
    ]
    first = cli("--config", config, "ingest", *items, "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()["new_releases"] == 3
    second = cli("--config", config, "ingest", *items, "--json")
    assert (second.json()["new_releases"], second.json()["unchanged"]) == (0, 3)

    releases = cli("--config", config, "releases", "--source", "ad-hoc", "--json").json()
    assert {r["url"] for r in releases} >= {GOVUK_PAGE}
    assert len(releases) == 3


def test_ingest_a_feed_url(cli, http_server, tmp_path):
    serve_web_fixtures(http_server)
    config = _config(tmp_path, http_server)
    result = cli("--config", config, "ingest", http_server.url("/statements.atom"))
    assert result.exit_code == 0, result.stderr
    assert "3 new releases" in result.stdout


def test_ingest_failure_is_one_line(cli, http_server, tmp_path):
    config = _config(tmp_path, http_server)
    result = cli("--config", config, "ingest", http_server.url("/missing"))
    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr
    assert "Traceback" not in result.stderr


def test_show_lists_versions_with_change_notes(cli, http_server, tmp_path):
    serve_web_fixtures(http_server)
    config = _config(tmp_path, http_server)
    route = "/api/content/government/news/uk-statement-on-maritime-security"
    cli("--config", config, "ingest", GOVUK_PAGE)
    edited = (
        web_fixture("maritime-security.json")
        .replace(b"keep the sea lanes open", b"keep the sea lanes open and safe")
        .replace(b"Added the paragraph on support for shipping.", b"Clarified the last paragraph.")
    )
    edited = edited.replace(
        b'"2026-11-19T16:00:00.000+00:00", "note"', b'"2026-11-20T10:00:00.000+00:00", "note"'
    )
    http_server.routes[route] = Response(edited, 200, {"Content-Type": "application/json"})
    cli("--config", config, "ingest", GOVUK_PAGE)
    (release,) = cli("--config", config, "releases", "--json").json()
    detail = cli("--config", config, "show", str(release["id"]), "--json").json()
    assert [v["change_note"] for v in detail["versions"]] == [
        "Added the paragraph on support for shipping.",
        "Clarified the last paragraph.",
    ]
    table = cli("--config", config, "show", str(release["id"]))
    assert "Clarified" in table.stdout  # the table may fold the note over lines


def test_sources_shows_health(cli, db_url, http_server, tmp_path):
    serve_web_fixtures(http_server)
    feed = {
        "name": "freedonia",
        "type": "feed",
        "url": http_server.url("/statements.atom"),
        "expected_cadence_hours": 24,
    }
    broken = {"name": "broken", "type": "feed", "url": http_server.url("/gone.atom")}
    config = _config(tmp_path, http_server, [feed, broken])
    assert cli("--config", config, "db", "upgrade").exit_code == 0
    never = {r["name"]: r for r in cli("--config", config, "sources", "--json").json()}
    assert never["freedonia"]["warning"] == never["broken"]["warning"] == "never run"
    db = open_database(db_url)
    long_ago = datetime.now(UTC) - timedelta(days=3)
    try:
        with db.session() as session:
            sync_source(session, "freedonia", "feed", {"expected_cadence_hours": 24})
        ingest_source(
            db, FeedSource(**feed, govuk_base_url=http_server.base_url), now=long_ago, fetching=FAST
        )
        for hours in (2, 1):
            ingest_source(
                db, FeedSource(**broken), now=long_ago + timedelta(hours=hours), fetching=FAST
            )
    finally:
        db.dispose()
    rows = {r["name"]: r for r in cli("--config", config, "sources", "--json").json()}
    assert rows["broken"]["consecutive_failures"] == 2
    assert "HTTP 404" in rows["broken"]["last_error"]
    assert rows["broken"]["last_success_at"] is None
    assert rows["freedonia"]["releases"] == 3
    assert rows["freedonia"]["consecutive_failures"] == 0
    assert rows["freedonia"]["last_success_at"] is not None
    assert "silent for" in rows["freedonia"]["warning"]
    csv_out = cli("--config", config, "sources", "--csv").stdout.splitlines()
    assert csv_out[0].startswith("name,type,last_success_at")


def test_ingest_a_folder_reports_each_bad_file_and_exits_non_zero(cli, http_server, tmp_path):
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "good.txt").write_text("A good statement on Tuesday 7 November 2023.\n")
    (folder / "nul.txt").write_bytes(b"A statement\x00 with a NUL byte.\n")
    (folder / "typed.txt").write_text("Typed sidecar.\n")
    (folder / "typed.txt.meta.yaml").write_text("title: [1, 2]\n")
    (folder / "list.json").write_text("[1, 2]")
    config = _config(tmp_path, http_server)
    result = cli("--config", config, "ingest", str(folder))
    assert result.exit_code == 1
    assert "2 new releases" in result.stdout  # the good file, and the NUL one without its NUL
    problems = [line for line in result.stderr.splitlines() if line.startswith("  problem:")]
    assert len(problems) == 2, result.stderr
    assert any("typed.txt.meta.yaml: title must be text" in p for p in problems)
    assert any("list.json" in p for p in problems)
    assert "Traceback" not in result.stderr
    again = cli("--config", config, "ingest", str(folder), "--json")
    assert again.exit_code == 1 and again.json()["unchanged"] == 2
