"""Is deskwatch healthy? The checks an operator's monitoring runs (`deskwatch health`), and the
same facts as Prometheus metrics (`deskwatch metrics`, and `deskwatch serve --metrics-port`).

    check(app, db, now)          gather, then evaluate: (facts, report)
    gather(app, db, now)         read the facts (storage.source_health, storage.health)
    evaluate(facts, config, now) pure: each check ok or failing, with one line saying why
    metrics_text(facts, now)     pure: the Prometheus text exposition format

A check fails when a source has failed `health.source_failures` runs in a row or has been silent
past its `expected_cadence_hours`, when an immediate alert has been due and unsent for longer
than `health.alert_slo_minutes`, when alerts have failed for good, when a sender died holding
claimed alerts, when no source run has succeeded for `health.max_run_age_hours` (default:
four intervals of the run schedule, when it has an interval), or when the config has a
subscription every run skips (the "config" check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from pipeline.app import App
    from storage.db import Database
    from storage.health import OutboxFacts, RunFacts

OK, FAILING = "ok", "failing"


class HealthConfig(BaseModel):
    """The `health:` key of the config file: when `deskwatch health` says something is wrong."""

    model_config = ConfigDict(extra="forbid")

    source_failures: int = Field(default=3, ge=1)
    """A source that failed this many runs in a row is unhealthy."""
    alert_slo_minutes: float = Field(default=30.0, gt=0)
    """An immediate alert due and unsent for longer than this is unhealthy (mail is failing)."""
    max_run_age_hours: float | None = Field(default=None, gt=0)
    """No successful source run for this long is unhealthy; default: four run intervals of the
    `schedule.run` entry when it is an interval, else not checked."""
    ops_email: str | None = None
    """The operator's address: at the end of a run, one mail when the set of failing checks
    changes (an outage mails when it starts and when it ends: pipeline.ops_notice)."""

    @field_validator("ops_email")
    @classmethod
    def _valid_ops_email(cls, value: str | None) -> str | None:
        from core.subscriptions import valid_email

        if value is None:
            return None
        value = value.strip()
        if not valid_email(value.lower()):
            raise ValueError(f"invalid email address {value!r}")
        return value


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class Facts:
    sources: list[dict[str, Any]] = field(default_factory=list)
    """storage.source_health rows, one per configured or known source."""
    outbox: OutboxFacts | None = None
    runs: RunFacts | None = None
    config_problems: list[str] | None = None
    """What the runs skip in the config (a bad subscription: pipeline.config_check)."""


@dataclass(frozen=True)
class Report:
    checks: list[Check]
    checked_at: datetime

    @property
    def healthy(self) -> bool:
        return all(c.status == OK for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checked_at": self.checked_at.isoformat(),
            "checks": [c.to_dict() for c in self.checks],
        }


def run_age_limit(app: App) -> timedelta | None:
    config = app.config.health
    if config.max_run_age_hours is not None:
        return timedelta(hours=config.max_run_age_hours)
    entry = app.config.schedule.run
    if entry.enabled and entry.interval_seconds:
        return timedelta(seconds=4 * entry.interval_seconds)
    return None


def gather(app: App, db: Database, *, now: datetime) -> Facts:
    from pipeline.config_check import subscription_problems
    from storage.alerts import LEASE
    from storage.health import outbox_facts, run_facts
    from storage.source_health import source_health

    lease = LEASE  # a live sender renews its claims well within it
    configured = {s.name for s in app.config.sources if s.enabled}
    with db.session() as session:
        sources = [
            row
            for row in source_health(session, now=now)
            if row["name"] in configured or (row["enabled"] and row["type"] != "adhoc")
        ]
        return Facts(
            sources=sources,
            outbox=outbox_facts(session, now=now, lease=lease),
            runs=run_facts(session),
            config_problems=subscription_problems(app),
        )


def _duration(span: timedelta) -> str:
    minutes = max(0.0, span.total_seconds() / 60)
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _age(now: datetime, then: datetime) -> str:
    return _duration(now - then)


def evaluate(
    facts: Facts,
    config: HealthConfig,
    *,
    now: datetime,
    run_age_limit: timedelta | None = None,
    configured_sources: list[str] | None = None,
) -> Report:
    """Pure: the checks, in a fixed order, each with the line an operator reads."""
    checks: list[Check] = []
    known = {row["name"]: row for row in facts.sources}
    for name in configured_sources if configured_sources is not None else sorted(known):
        row = known.get(name)
        if row is None:
            checks.append(Check(f"source {name}", OK, "never run"))
            continue
        failures = int(row.get("consecutive_failures") or 0)
        problems = []
        if failures >= config.source_failures:
            error = " ".join(str(row.get("last_error") or "").split())[:200]
            problems.append(f"failed {failures} runs in a row (last: {error})")
        warning = str(row.get("warning") or "")
        if "silent for" in warning:
            problems.append(next(w for w in warning.split("; ") if w.startswith("silent for")))
        if problems:
            checks.append(Check(f"source {name}", FAILING, "; ".join(problems)))
        else:
            checks.append(Check(f"source {name}", OK, f"last status {row.get('last_status')}"))

    outbox = facts.outbox
    if outbox is not None:
        slo = timedelta(minutes=config.alert_slo_minutes)
        if outbox.oldest_due is not None and now - outbox.oldest_due > slo:
            reason = f"; last error: {outbox.last_failure[:200]}" if outbox.last_failure else ""
            checks.append(
                Check(
                    "mail",
                    FAILING,
                    f"an alert has waited {_age(now, outbox.oldest_due)} "
                    f"(SLO {config.alert_slo_minutes:g} min){reason}",
                )
            )
        else:
            checks.append(Check("mail", OK, "no alert waiting past its SLO"))
        failed = outbox.by_status.get("failed", 0)
        checks.append(
            Check("failed alerts", FAILING, f"{failed} alert(s) failed for good")
            if failed
            else Check("failed alerts", OK, "none")
        )
        if outbox.stale_claims:
            since = f" since {_age(now, outbox.oldest_claim)}" if outbox.oldest_claim else ""
            checks.append(
                Check(
                    "claims",
                    FAILING,
                    f"{outbox.stale_claims} alert(s) held by a sender that stopped{since}",
                )
            )
        else:
            checks.append(Check("claims", OK, "none stale"))

    runs = facts.runs
    if runs is not None and run_age_limit is not None:
        if runs.last_success is None:
            checks.append(Check("runs", FAILING, "no source run has succeeded yet"))
        elif now - runs.last_success > run_age_limit:
            checks.append(
                Check(
                    "runs",
                    FAILING,
                    f"last successful run {_age(now, runs.last_success)} ago "
                    f"(limit {_duration(run_age_limit)})",
                )
            )
        else:
            checks.append(Check("runs", OK, f"last success {_age(now, runs.last_success)} ago"))
    if facts.config_problems is not None:
        if facts.config_problems:
            count = len(facts.config_problems)
            first = facts.config_problems[0]
            more = f" (and {count - 1} more: deskwatch config check)" if count > 1 else ""
            checks.append(Check("config", FAILING, f"skipped by every run: {first}{more}"))
        else:
            checks.append(Check("config", OK, "every subscription valid"))
    return Report(checks=checks, checked_at=now)


def check(app: App, db: Database, *, now: datetime) -> tuple[Facts, Report]:
    """The facts and the checks on them: what `deskwatch health` and the metrics both show."""
    facts = gather(app, db, now=now)
    report = evaluate(
        facts,
        app.config.health,
        now=now,
        run_age_limit=run_age_limit(app),
        configured_sources=[s.name for s in app.config.sources if s.enabled],
    )
    return facts, report


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _timestamp(value: datetime | None) -> str:
    return "NaN" if value is None else f"{value.timestamp():.3f}"


def metrics_text(facts: Facts, report: Report) -> str:
    """Pure: the Prometheus text exposition format (version 0.0.4) of the facts."""
    lines: list[str] = []

    def metric(name: str, kind: str, text: str, samples: list[tuple[str, str]]) -> None:
        lines.append(f"# HELP {name} {text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{labels} {value}" for labels, value in samples)

    sources = sorted(facts.sources, key=lambda r: r["name"])
    metric(
        "deskwatch_source_consecutive_failures",
        "gauge",
        "Runs in a row in which the source failed.",
        [(f'{{source="{_label(r["name"])}"}}', str(r["consecutive_failures"])) for r in sources],
    )
    metric(
        "deskwatch_source_last_success_timestamp_seconds",
        "gauge",
        "When the source was last read successfully (Unix time).",
        [(f'{{source="{_label(r["name"])}"}}', _timestamp(r["last_success_at"])) for r in sources],
    )
    metric(
        "deskwatch_source_releases",
        "gauge",
        "Releases stored from the source.",
        [(f'{{source="{_label(r["name"])}"}}', str(r["releases"])) for r in sources],
    )
    if facts.runs is not None:
        metric(
            "deskwatch_runs_total",
            "counter",
            "Runs recorded in the archive.",
            [("", str(facts.runs.runs))],
        )
        metric(
            "deskwatch_source_runs_total",
            "counter",
            "Source reads recorded, by outcome.",
            [
                (f'{{status="{_label(s)}"}}', str(n))
                for s, n in sorted(facts.runs.source_runs_by_status.items())
            ],
        )
        metric(
            "deskwatch_last_successful_run_timestamp_seconds",
            "gauge",
            "When a source was last read successfully (Unix time).",
            [("", _timestamp(facts.runs.last_success))],
        )
    if facts.outbox is not None:
        statuses = ("pending", "sending", "sent", "failed", "cancelled")
        metric(
            "deskwatch_alerts",
            "gauge",
            "Alerts in the outbox, by status.",
            [(f'{{status="{s}"}}', str(facts.outbox.by_status.get(s, 0))) for s in statuses],
        )
        oldest = facts.outbox.oldest_due
        age = (report.checked_at - oldest).total_seconds() if oldest is not None else 0.0
        metric(
            "deskwatch_alert_oldest_due_age_seconds",
            "gauge",
            "Age of the oldest immediate alert that is due and unsent (0 when none).",
            [("", f"{max(0.0, age):.3f}")],
        )
        metric(
            "deskwatch_alert_stale_claims",
            "gauge",
            "Alerts held by a sender that stopped (claimed longer ago than the lease).",
            [("", str(facts.outbox.stale_claims))],
        )
        latencies = sorted(facts.outbox.latencies_s)
        bounds = (1, 5, 15, 60, 300, 900, 3600)
        buckets = [(f'{{le="{b}"}}', str(sum(1 for x in latencies if x <= b))) for b in bounds]
        buckets.append(('{le="+Inf"}', str(len(latencies))))
        lines.append(
            "# HELP deskwatch_alert_send_latency_seconds Seconds from an immediate alert's "
            "creation to its acceptance by the mail server, over the last 24 hours."
        )
        lines.append("# TYPE deskwatch_alert_send_latency_seconds histogram")
        lines.extend(f"deskwatch_alert_send_latency_seconds_bucket{b} {n}" for b, n in buckets)
        lines.append(f"deskwatch_alert_send_latency_seconds_sum {sum(latencies):.3f}")
        lines.append(f"deskwatch_alert_send_latency_seconds_count {len(latencies)}")
    metric(
        "deskwatch_healthy",
        "gauge",
        "1 when every `deskwatch health` check passes, else 0.",
        [("", "1" if report.healthy else "0")],
    )
    return "\n".join(lines) + "\n"
