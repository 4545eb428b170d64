"""`deskwatch sources test NAME` and the skips of a run as `run` and `deskwatch sources` show
them, in process, on both backends, against the local HTTP server serving real feed and page
bytes (issue 18: nothing dropped without saying so)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, select

from storage.models import Base
from tests.fixtures.servers import Response
from tests.fixtures.web_sources import serve_web_fixtures

OFF_HOST = "https://elsewhere.example/readouts/call-with-sylvania"
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Ministry of Foreign Affairs of Freedonia: statements</title>
  <id>tag:mfa.example,2026:/statements</id>
  <updated>2026-11-20T10:00:00Z</updated>
  <entry>
    <id>tag:mfa.example,2026:/news/statement-on-the-river-accord</id>
    <title>Statement on the River Accord</title>
    <link href="/news/statement-on-the-river-accord"/>
    <published>2026-11-20T09:00:00Z</published>
    <updated>2026-11-20T09:30:00Z</updated>
    <summary>The Foreign Minister welcomed the signing of the River Accord.</summary>
  </entry>
  <entry>
    <id>tag:mfa.example,2026:/news/call-with-sylvania</id>
    <title>Readout of the Foreign Minister's call with Sylvania</title>
    <link href="{OFF_HOST}"/>
    <updated>2026-11-18T12:00:00Z</updated>
    <summary>The Foreign Minister spoke with her Sylvanian counterpart about grain.</summary>
  </entry>
  <entry>
    <id>tag:mfa.example,2026:/press-office</id>
    <title>Write to the press office</title>
    <link href="mailto:press@mfa.example"/>
    <updated>2026-11-17T12:00:00Z</updated>
    <summary>Questions from journalists go to the press office.</summary>
  </entry>
</feed>
"""


def _config(tmp_path: Path, sources: list[dict]) -> str:
    path = tmp_path / "deskwatch.yaml"
    data = {"fetching": {"delay_s": 0, "backoff_s": 0, "retries": 0}, "sources": sources}
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _serve_feed(http_server) -> str:
    serve_web_fixtures(http_server)
    http_server.routes["/mixed.atom"] = Response(
        FEED.encode("utf-8"), 200, {"Content-Type": "application/atom+xml; charset=utf-8"}
    )
    return http_server.url("/mixed.atom")


def _row_counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_sources_test_shows_the_entries_the_skip_and_the_summary_kept_and_stores_nothing(
    cli, db_url, http_server, tmp_path
):
    feed = {"name": "freedonia", "type": "feed", "url": _serve_feed(http_server)}
    config = _config(tmp_path, [feed])
    assert cli("--config", config, "db", "upgrade").exit_code == 0
    before = _row_counts(db_url)
    requests_before = len(http_server.requests)

    result = cli("--config", config, "sources", "test", "freedonia", "--json")
    assert result.exit_code == 0, result.stderr
    preview = result.json()
    assert preview["ok"] is True and preview["http_status"] == 200
    item, kept = preview["items"]
    assert item["key"] == http_server.url("/news/statement-on-the-river-accord")
    assert item["title"] == "Statement on the River Accord"
    assert (item["date"][:10], item["date_kind"]) == ("2026-11-20", "published")
    assert item["text_kind"] == "full" and item["text_length"] > 100
    # the entry linking off-host keeps the feed's summary, in the feed's namespace
    assert kept["key"] == f"{feed['url']}#tag:mfa.example,2026:/news/call-with-sylvania"
    assert kept["text_kind"] == "summary"
    assert preview["from_feed"] == {"feed summary (link host not in follow_hosts)": 1}
    assert preview["skips"] == {"not an http(s) link": 1}
    [skip] = preview["skipped"]
    assert "mailto:press@mfa.example" in skip
    assert len(http_server.requests) > requests_before  # the feed and its page were fetched

    table = cli("--config", config, "sources", "test", "freedonia")
    assert table.exit_code == 0, table.stderr
    assert "freedonia (feed), HTTP 200: 2 items a run would store" in table.stdout
    assert "1 skipped: not an http(s) link" in table.stdout
    assert "1 stored from feed summary (link host not in follow_hosts)" in table.stdout
    assert "Statement on the River Accord" in table.stdout
    assert "skipped: mailto:press@mfa.example" in table.stdout
    assert "full text" in table.stdout and "feed summary" in table.stdout

    assert _row_counts(db_url) == before  # no release, run record, cache row ... at all
    # and twice in a row shows the same items: no conditional GET hides them
    again = cli("--config", config, "sources", "test", "freedonia", "--json").json()
    assert [i["key"] for i in again["items"]] == [item["key"], kept["key"]]


def test_sources_test_marks_a_feed_summary_as_such(cli, http_server, tmp_path):
    feed = {
        "name": "freedonia",
        "type": "feed",
        "url": _serve_feed(http_server),
        "fetch_pages": "never",
    }
    config = _config(tmp_path, [feed])
    result = cli("--config", config, "sources", "test", "freedonia", "--json")
    assert result.exit_code == 0, result.stderr
    kinds = {i["title"]: i["text_kind"] for i in result.json()["items"]}
    assert kinds == {
        "Statement on the River Accord": "summary",
        "Readout of the Foreign Minister's call with Sylvania": "summary",
    }


def test_sources_test_of_an_unknown_name_is_one_line_exit_2(cli, http_server, tmp_path):
    feed = {"name": "freedonia", "type": "feed", "url": _serve_feed(http_server)}
    other = {"name": "sylvania", "type": "feed", "url": http_server.url("/gone.atom")}
    config = _config(tmp_path, [feed, other])
    result = cli("--config", config, "sources", "test", "nosuch")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "'nosuch'" in result.stderr and "freedonia, sylvania" in result.stderr
    assert result.stdout == ""


def test_sources_test_of_a_failing_source_exits_1(cli, db_url, http_server, tmp_path):
    broken = {"name": "broken", "type": "feed", "url": http_server.url("/gone.atom")}
    config = _config(tmp_path, [broken])
    assert cli("--config", config, "db", "upgrade").exit_code == 0
    before = _row_counts(db_url)
    result = cli("--config", config, "sources", "test", "broken")
    assert result.exit_code == 1
    assert "broken (feed): not read" in result.stdout
    assert result.stderr.count("\n") == 1 and "HTTP 404" in result.stderr
    assert "Traceback" not in result.stderr
    as_json = cli("--config", config, "sources", "test", "broken", "--json")
    assert as_json.exit_code == 1
    assert as_json.json()["ok"] is False and "HTTP 404" in as_json.json()["error"]
    assert _row_counts(db_url) == before  # a failed test is not a failed run either


def test_run_and_sources_show_the_skips_of_the_last_run(cli, http_server, tmp_path):
    feed = {"name": "freedonia", "type": "feed", "url": _serve_feed(http_server)}
    config = _config(tmp_path, [feed])
    run = cli("--config", config, "run", "--json")
    assert run.exit_code == 0, run.stderr
    [summary] = run.json()["sources"]
    assert (summary["new_releases"], summary["skipped"]) == (2, 1)
    assert summary["skips"] == {"not an http(s) link": 1}
    assert summary["from_feed"] == {"feed summary (link host not in follow_hosts)": 1}

    # the feed again, the same bytes: "not modified", and the skip is still shown (last read)
    again = cli("--config", config, "run", "--json")
    assert again.json()["sources"][0]["status"] == "not_modified"

    [row] = cli("--config", config, "sources", "--json").json()
    assert row["skipped"] == 1
    assert row["skips"] == {"not an http(s) link": 1}
    assert row["skipped_reasons"] == "1 skipped: not an http(s) link"
    assert row["from_feed"] == {"feed summary (link host not in follow_hosts)": 1}
    assert row["from_feed_reasons"] == (
        "1 stored from feed summary (link host not in follow_hosts)"
    )
    assert row["warning"] is None  # a skip is shown, not a problem of the source
    assert row["item_problems"] == 0
    table = cli("--config", config, "sources")
    assert "1 skipped: not an http(s) link" in table.stdout
    assert "1 stored from feed summary" in table.stdout
    csv_out = cli("--config", config, "sources", "--csv").stdout.splitlines()
    assert {"skipped_reasons", "from_feed_reasons"} <= set(csv_out[0].split(","))


def test_a_selector_that_matches_nothing_is_a_warning_on_the_source(cli, http_server, tmp_path):
    serve_web_fixtures(http_server)
    page = {
        "name": "accord",
        "type": "page",
        "url": http_server.url("/news/statement-on-the-river-accord"),
        "selector": "#no-such-element",
    }
    config = _config(tmp_path, [page])
    preview = cli("--config", config, "sources", "test", "accord", "--json")
    assert preview.exit_code == 0, preview.stderr
    [warning] = preview.json()["warnings"]
    assert "'#no-such-element' matched nothing" in warning
    assert len(preview.json()["items"]) == 1  # the page's main content is still read

    run = cli("--config", config, "run", "--json")
    assert run.exit_code == 0, run.stderr
    [summary] = run.json()["sources"]
    assert summary["status"] == "ok" and summary["new_releases"] == 1
    assert summary["warnings"] == [warning]
    [row] = cli("--config", config, "sources", "--json").json()
    assert row["warning"] == "1 warning: selector matched nothing in the last read"
    assert row["item_problems"] == 0


def test_a_run_line_counts_the_skips_by_reason():
    from deskwatch.runner import describe_source
    from pipeline.summary import SourceSummary

    summary = SourceSummary(
        "freedonia",
        "ok",
        skipped=11,
        skips={"link host not in follow_hosts": 10, "not an http(s) link": 1},
        from_feed={"feed summary (link host not in follow_hosts)": 3},
        warnings=["https://mfa.example/a: selector '#x' matched nothing; ..."],
        duration_s=0.5,
    )
    assert describe_source(summary) == (
        "ok: 0 new releases, 0 new versions, 0 unchanged, 10 skipped: link host not in "
        "follow_hosts; 1 skipped: not an http(s) link, 3 stored from feed summary (link host "
        "not in follow_hosts), 1 warning: selector matched nothing (0.50 s)"
    )
    markdown = summary_markdown(summary)
    assert "| 0 |  | 10 skipped: link host not in follow_hosts; 1 skipped: not an http(s) " in (
        markdown
    )
    assert "link; 3 stored from feed summary (link host not in follow_hosts); 1 warning" in (
        markdown
    )


def summary_markdown(source) -> str:
    from pipeline.summary import RunSummary

    return RunSummary(sources=[source]).to_markdown()
