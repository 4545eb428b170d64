"""What an operator's health check and metrics read from the archive: source run records, the
alerts outbox and send times. Read-only repository functions: they take a Session and never
commit; the decisions (what is unhealthy) are pipeline/health.py's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import Alert, SourceRun
from storage.source_health import OK_STATUSES

SEND_WINDOW = timedelta(hours=24)
"""Send latency is measured over the alerts sent in this window."""


@dataclass(frozen=True)
class OutboxFacts:
    by_status: dict[str, int] = field(default_factory=dict)
    """Alert rows by status (pending, sending, sent, failed, cancelled)."""
    oldest_due: datetime | None = None
    """Since when the longest-waiting due immediate alert has waited: its creation, or for one
    held back by the coalescing window, the end of the window."""
    stale_claims: int = 0
    """Alerts claimed by a sender longer ago than the lease (a sender that died mid-send)."""
    oldest_claim: datetime | None = None
    latencies_s: tuple[float, ...] = ()
    """Seconds from creation to acceptance, of the immediate alerts sent in SEND_WINDOW."""
    last_failure: str | None = None


@dataclass(frozen=True)
class RunFacts:
    last_success: datetime | None = None
    """The end of the newest source run that succeeded (ok, not modified or partial)."""
    runs: int = 0
    """Distinct runs recorded (one run id per run)."""
    source_runs_by_status: dict[str, int] = field(default_factory=dict)


def outbox_facts(session: Session, *, now: datetime, lease: timedelta) -> OutboxFacts:
    by_status = {
        row[0]: int(row[1])
        for row in session.execute(select(Alert.status, func.count()).group_by(Alert.status))
    }
    due = (
        (Alert.frequency == "immediate")
        & Alert.status.in_(("pending", "sending"))
        & ((Alert.next_attempt_at.is_(None)) | (Alert.next_attempt_at <= now))
    )
    # waiting since creation, or for one held back to go with its page's next version (no
    # attempt made: storage.alerts.hold), since it was due; a failed attempt does not restart it
    waiting_since = case(
        (Alert.attempts == 0, func.coalesce(Alert.next_attempt_at, Alert.created_at)),
        else_=Alert.created_at,
    )
    oldest_due = session.scalar(select(func.min(waiting_since)).where(due))
    stale = (Alert.status == "sending") & (Alert.claimed_at < now - lease)
    stale_claims = session.scalar(select(func.count()).select_from(Alert).where(stale)) or 0
    oldest_claim = session.scalar(select(func.min(Alert.claimed_at)).where(stale))
    sent = session.execute(
        select(Alert.created_at, Alert.sent_at).where(
            Alert.frequency == "immediate",
            Alert.status == "sent",
            Alert.sent_at >= now - SEND_WINDOW,
        )
    )
    latencies = tuple(
        max(0.0, (row.sent_at - row.created_at).total_seconds())
        for row in sent
        if row.sent_at is not None and row.created_at is not None
    )
    last_failure = session.scalar(
        select(Alert.last_error)
        .where(Alert.last_error.is_not(None))
        .order_by(Alert.next_attempt_at.desc().nulls_last(), Alert.id.desc())
        .limit(1)
    )
    return OutboxFacts(
        by_status=by_status,
        oldest_due=oldest_due,
        stale_claims=int(stale_claims),
        oldest_claim=oldest_claim,
        latencies_s=latencies,
        last_failure=last_failure,
    )


def run_facts(session: Session) -> RunFacts:
    last_success = session.scalar(
        select(func.max(func.coalesce(SourceRun.finished_at, SourceRun.started_at))).where(
            SourceRun.status.in_(OK_STATUSES)
        )
    )
    runs = session.scalar(select(func.count(func.distinct(SourceRun.run_id)))) or 0
    by_status = {
        row[0]: int(row[1])
        for row in session.execute(
            select(SourceRun.status, func.count()).group_by(SourceRun.status)
        )
    }
    return RunFacts(last_success=last_success, runs=int(runs), source_runs_by_status=by_status)
