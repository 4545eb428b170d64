"""Scale-out: `deskwatch serve --work-pool NAME` registers the scheduled deployments in a work pool
of a real Prefect server (the commands of docs/operations.md), and says so in one line when the
pool does not exist."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fixtures.prefect_server import PrefectServer, deskwatch_command

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def serve(server: PrefectServer, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = server.env(DESKWATCH_DATABASE_URL=f"sqlite:///{cwd / 'deskwatch.db'}")
    return subprocess.run(
        deskwatch_command("serve", *args),
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_serve_registers_the_deployments_in_a_work_pool(
    tmp_path: Path, prefect_server: PrefectServer
) -> None:
    missing = serve(prefect_server, "--work-pool", "no-such-pool", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith("deskwatch: error: cannot register deskwatch-run/scheduled")
    assert "prefect work-pool create no-such-pool --type process" in missing.stderr
    assert "Traceback" not in missing.stderr

    created = prefect_server.post("/work_pools/", {"name": "desks", "type": "process"})
    assert created.status_code in (200, 201), created.text
    result = serve(prefect_server, "--work-pool", "desks", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "registered deskwatch-run/scheduled, deskwatch-digest/daily, deskwatch-digest/weekly"
        in (result.stdout)
    )

    response = prefect_server.post(
        "/deployments/filter", {"work_pools": {"name": {"any_": ["desks"]}}, "limit": 10}
    )
    response.raise_for_status()
    deployments = {d["name"]: d for d in response.json()}
    assert set(deployments) == {"scheduled", "daily", "weekly"}
    run = deployments["scheduled"]
    assert run["entrypoint"] == "flows.run.deskwatch_run"
    assert [s["schedule"]["interval"] for s in run["schedules"]] == [900.0]
    assert run["paused"] is False
