"""The deployments `deskwatch serve` runs: both flows, scheduled from the config's `schedule:`.

    deskwatch-run/scheduled      every 15 minutes by default
    deskwatch-digest/daily       08:00 Europe/London by default
    deskwatch-digest/weekly      Friday 08:00 Europe/London by default

Entry points are module paths (`flows.run.deskwatch_run`), so any machine with deskwatch installed
can run them: `deskwatch serve` in one process, or workers of a work pool (scale-out).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from flows.digest import deskwatch_digest
from flows.run import deskwatch_run
from pipeline.app import App
from pipeline.scheduling import ScheduleConfig, ScheduleEntry

RUN_DEPLOYMENT = "scheduled"


def schedule_of(config: ScheduleConfig, entry: ScheduleEntry) -> Schedule:
    timezone = config.timezone_of(entry)
    if entry.cron is not None:
        return Cron(entry.cron, timezone=timezone)
    assert entry.interval_seconds is not None
    return Interval(timedelta(seconds=entry.interval_seconds), timezone=timezone)


def build_deployments(app: App) -> list[RunnerDeployment]:
    """The enabled deployments, with the config file passed to every run as a parameter."""
    config_path = str(app.config.path) if app.config.path else None
    schedule = app.config.schedule
    plans: list[tuple[Any, str, ScheduleEntry, dict[str, Any], str]] = [
        (deskwatch_run, RUN_DEPLOYMENT, schedule.run, {}, "ingest, tag, diff and alert"),
        (
            deskwatch_digest,
            "daily",
            schedule.daily_digest,
            {"frequency": "daily"},
            "send the daily digests",
        ),
        (
            deskwatch_digest,
            "weekly",
            schedule.weekly_digest,
            {"frequency": "weekly"},
            "send the weekly digests",
        ),
    ]
    deployments = []
    for flow_, name, entry, parameters, description in plans:
        if not entry.enabled:
            continue
        deployments.append(
            flow_.to_deployment(
                name=name,
                schedule=schedule_of(schedule, entry),
                parameters={"config_path": config_path, **parameters},
                description=f"deskwatch: {description}",
                tags=["deskwatch"],
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return deployments
