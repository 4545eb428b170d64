"""The `deskwatch-digest` flow: send the daily or weekly digests that are due.

One IO task around the plan's digest step (pipeline.steps.send_digests), retried with backoff and
with a timeout as the run's send stage is (pipeline.plan.send_retries). A
scheduled run uses its scheduled time as `now`, so a late run still sends the digest it was due
to send.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context

from flows.run import align_log_levels, task_options
from pipeline import plan, steps
from pipeline.app import App

Frequency = Literal["daily", "weekly"]


@task(name="send-digests", task_run_name="send {frequency} digests", cache_policy=NO_CACHE)
def send_digests_task(
    config_path: str | None, frequency: str, now_iso: str, period_iso: str | None = None
) -> dict[str, int]:
    app = App.load(config_path)
    db = app.open_db(upgrade=True)
    now = datetime.fromisoformat(now_iso)
    try:
        if period_iso is None:
            return steps.send_digests(app, db, frequency=frequency, now=now)
        period_at = datetime.fromisoformat(period_iso)
        return steps.send_digests(app, db, frequency=frequency, now=now, period_at=period_at)
    finally:
        db.dispose()


def _scheduled_time() -> datetime:
    flow_run = getattr(get_run_context(), "flow_run", None)
    expected = getattr(flow_run, "expected_start_time", None)
    return expected.astimezone(UTC) if expected is not None else datetime.now(UTC)


@flow(name="deskwatch-digest", log_prints=False)
def deskwatch_digest(
    frequency: Frequency = "daily", config_path: str | None = None, now_iso: str | None = None
) -> dict[str, Any]:
    """Send the `frequency` digests. Returns the counts and publishes them as an artifact."""
    align_log_levels()
    logger = get_run_logger()
    app = App.load(config_path)
    send = send_digests_task.with_options(**task_options(plan.send_retries(app.config.run)))
    if now_iso is None:
        # A scheduled run is for its scheduled day, but one that starts late (a busy worker, a
        # backlog of due runs) still carries what was queued while it waited, instead of
        # leaving it to the next period's digest.
        scheduled = _scheduled_time()
        now_iso = max(scheduled, datetime.now(UTC)).isoformat()
        counts = send(config_path, frequency, now_iso, scheduled.isoformat())
    else:
        counts = send(config_path, frequency, now_iso)
    lines = [f"**{frequency} digests** at {now_iso}", "", "| total | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in counts.items()] or ["| (nothing due) | 0 |"]
    markdown = "\n".join(lines)
    create_markdown_artifact(
        markdown, key=f"deskwatch-{frequency}-digest", description="deskwatch digest summary"
    )
    logger.info("digest summary\n%s", markdown)
    return {"frequency": frequency, "now": now_iso, "totals": counts}
