"""Digest periods: which day or week a digest covers, as a key and a label. Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DIGEST_FREQUENCIES = ("daily", "weekly")


def period(frequency: str, now: datetime, timezone: str) -> tuple[str, str]:
    """(key, label) of the period ending at `now` in `timezone`:
    daily  -> ("2026-11-27", "Friday 27 November 2026");
    weekly -> ("2026-W48", "week to Friday 27 November 2026")."""
    local = now.astimezone(ZoneInfo(timezone))
    day = f"{local:%A} {local.day} {local:%B %Y}"
    if frequency == "daily":
        return local.date().isoformat(), day
    if frequency == "weekly":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}", f"week to {day}"
    raise ValueError(f"unknown digest frequency {frequency!r}")
