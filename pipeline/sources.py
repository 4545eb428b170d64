"""The sources as `deskwatch sources` lists them: the configured ones joined with what the archive
knows of each (storage.source_health), without changing the archive. Pure.

A configured source the archive has not seen yet is "never run". A source the archive knows but
the config no longer names is "disabled (not in the config)", as the next run will mark it; the
ad-hoc source of `deskwatch ingest` is never in the config and is listed without a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.config import SourceConfig

NEVER_RUN = "never run"
NOT_CONFIGURED = "disabled (not in the config)"
"""storage.source_health's words for a source its row says is disabled."""
DISABLED = "disabled in the config"
ADHOC_TYPE = "adhoc"


def source_listing(
    configured: Sequence[SourceConfig], known: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per source, by name: each configured source (with the archive's figures when it
    has any) and each source only the archive knows. The config says whether a source is
    enabled; `configured` says whether the config names it."""
    by_name = {row["name"]: row for row in known}
    rows: list[dict[str, Any]] = []
    for source in configured:
        row = by_name.pop(source.name, None)
        warnings = _warnings(row) if row is not None else [NEVER_RUN]
        if not source.enabled:
            warnings.append(DISABLED)
        rows.append(
            {
                **(row if row is not None else _never_run(source)),
                "type": source.type,
                "enabled": source.enabled,
                "configured": True,
                "warning": "; ".join(warnings) or None,
            }
        )
    for row in by_name.values():
        warnings = _warnings(row)
        if row["type"] != ADHOC_TYPE:
            warnings.append(NOT_CONFIGURED)
        rows.append(
            {**row, "enabled": False, "configured": False, "warning": "; ".join(warnings) or None}
        )
    return sorted(rows, key=lambda r: r["name"])


def _warnings(row: dict[str, Any]) -> list[str]:
    """The archive's warnings, less the one about the enabled flag: the config decides that."""
    return [w for w in (row.get("warning") or "").split("; ") if w and w != NOT_CONFIGURED]


def _never_run(source: SourceConfig) -> dict[str, Any]:
    return {
        "name": source.name,
        "type": source.type,
        "enabled": source.enabled,
        "last_run_at": None,
        "last_status": None,
        "last_success_at": None,
        "last_error_at": None,
        "last_error": None,
        "consecutive_failures": 0,
        "skipped": 0,
        "skips": {},
        "skipped_reasons": None,
        "from_feed": {},
        "from_feed_reasons": None,
        "releases": 0,
        "last_new_at": None,
        "expected_cadence_hours": source.expected_cadence_hours,
    }
