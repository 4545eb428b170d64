"""`deskwatch run` runs the deskwatch-run flow (Prefect's test harness stands in for a server)."""

from __future__ import annotations

import pytest

from tests.fixtures.cli import Cli

pytestmark = pytest.mark.prefect


def test_run_twice_then_releases(cli: Cli, prefect_harness: None) -> None:
    first = cli("run", "--json")
    assert first.exit_code == 0, first.stderr
    summary = first.json()
    assert summary["totals"]["new_releases"] == 1
    assert summary["totals"]["errors"] == 0
    assert [s["source"] for s in summary["sources"]] == ["seeds"]

    second = cli("run", "--json").json()
    assert second["totals"]["new_releases"] == 0
    assert second["totals"]["new_versions"] == 0

    [row] = cli("releases", "--json").json()
    assert row["published_at"].startswith("2023-11-07")

    plain = cli("run")
    assert plain.exit_code == 0
    assert "0 new releases" in plain.stdout
