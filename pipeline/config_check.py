"""Checking a config before it is deployed (`deskwatch config check`), and the config problems a
run skips over (a bad subscription): one line per problem, nothing opened or changed.

    subscription_problems(app)   pure over the config and its taxonomy: the subscriptions a run
                                 skips, one line each (the run summary, `deskwatch health`)
    check(path, settings)        everything `config check` reports: (problems, notes)

A subscription with an unknown theme id or country code is skipped by the run (pipeline.stages.
alert.config_specs) and reported here; structural errors (a missing key, a bad address, a bad
cron expression) stop the config loading, and so every command, with one ConfigError line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError
from core.subscriptions import SubscriptionSpec, problems

if TYPE_CHECKING:
    from pipeline.app import App
    from pipeline.scheduling import ScheduleConfig
    from pipeline.settings import Settings

SCHEDULE_NOTE = (
    "serve registers these schedules when it starts: restart `deskwatch serve` (or run "
    "`deskwatch serve --work-pool NAME` again) after changing them"
)


def subscription_problems(app: App) -> list[str]:
    """`config.yaml: subscriptions.2 (desk@example.org): unknown theme id 'ukrane' (...)`: one
    line per subscription the run will skip."""
    from pipeline.stages.alert import known_countries, known_themes

    entries = app.config.subscriptions
    if not entries:
        return []
    name = str(app.config.path) if app.config.path else "config"
    try:
        themes: set[str] | None = known_themes(app) if any(e.themes for e in entries) else set()
    except ConfigError as exc:
        return [f"{name}: tagging: {exc}"]
    countries = known_countries()
    lines = []
    for index, entry in enumerate(entries):
        spec = SubscriptionSpec.build(
            entry.email,
            name=entry.name,
            themes=entry.themes,
            countries=entry.countries,
            keywords=entry.keywords,
            frequency=entry.frequency,
            focus_only=entry.focus_only,
        )
        for found in problems(spec, known_themes=themes, known_countries=countries):
            lines.append(f"{name}: subscriptions.{index} ({spec.email}): {found}")
    return lines


def _source_problems(app: App) -> list[str]:
    name = str(app.config.path) if app.config.path else "config"
    lines = []
    for index, source in enumerate(app.config.sources):
        where = f"{name}: sources.{index} ({source.name})"
        path = getattr(source, "path", None)
        if isinstance(path, Path) and not path.exists():
            lines.append(f"{where}: no such folder {path}")
        url = getattr(source, "url", "")
        if url and not url.startswith(("http://", "https://")):
            lines.append(f"{where}: url {url!r} is not http:// or https://")
    if not any(s.enabled for s in app.config.sources):
        lines.append(f"{name}: sources: no enabled source: a run would read nothing")
    return lines


def _smtp_problems(app: App) -> list[str]:
    name = str(app.config.path) if app.config.path else "config"
    smtp = app.config.smtp
    lines = []
    if smtp.ssl and smtp.starttls:
        lines.append(f"{name}: smtp: give at most one of ssl and starttls")
    try:
        app.mail  # noqa: B018 - resolving it reads the password file
    except ConfigError as exc:
        lines.append(f"{name}: smtp: {exc}")
    return lines


def describe_schedule(schedule: ScheduleConfig) -> list[str]:
    """`run: every 900 s`, `daily_digest: cron 0 8 * * * (Europe/London)`, or `... disabled`."""
    lines = []
    for key in ("run", "daily_digest", "weekly_digest"):
        entry = getattr(schedule, key)
        if not entry.enabled:
            lines.append(f"{key}: disabled")
        elif entry.cron is not None:
            lines.append(f"{key}: cron {entry.cron} ({schedule.timezone_of(entry)})")
        else:
            lines.append(f"{key}: every {entry.interval_seconds:g} s")
    return lines


def check(path: Path | str | None, settings: Settings | None = None) -> tuple[list[str], list[str]]:
    """The problems of the config at `path` (None: the bundled default), one line each, and
    notes that are not problems (the schedule, and when a change of it takes effect). Opens no
    archive, sends nothing, asks no server."""
    from pipeline.app import App

    try:
        app = App.load(path, settings)
    except ConfigError as exc:
        return [" ".join(str(exc).split())], []
    found = _source_problems(app) + subscription_problems(app) + _smtp_problems(app)
    schedule = app.config.schedule
    if not any(getattr(schedule, k).enabled for k in ("run", "daily_digest", "weekly_digest")):
        found.append(
            "schedule: every schedule is disabled: `deskwatch serve` would refuse to start"
        )
    notes = [f"schedule {line}" for line in describe_schedule(schedule)] + [SCHEDULE_NOTE]
    return found, notes
