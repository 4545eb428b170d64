"""The config keys for running on a schedule: `schedule:` (when the flows run) and `run:` (how one
run spreads its work). Plain pydantic models; pipeline.config puts them on `Config`.

    schedule:
      timezone: Europe/London          # the default time zone of the cron schedules
      run: {interval_seconds: 900}     # deskwatch-run every 15 minutes
      daily_digest: {cron: "0 8 * * *"}
      weekly_digest: {cron: "0 8 * * 5", timezone: Europe/London}
    run:
      concurrency: 4                   # sources ingested at the same time
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_TIMEZONE = "Europe/London"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class ScheduleEntry(_Strict):
    """One schedule: either every `interval_seconds`, or a five-field `cron` expression."""

    interval_seconds: float | None = Field(default=None, gt=0)
    cron: str | None = None
    timezone: str | None = None
    """The cron expression's time zone; default: `schedule.timezone`."""
    enabled: bool = True

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        return _check_timezone(value)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from cronsim import CronSim, CronSimError  # Prefect's own cron parser

        try:
            CronSim(value, datetime(2026, 1, 1, tzinfo=UTC))
        except CronSimError as exc:
            raise ValueError(f"invalid cron expression {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ScheduleEntry:
        if (self.interval_seconds is None) == (self.cron is None):
            raise ValueError("give exactly one of `interval_seconds` and `cron`")
        return self


class ScheduleConfig(_Strict):
    """When `deskwatch serve` runs the flows."""

    timezone: str = DEFAULT_TIMEZONE
    run: ScheduleEntry = Field(default_factory=lambda: ScheduleEntry(interval_seconds=900))
    daily_digest: ScheduleEntry = Field(default_factory=lambda: ScheduleEntry(cron="0 8 * * *"))
    weekly_digest: ScheduleEntry = Field(default_factory=lambda: ScheduleEntry(cron="0 8 * * 5"))

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        _check_timezone(value)
        return value

    def timezone_of(self, entry: ScheduleEntry) -> str:
        return entry.timezone or self.timezone


class RunConfig(_Strict):
    """How one run spreads and retries its work. Retries and timeouts apply to the IO tasks only
    (reading a source, sending mail); tagging and diffing are never retried."""

    concurrency: int = Field(default=4, ge=1, le=64)
    """Sources read at the same time."""
    source_retries: int = Field(default=1, ge=0, le=10)
    """Further attempts of a source whose read failed with a retryable error (timeout, 5xx)."""
    source_retry_delay_seconds: float = Field(default=30.0, ge=0)
    """The first wait before a retry; it doubles each time."""
    source_timeout_seconds: float = Field(default=900.0, gt=0)
    """A source still being read after this long fails (its transaction is rolled back)."""
    send_retries: int = Field(default=2, ge=0, le=10)
    send_retry_delay_seconds: float = Field(default=60.0, ge=0)
    send_timeout_seconds: float = Field(default=900.0, gt=0)
    lock_timeout_seconds: float = Field(default=1800.0, gt=0)
    """How long a stage waits for an overlapping run to finish the same stage."""


def backoff(first_delay: float, retries: int) -> list[float]:
    """Retry delays that double: backoff(30, 3) == [30, 60, 120]."""
    return [first_delay * 2**i for i in range(retries)]
