"""Ctrl-C stops `deskwatch run` (issue 18): within a few seconds, with one line on stderr and
exit code 130, while a feed server is still holding its answer back; the archive stays
consistent, so the next run completes normally and stores nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from sqlalchemy import func, select

from storage.db import open_database
from storage.models import Release, ReleaseVersion
from tests.fixtures.servers import LocalHTTPServer, Response
from tests.integration.test_cli_run import interruptible, no_prefect_env

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "releases"
PAGE = b"""<html><head><title>Statement on the talks</title></head><body><main>
<h1>Statement on the talks</h1><p>The ministers met in Tokyo and agreed to meet again.</p>
</main></body></html>"""


def _counts(url: str) -> tuple[int, int]:
    db = open_database(url, upgrade=False)
    try:
        with db.session() as session:
            releases = session.scalar(select(func.count()).select_from(Release))
            versions = session.scalar(select(func.count()).select_from(ReleaseVersion))
            return int(releases or 0), int(versions or 0)
    finally:
        db.dispose()


def test_ctrl_c_stops_a_run_at_once_and_the_next_run_is_whole(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    asked = threading.Event()
    release_it = threading.Event()

    def slow(_handler: BaseHTTPRequestHandler) -> Response:
        asked.set()
        release_it.wait(60)  # holds the answer back until the test lets it go
        return Response(PAGE, 200, {"Content-Type": "text/html; charset=utf-8"})

    http_server.routes["/slow"] = slow
    http_server.routes["/quick"] = Response(PAGE, 200, {"Content-Type": "text/html"})
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        f"""sources:
  - name: slow-page
    type: page
    url: {http_server.url("/slow")}
  - name: quick-page
    type: page
    url: {http_server.url("/quick")}
  - name: seeds
    type: files
    path: {SEEDS}
run:
  concurrency: 2
""",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    env = {**no_prefect_env(tmp_path / "prefect-home"), "DESKWATCH_DATABASE_URL": url}
    argv = [sys.executable, "-m", "deskwatch", "--config", str(config), "run", "--quiet"]
    run = interruptible(
        argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert asked.wait(120), "the run never asked for the slow page"
        time.sleep(0.5)  # the other sources are read meanwhile
        sent = time.monotonic()
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        release_it.set()
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, stderr
    assert took < 5, f"exit took {took:.1f} s"
    assert stderr.splitlines() == ["deskwatch: interrupted"]
    assert stdout == ""
    interrupted = _counts(url)

    again = subprocess.run(
        [*argv[:-1], "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    releases, versions = _counts(url)
    assert releases == versions == 3  # the seed and both pages, each once
    assert interrupted[0] <= releases
