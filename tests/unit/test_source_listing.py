"""`deskwatch sources` rows: the configured sources joined with the archive's figures (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.config import FilesSource
from pipeline.sources import source_listing

WHEN = datetime(2026, 11, 27, 8, tzinfo=UTC)


def known(name: str, type_: str = "files", warning: str | None = None, **more: Any) -> dict:
    """A row as storage.source_health gives it."""
    return {
        "name": name,
        "type": type_,
        "enabled": True,
        "last_run_at": WHEN,
        "last_status": "ok",
        "last_success_at": WHEN,
        "last_error_at": None,
        "last_error": None,
        "consecutive_failures": 0,
        "releases": 4,
        "last_new_at": WHEN,
        "expected_cadence_hours": None,
        "warning": warning,
        **more,
    }


def files(name: str, **more: Any) -> FilesSource:
    return FilesSource(type="files", name=name, path=Path("releases"), **more)


def test_a_configured_source_the_archive_has_not_seen_is_never_run() -> None:
    [row] = source_listing([files("new", expected_cadence_hours=24)], [])
    assert row["warning"] == "never run"
    assert (row["releases"], row["consecutive_failures"], row["last_success_at"]) == (0, 0, None)
    assert row["expected_cadence_hours"] == 24 and row["configured"] is True


def test_a_known_source_keeps_the_archive_figures_and_warnings() -> None:
    [row] = source_listing([files("seen")], [known("seen", warning="2 failed run(s) in a row")])
    assert row["releases"] == 4 and row["last_success_at"] == WHEN
    assert row["warning"] == "2 failed run(s) in a row"


def test_the_config_decides_whether_a_source_is_enabled() -> None:
    # the archive marked it disabled when it left the config; it is back, and no run has synced it
    back = known("back", warning="2 failed run(s) in a row; disabled (not in the config)")
    off = known("off")
    rows = {
        r["name"]: r
        for r in source_listing([files("back"), files("off", enabled=False)], [back, off])
    }
    assert rows["back"]["enabled"] is True and rows["back"]["warning"] == "2 failed run(s) in a row"
    assert rows["off"]["enabled"] is False and rows["off"]["warning"] == "disabled in the config"


def test_sources_only_the_archive_knows_are_listed_too() -> None:
    rows = source_listing(
        [files("b-configured")],
        [known("c-removed"), known("a-hoc", type_="adhoc"), known("b-configured")],
    )
    assert [r["name"] for r in rows] == ["a-hoc", "b-configured", "c-removed"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["c-removed"]["warning"] == "disabled (not in the config)"
    assert by_name["c-removed"]["configured"] is False and by_name["c-removed"]["enabled"] is False
    assert by_name["a-hoc"]["warning"] is None  # `deskwatch ingest`'s source is never configured
