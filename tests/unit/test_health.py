"""The health checks and the metrics page, as pure functions of the facts (pipeline/health.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.health import FAILING, OK, Facts, HealthConfig, evaluate, metrics_text
from storage.health import OutboxFacts, RunFacts

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def source(name: str, failures: int = 0, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "name": name,
        "type": "feed",
        "enabled": True,
        "consecutive_failures": failures,
        "last_status": "error" if failures else "ok",
        "last_error": "HTTP 404 from https://example.org/feed" if failures else None,
        "last_success_at": NOW - timedelta(hours=1),
        "releases": 3,
        "warning": None,
    }
    row.update(extra)
    return row


def statuses(report: object) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}  # type: ignore[attr-defined]


def test_everything_fine_is_healthy() -> None:
    facts = Facts(
        sources=[source("fcdo")],
        outbox=OutboxFacts(by_status={"sent": 4}),
        runs=RunFacts(last_success=NOW - timedelta(minutes=10), runs=5),
    )
    report = evaluate(
        facts,
        HealthConfig(),
        now=NOW,
        run_age_limit=timedelta(hours=1),
        configured_sources=["fcdo"],
    )
    assert report.healthy
    assert statuses(report) == {
        "source fcdo": OK,
        "mail": OK,
        "failed alerts": OK,
        "claims": OK,
        "runs": OK,
    }


def test_each_problem_fails_its_own_check_with_the_reason() -> None:
    facts = Facts(
        sources=[
            source("broken", failures=3),
            source("flaky", failures=2),
            source("quiet", warning="silent for 50 h (expected every 24 h)"),
        ],
        outbox=OutboxFacts(
            by_status={"pending": 2, "failed": 1, "sending": 1},
            oldest_due=NOW - timedelta(minutes=45),
            stale_claims=1,
            oldest_claim=NOW - timedelta(minutes=20),
            last_failure="mail server unavailable: connection refused",
        ),
        runs=RunFacts(last_success=NOW - timedelta(hours=3)),
    )
    report = evaluate(
        facts,
        HealthConfig(source_failures=3, alert_slo_minutes=30),
        now=NOW,
        run_age_limit=timedelta(hours=1),
        configured_sources=["broken", "flaky", "quiet", "new"],
    )
    assert not report.healthy
    assert statuses(report) == {
        "source broken": FAILING,
        "source flaky": OK,  # two failures are below the limit of three
        "source quiet": FAILING,
        "source new": OK,  # configured, never run yet
        "mail": FAILING,
        "failed alerts": FAILING,
        "claims": FAILING,
        "runs": FAILING,
    }
    messages = {c.name: c.message for c in report.checks}
    assert messages["source broken"] == (
        "failed 3 runs in a row (last: HTTP 404 from https://example.org/feed)"
    )
    assert messages["source quiet"] == "silent for 50 h (expected every 24 h)"
    assert messages["mail"].startswith("an alert has waited 45 min (SLO 30 min)")
    assert "connection refused" in messages["mail"]
    assert messages["claims"] == "1 alert(s) held by a sender that stopped since 20 min"
    assert messages["runs"] == "last successful run 3.0 h ago (limit 60 min)"


def test_no_run_age_limit_means_no_runs_check() -> None:
    report = evaluate(Facts(runs=RunFacts()), HealthConfig(), now=NOW, run_age_limit=None)
    assert "runs" not in statuses(report)
    report = evaluate(
        Facts(runs=RunFacts()), HealthConfig(), now=NOW, run_age_limit=timedelta(hours=1)
    )
    assert statuses(report)["runs"] == FAILING


def test_metrics_are_prometheus_text_with_escaped_labels() -> None:
    facts = Facts(
        sources=[source('odd "name"\\', failures=1)],
        outbox=OutboxFacts(
            by_status={"pending": 2, "sent": 3},
            oldest_due=NOW - timedelta(seconds=90),
            latencies_s=(0.5, 4.0, 120.0),
        ),
        runs=RunFacts(last_success=NOW, runs=7, source_runs_by_status={"ok": 6, "error": 1}),
    )
    report = evaluate(facts, HealthConfig(), now=NOW)
    text = metrics_text(facts, report)
    lines = text.splitlines()
    assert 'deskwatch_source_consecutive_failures{source="odd \\"name\\"\\\\"} 1' in lines
    assert 'deskwatch_alerts{status="pending"} 2' in lines
    assert 'deskwatch_alerts{status="failed"} 0' in lines
    assert "deskwatch_alert_oldest_due_age_seconds 90.000" in lines
    assert 'deskwatch_alert_send_latency_seconds_bucket{le="1"} 1' in lines
    assert 'deskwatch_alert_send_latency_seconds_bucket{le="5"} 2' in lines
    assert 'deskwatch_alert_send_latency_seconds_bucket{le="+Inf"} 3' in lines
    assert "deskwatch_alert_send_latency_seconds_count 3" in lines
    assert "deskwatch_runs_total 7" in lines
    assert f"deskwatch_last_successful_run_timestamp_seconds {NOW.timestamp():.3f}" in lines
    assert "deskwatch_healthy 1" in lines
    # every sample line belongs to a declared metric
    declared = {line.split()[2] for line in lines if line.startswith("# TYPE")}
    for line in lines:
        if not line.startswith("#"):
            name = line.split("{")[0].split()[0]
            assert name in declared or name.rsplit("_", 1)[0] in declared, line
