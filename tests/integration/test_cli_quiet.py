"""`deskwatch run --quiet` (issue 18): one line per failed source on stderr and nothing else
(no logging warnings, no skipped-subscription lines, no summary), exit code 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fixtures.servers import LocalHTTPServer, Response
from tests.integration.test_cli_run import no_prefect_env

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "releases"


def test_quiet_prints_one_line_per_failed_source(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    http_server.routes["/gone.xml"] = Response(b"gone", 410, {"Content-Type": "text/plain"})
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        f"""sources:
  - name: gone
    type: page
    url: {http_server.url("/gone.xml")}
  - name: missing-page
    type: page
    url: {http_server.url("/nothing-here")}
  - name: no-folder
    type: files
    path: {tmp_path / "no-such-folder"}
  - name: seeds
    type: files
    path: {SEEDS}
subscriptions:
  - email: desk@example.org
    themes: [no-such-theme]
""",
        encoding="utf-8",
    )
    env = {
        **no_prefect_env(tmp_path / "prefect-home"),
        "DESKWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'archive.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "deskwatch", "--config", str(config), "run", "--quiet"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    failed = sorted(line.split(" ")[2].rstrip(":") for line in lines)
    assert failed == ["gone", "missing-page", "no-folder"]
    assert all(" error: " in line for line in lines)
    assert "no-such-theme" not in result.stderr  # the skipped subscription is not a failure

    loud = subprocess.run(
        [sys.executable, "-m", "deskwatch", "--config", str(config), "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert loud.returncode == 1
    assert "no-such-theme" in loud.stderr  # without --quiet the skip is said
