"""Runs that end (issue 15 part 2), against a real `prefect server start`: `deskwatch serve`
installs the crash automation (flows.crash_detection); a serve killed with SIGKILL mid-run
(the run blocked on a feed that never answers) leaves a run that Prefect marks Crashed within a
bounded time, and a manual run of the same deployment then goes ahead and completes; the same
for a worker killed with its run in a work pool limited to one run at a time (the crashed run
gives its slot back).

Waits are on states and events, never on counts of runs; every process started here is stopped
by its process group id."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows.crash_detection import AUTOMATION_NAME
from tests.fixtures.prefect_server import BIN, PrefectServer, deskwatch_command, start, stop

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FEED = (Path(__file__).resolve().parents[1] / "fixtures" / "web" / "feed.atom").read_bytes()
HEARTBEAT_S = 30  # Prefect's minimum, deskwatch's default (flows.prefect_env)
CRASH_BOUND_S = 3 * HEARTBEAT_S + 120  # three missed beats, and the triggers service's rounds


class HangingFeed:
    """A feed server whose requests wait until `release()`, then get the feed: a run reading it
    blocks mid-flight; the runs after the release read it at once."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.released = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requested.set()
                outer.released.wait(timeout=600)
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(FEED)))
                self.end_headers()
                try:
                    self.wfile.write(FEED)
                except OSError:
                    pass  # the reader was killed

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.atom"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_feed() -> Iterator[HangingFeed]:
    feed = HangingFeed()
    try:
        yield feed
    finally:
        feed.close()


def wait_for(what: str, check: Any, timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def flow_run(server: PrefectServer, run_id: str) -> dict[str, Any]:
    response = server.get(f"/flow_runs/{run_id}")
    response.raise_for_status()
    return dict(response.json())


def heartbeats(server: PrefectServer, run_id: str) -> list[dict[str, Any]]:
    response = server.post(
        "/events/filter",
        {
            "filter": {
                "event": {"name": ["prefect.flow-run.heartbeat"]},
                "resource": {"id": [f"prefect.flow-run.{run_id}"]},
            },
            "limit": 5,
        },
    )
    response.raise_for_status()
    return list(response.json().get("events", []))


def serving(log: Path) -> None:
    wait_for(
        "serve is serving",
        lambda: "serving deskwatch-run" in log.read_text(errors="replace"),
        300,
    )


def run_now(server: PrefectServer, deployment_id: str) -> str:
    """A run of the deployment, due now (the interval's first run is an hour away)."""
    due = {"type": "SCHEDULED", "state_details": {"scheduled_time": datetime.now(UTC).isoformat()}}
    created = server.post(f"/deployments/{deployment_id}/create_flow_run", {"state": due})
    created.raise_for_status()
    return str(created.json()["id"])


def state_of(server: PrefectServer, run_id: str) -> str:
    return str(flow_run(server, run_id)["state"]["type"])


def write_config(folder: Path, feed_url: str) -> Path:
    config = folder / "deskwatch.yaml"
    config.write_text(
        "sources:\n"
        f"  - {{name: ministry, type: feed, url: '{feed_url}'}}\n"
        "fetching: {timeout_s: 600, max_time_s: 600, delay_s: 0}\n"
        "schedule:\n"
        "  run: {interval_seconds: 3600}\n"
        "  daily_digest: {cron: '0 8 * * *', enabled: false}\n"
        "  weekly_digest: {cron: '0 8 * * 5', enabled: false}\n",
        encoding="utf-8",
    )
    return config


def test_a_killed_serve_leaves_a_crashed_run_and_the_next_run_goes_ahead(
    tmp_path: Path, prefect_server: PrefectServer, hanging_feed: HangingFeed
) -> None:
    config = write_config(tmp_path, hanging_feed.url)
    env = prefect_server.env(
        DESKWATCH_CONFIG=str(config),
        DESKWATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'deskwatch.db'}",
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY=str(HEARTBEAT_S),
    )
    log = tmp_path / "serve.log"
    serve = start(deskwatch_command("serve"), env=env, log=log, cwd=tmp_path)
    try:
        serving(log)
        deployment = wait_for(
            "serve registered the deployment",
            lambda: (
                (r := prefect_server.get("/deployments/name/deskwatch-run/scheduled")).is_success
                and r.json()
            ),
            120,
        )
        found = prefect_server.post("/automations/filter", {"limit": 50}).json()
        [automation] = [a for a in found if a["name"] == AUTOMATION_NAME]
        assert automation["enabled"] is True

        killed = run_now(prefect_server, deployment["id"])
        # the run starts and blocks reading the feed, sending heartbeats
        assert hanging_feed.requested.wait(timeout=300), log.read_text(errors="replace")[-3000:]
        wait_for("the run is Running", lambda: state_of(prefect_server, killed) == "RUNNING", 60)
        wait_for("a heartbeat reached the server", lambda: heartbeats(prefect_server, killed), 60)

        os.killpg(serve.pid, signal.SIGKILL)  # serve and the run's process, as a lost machine
        serve.wait(timeout=30)
    finally:
        stop(serve)
    hanging_feed.release()
    killed_at = time.monotonic()

    wait_for(
        "the killed run is marked Crashed",
        lambda: state_of(prefect_server, killed) == "CRASHED",
        CRASH_BOUND_S,
        every=2.0,
    )
    assert time.monotonic() - killed_at <= CRASH_BOUND_S
    assert "heartbeat" in flow_run(prefect_server, killed)["state"]["message"]

    # serve again (the automation is updated, not duplicated); the next run goes ahead
    log.write_text("", encoding="utf-8")
    serve = start(deskwatch_command("serve"), env=env, log=log, cwd=tmp_path)
    try:
        serving(log)
        found = prefect_server.post("/automations/filter", {"limit": 50}).json()
        assert [a["name"] for a in found].count(AUTOMATION_NAME) == 1
        manual = run_now(prefect_server, deployment["id"])
        ended = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
        wait_for("the next run ends", lambda: state_of(prefect_server, manual) in ended, 300, 2.0)
        assert state_of(prefect_server, manual) == "COMPLETED", log.read_text(errors="replace")[
            -3000:
        ]
    finally:
        stop(serve)


def test_a_killed_worker_frees_its_slot_and_the_next_run_goes_ahead(
    tmp_path: Path, prefect_server: PrefectServer, hanging_feed: HangingFeed
) -> None:
    """A work pool limited to one run at a time: the run of a worker killed with SIGKILL is
    marked Crashed, which frees the pool's only slot, so a new worker's run completes."""
    config = write_config(tmp_path, hanging_feed.url)
    env = prefect_server.env(
        DESKWATCH_CONFIG=str(config),
        DESKWATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'deskwatch.db'}",
        # a worker runs none of deskwatch's start-up code: it gets the variables it documents
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY=str(HEARTBEAT_S),
        PREFECT_WORKER_QUERY_SECONDS="2",
    )
    pool = "crash-pool"
    created = prefect_server.post(
        "/work_pools/", {"name": pool, "type": "process", "concurrency_limit": 1}
    )
    assert created.status_code in (200, 201), created.text
    register = tmp_path / "register.log"
    serve = start(
        deskwatch_command("serve", "--work-pool", pool), env=env, log=register, cwd=tmp_path
    )
    assert serve.wait(timeout=300) == 0, register.read_text(errors="replace")[-3000:]
    deployment = prefect_server.get("/deployments/name/deskwatch-run/scheduled").json()
    assert deployment["work_pool_name"] == pool
    worker_command = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process"]

    log = tmp_path / "worker.log"
    worker = start(worker_command, env=env, log=log, cwd=tmp_path)
    try:
        killed = run_now(prefect_server, deployment["id"])
        assert hanging_feed.requested.wait(timeout=300), log.read_text(errors="replace")[-3000:]
        wait_for("the run is Running", lambda: state_of(prefect_server, killed) == "RUNNING", 60)
        wait_for("a heartbeat reached the server", lambda: heartbeats(prefect_server, killed), 60)
        # a lost machine: the worker and the run's process (in a session of its own)
        run_pid = int(
            str(flow_run(prefect_server, killed)["infrastructure_pid"]).rpartition(":")[2]
        )
        os.killpg(worker.pid, signal.SIGKILL)
        os.killpg(run_pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        stop(worker)
    hanging_feed.release()
    wait_for(
        "the killed worker's run is marked Crashed",
        lambda: state_of(prefect_server, killed) == "CRASHED",
        CRASH_BOUND_S,
        every=2.0,
    )

    worker = start(worker_command, env=env, log=log, cwd=tmp_path)
    try:
        manual = run_now(prefect_server, deployment["id"])
        ended = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
        wait_for("the next run ends", lambda: state_of(prefect_server, manual) in ended, 300, 2.0)
        assert state_of(prefect_server, manual) == "COMPLETED", log.read_text(errors="replace")[
            -3000:
        ]
    finally:
        stop(worker)
