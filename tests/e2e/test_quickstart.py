"""The README's first command, as a user types it: `deskwatch run` then `deskwatch releases`, in a
fresh directory, as separate processes with no Prefect server and no Prefect API configured: the
run happens in process, without starting Prefect's temporary server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def deskwatch(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskwatch", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_quick_start_in_a_fresh_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKWATCH_", "PREFECT_API"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    run = deskwatch(tmp_path, "run", env=env)
    assert run.returncode == 0, run.stderr
    assert "1 new releases" in run.stdout
    assert (tmp_path / "deskwatch.db").exists()  # the default database is in the current directory

    listed = deskwatch(tmp_path, "releases", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["published_at"] == "2023-11-07T00:00:00+00:00"

    again = deskwatch(tmp_path, "run", "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["totals"]["new_releases"] == 0
    # stderr holds the progress lines and nothing else: no traceback, no server noise
    stderr = run.stderr + again.stderr
    assert "Traceback" not in stderr and "deskwatch: error" not in stderr, stderr[-3000:]
    assert {line.split(" ", 2)[1] for line in stderr.splitlines()} <= {"run:", "source", "stage"}
    assert not (tmp_path / "prefect-home").exists()  # Prefect's temporary server never started
