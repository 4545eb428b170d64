"""The `schedule:` and `run:` config keys, the retry backoff, the Prefect environment defaults and
the plain progress lines of `deskwatch run`. Pure: no database, no Prefect."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from core.errors import ConfigError
from deskwatch.runner import LogLines, choose_observer, describe_source
from flows.prefect_env import apply_defaults, prefer
from pipeline.config import load_config
from pipeline.scheduling import ScheduleConfig, ScheduleEntry, backoff
from pipeline.summary import SourceSummary


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deskwatch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_schedules_are_every_15_minutes_and_daily_and_friday_at_8_london() -> None:
    schedule = load_config(None).schedule
    assert schedule.run == ScheduleEntry(interval_seconds=900)
    assert schedule.daily_digest.cron == "0 8 * * *"
    assert schedule.weekly_digest.cron == "0 8 * * 5"
    assert schedule.timezone_of(schedule.daily_digest) == "Europe/London"


def test_schedule_and_run_keys_are_read_from_the_file(tmp_path: Path) -> None:
    config = load_config(
        config_with(
            tmp_path,
            "schedule:\n"
            "  timezone: UTC\n"
            "  run: {interval_seconds: 5}\n"
            "  weekly_digest: {cron: '30 7 * * 1', timezone: Asia/Tokyo}\n"
            "run: {concurrency: 2, source_retries: 0}\n",
        )
    )
    assert config.schedule.run.interval_seconds == 5
    assert config.schedule.timezone_of(config.schedule.daily_digest) == "UTC"
    assert config.schedule.timezone_of(config.schedule.weekly_digest) == "Asia/Tokyo"
    assert (config.run.concurrency, config.run.source_retries) == (2, 0)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "schedule: {run: {cron: '0 8 * *'}}",
            "schedule.run.cron: invalid cron expression '0 8 * *'",
        ),
        ("schedule: {run: {interval_seconds: 5, cron: '* * * * *'}}", "exactly one of"),
        ("schedule: {run: {}}", "exactly one of"),
        ("schedule: {timezone: Mars/Olympus}", "unknown time zone 'Mars/Olympus'"),
        ("schedule: {run: {interval_seconds: 0}}", "schedule.run.interval_seconds"),
        ("schedule: {hourly: {interval_seconds: 60}}", "schedule.hourly: unknown key"),
        ("run: {concurrency: 0}", "run.concurrency"),
    ],
)
def test_bad_schedules_are_one_clear_config_error(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config_with(tmp_path, text))
    assert problem in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "deskwatch.yaml"))


def test_backoff_doubles() -> None:
    assert backoff(30, 3) == [30, 60, 120]
    assert backoff(30, 0) == []


def test_defaults_turn_telemetry_off_but_never_override_the_user() -> None:
    env = {"DO_NOT_TRACK": "0"}
    apply_defaults(env)
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["DO_NOT_TRACK"] == "0"  # the user's explicit choice stands
    assert "deskwatch" in env["PREFECT_LOGGING_EXTRA_LOGGERS"].split(",")


def test_prefer_changes_deskwatchs_own_defaults_only() -> None:
    env: dict[str, str] = {}
    apply_defaults(env)
    prefer("PREFECT_LOGGING_LEVEL", "INFO", env)
    assert env["PREFECT_LOGGING_LEVEL"] == "INFO"
    user = {"PREFECT_LOGGING_LEVEL": "DEBUG"}
    apply_defaults(user)
    prefer("PREFECT_LOGGING_LEVEL", "INFO", user)
    assert user["PREFECT_LOGGING_LEVEL"] == "DEBUG"


def test_a_source_is_described_in_one_line() -> None:
    ok = SourceSummary("fcdo", "ok", new_releases=1, new_versions=2, unchanged=3, duration_s=0.5)
    assert describe_source(ok) == "ok: 1 new release, 2 new versions, 3 unchanged (0.50 s)"
    failed = SourceSummary("fcdo", "error", error="HTTP 503 from https://example.org/feed")
    assert describe_source(failed) == "error: HTTP 503 from https://example.org/feed"


def test_without_a_terminal_progress_is_plain_log_lines() -> None:
    stream = io.StringIO()
    observer = choose_observer(quiet=False, stream=stream)
    assert isinstance(observer, LogLines)
    observer.sources(["a", "b"])
    observer.source_finished(SourceSummary("a", "ok", new_releases=2))
    observer.source_finished(SourceSummary("b", "error", error="gone"))
    observer.stage_finished("tag", {"tags_written": 4})
    lines = [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()]
    assert lines == [
        "run: 2 sources",
        "source a: ok: 2 new releases, 0 new versions, 0 unchanged (0.00 s)",
        "source b: error: gone",
        "stage tag: 4 tags written",
    ]


def test_quiet_prints_only_failed_sources() -> None:
    stream = io.StringIO()
    observer = choose_observer(quiet=True, stream=stream)
    observer.sources(["a", "b"])
    observer.source_finished(SourceSummary("a", "ok"))
    observer.source_finished(SourceSummary("b", "error", error="gone"))
    observer.stage_finished("tag", {})
    assert [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()] == [
        "source b: error: gone"
    ]


def test_schedule_config_rejects_an_unknown_zone_of_one_entry() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        ScheduleConfig.model_validate({"run": {"cron": "* * * * *", "timezone": "Nowhere/City"}})
