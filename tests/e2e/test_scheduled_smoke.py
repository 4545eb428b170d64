"""The docker-compose stack, natively on loopback: a real `prefect server start` (temporary
PREFECT_HOME), `deskwatch serve` with schedules of a few seconds, a local HTTP server with a feed
and an SMTP server (aiosmtpd). The test waits until scheduled runs of both flows have delivered
the expected mail, exactly once each, then stops everything it started by process id.

Every text served here is written for this test."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.prefect_server import PrefectServer, deskwatch_command, start, stop
from tests.fixtures.servers import LocalHTTPServer, Response

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
DELIVERY_TIMEOUT = 420.0  # serve start, first scheduled run and a digest, on two busy cores

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Ministry statements</title>
    <link>{base}/news</link>
    <description>Statements of a ministry written for deskwatch's smoke test</description>
    <item>
      <title>Minister calls for a humanitarian ceasefire</title>
      <link>{base}/news/ceasefire-call</link>
      <guid>{base}/news/ceasefire-call</guid>
      <pubDate>Mon, 03 Nov 2025 09:00:00 GMT</pubDate>
      <description>The minister called for a humanitarian ceasefire.</description>
    </item>
  </channel>
</rss>
"""
PAGE = """<!doctype html>
<html lang="en"><head><title>Minister calls for a humanitarian ceasefire</title></head>
<body><main>
<h1>Minister calls for a humanitarian ceasefire</h1>
<p>The minister called today for an immediate humanitarian ceasefire so that aid can reach
civilians. Talks between the parties must resume without delay.</p>
<p>The ministry will host a donors' conference next month.</p>
</main></body></html>
"""


def flow_runs(server: PrefectServer, since: datetime) -> list[dict[str, Any]]:
    """The flow runs that started since `since` (asked of the server, so the answer is not cut
    by its page size): the server is shared by the session's Prefect tests, and runs another
    test made (by hand, or crashed on purpose) are not this test's. Prefect's start-time filter
    falls back on the expected start of a run that has not started, so the scheduler's hundred
    future runs per deployment would fill the page: only runs that did start are asked for."""
    started = {"after_": since.isoformat(), "is_null_": False}
    body = {"flow_runs": {"start_time": started}, "limit": 200}
    response = server.post("/flow_runs/filter", body)
    response.raise_for_status()
    return list(response.json())


def deployment_names(server: PrefectServer) -> dict[str, str]:
    response = server.post("/deployments/filter", {"limit": 50})
    response.raise_for_status()
    return {d["id"]: d["name"] for d in response.json()}


def completed_deployments(server: PrefectServer, since: datetime) -> set[str]:
    """Names of the deployments with at least one completed run created since `since` (a run's
    mail can arrive before its state is reported complete, so the test waits for both)."""
    names = deployment_names(server)
    return {
        names[r["deployment_id"]]
        for r in flow_runs(server, since)
        if names.get(r["deployment_id"] or "") and r["state_type"] == "COMPLETED"
    }


def test_scheduled_runs_deliver_mail_exactly_once(
    tmp_path: Path,
    http_server: LocalHTTPServer,
    smtp_server: Any,
    prefect_server: PrefectServer,
) -> None:
    base = http_server.base_url
    http_server.routes["/feed.xml"] = Response(
        FEED.format(base=base).encode(), 200, {"Content-Type": "application/rss+xml"}
    )
    http_server.routes["/news/ceasefire-call"] = Response(
        PAGE.encode(), 200, {"Content-Type": "text/html; charset=utf-8"}
    )
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "sources": [{"name": "ministry", "type": "feed", "url": f"{base}/feed.xml"}],
                "fetching": {"delay_s": 0, "retries": 0},
                "subscriptions": [
                    {"email": "desk.now@example.org", "keywords": ["ceasefire"]},
                    {
                        "email": "desk.daily@example.org",
                        "keywords": ["ceasefire"],
                        "frequency": "daily",
                    },
                ],
                "smtp": {
                    "host": smtp_server.host,
                    "port": smtp_server.port,
                    "mail_from": "deskwatch@example.org",
                },
                "schedule": {
                    "run": {"interval_seconds": 5},
                    "daily_digest": {"interval_seconds": 7},
                    "weekly_digest": {"cron": "0 8 * * 5", "enabled": False},
                },
            }
        ),
        encoding="utf-8",
    )
    env = prefect_server.env(
        DESKWATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'deskwatch.db'}",
        PREFECT_RUNNER_POLL_FREQUENCY="2",  # look for due runs every 2 s, not 10
        PREFECT_LOGGING_LEVEL="INFO",  # as `deskwatch serve` sets it unless told otherwise
    )
    log = tmp_path / "serve.log"
    since = datetime.now(UTC)
    serve = start(deskwatch_command("--config", str(config), "serve"), env=env, log=log)
    sink = smtp_server.sink
    try:
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while time.monotonic() < deadline:
            assert serve.poll() is None, f"serve exited: {log.read_text()[-3000:]}"
            if (
                sink.to("desk.now@example.org")
                and sink.to("desk.daily@example.org")
                and {"scheduled", "daily"} <= completed_deployments(prefect_server, since)
            ):
                break
            time.sleep(1)
        else:
            pytest.fail(
                f"no mail or no completed run of both flows after {DELIVERY_TIMEOUT:.0f} s "
                f"(immediate mail: {len(sink.to('desk.now@example.org'))}, digest: "
                f"{len(sink.to('desk.daily@example.org'))}, completed: "
                f"{sorted(completed_deployments(prefect_server, since))}): "
                f"{log.read_text()[-3000:]}"
            )
        time.sleep(12)  # two more scheduled runs of each flow: they must not send again
        assert serve.poll() is None, f"serve exited: {log.read_text()[-3000:]}"
    finally:
        stop(serve)

    [alert] = sink.to("desk.now@example.org")
    assert "ceasefire" in str(alert["Subject"]).lower()
    [digest] = sink.to("desk.daily@example.org")
    assert "ceasefire" in digest.get_body(("plain",)).get_content().lower()  # type: ignore[union-attr]

    names = deployment_names(prefect_server)
    runs = [r for r in flow_runs(prefect_server, since) if names.get(r["deployment_id"] or "")]
    # (both deployments' completed runs were awaited above, while serve ran: stopping it ends
    # its runs in flight, so the count is not read again here)
    assert {"scheduled", "daily"} <= {names[r["deployment_id"]] for r in runs}
    assert all(r["auto_scheduled"] for r in runs)  # the scheduler made them, not the test
    # deskwatch's own loggers reach the run's log in the UI, and the summary is an artifact
    # (this test's runs only: the session's server holds the logs of every Prefect test before)
    logs = prefect_server.post(
        "/logs/filter",
        {
            "logs": {"flow_run_id": {"any_": [r["id"] for r in runs]}},
            "limit": 200,
            "sort": "TIMESTAMP_ASC",
        },
    ).json()
    assert any(
        line["name"] == "deskwatch.ingest" and "source ministry" in line["message"] for line in logs
    )
    artifacts = prefect_server.post(
        "/artifacts/filter",
        {
            "artifacts": {
                "key": {"any_": ["deskwatch-run-summary"]},
                "flow_run_id": {"any_": [r["id"] for r in runs]},
            },
            "sort": "CREATED_DESC",
        },
    ).json()
    assert artifacts and "| ministry |" in artifacts[0]["data"]
    output = log.read_text(errors="replace")
    assert "serving deskwatch-run/scheduled, deskwatch-digest/daily against" in output
