"""Runs that overlap or die are safe, on SQLite and on Postgres.

- Two `deskwatch run` processes started together on one database leave exactly the archive, tags,
  diffs and alerts that one run leaves, and send no mail twice.
- A run killed with SIGKILL in the middle of ingesting leaves the database consistent, and the
  next run completes the work with nothing lost and nothing duplicated.

The reference is one in-process run (pipeline.plan.run_in_process) on a fresh database. The
processes are real `deskwatch run`s with no Prefect API configured, so they take the path
production's cron takes: the plan in process, no Prefect server."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from storage.db import open_database
from storage.models import Release, ReleaseVersion, SourceRun
from tests.e2e.workspace import mail_log, snapshot, write_workspace
from tests.fixtures.databases import drop_pg_schema, make_pg_schema_url
from tests.fixtures.prefect_server import clean_env, deskwatch_command, start, stop
from tests.fixtures.servers import LocalHTTPServer, Response

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
RUN_TIMEOUT = 420  # two runs at once on two busy cores


@pytest.fixture
def reference_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'reference.db'}"
        return
    url, schema = make_pg_schema_url()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


def reference_run(config: Path, db_url: str) -> dict[str, list[tuple[object, ...]]]:
    run_in_process(App.load(config, Settings(database_url=db_url)))
    return snapshot(db_url)


def wait_ok(process: subprocess.Popen[bytes], log: Path) -> None:
    try:
        code = process.wait(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail(f"deskwatch run did not finish in {RUN_TIMEOUT} s: {log.read_text()[-3000:]}")
    output = log.read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "Traceback" not in output


EMPTY_FEED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    b"<title>Gate</title><link>http://example.org/</link><description>none</description>"
    b"</channel></rss>"
)


def gate(arrivals: int, timeout: float, met: list[bool]) -> Callable[[object], Response]:
    """A route that answers (an empty feed) only once `arrivals` requests are waiting, or after
    `timeout` seconds: the web source is fetched before a run takes the write lock, so two runs
    that both reach it are in their runs at the same time. `met` gets True for each request
    that found the others waiting (so the runs did overlap), False for one that timed out."""
    barrier = threading.Barrier(arrivals, timeout=timeout)

    def answer(_request: object) -> Response:
        try:
            barrier.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return Response(EMPTY_FEED, 200, {"Content-Type": "application/rss+xml"})

    return answer


def test_two_runs_at_once_equal_one_run(
    db_url: str,
    reference_db_url: str,
    tmp_path: Path,
    smtp_server: object,
    http_server: LocalHTTPServer,
) -> None:
    sink = smtp_server.sink  # type: ignore[attr-defined]
    http_server.routes["/gate.xml"] = Response(EMPTY_FEED, 200, {"Content-Type": "text/xml"})
    config = write_workspace(
        tmp_path / "ws",
        smtp=(smtp_server.host, smtp_server.port),  # type: ignore[attr-defined]
        extra_sources=big_sources(2, 200),
        sources=[{"name": "gate", "type": "feed", "url": http_server.url("/gate.xml")}],
        fetching={"delay_s": 0, "retries": 0, "timeout_s": 120},
    )
    reference = reference_run(config, reference_db_url)
    reference_mail = mail_log(sink.messages)
    assert len(reference["releases"]) == 5 + 400
    assert reference_mail, "the reference run sent no mail: the test would prove nothing"
    sink.messages.clear()
    # from now on the feed answers when both runs ask for it (or after a minute): they overlap
    met: list[bool] = []
    http_server.routes["/gate.xml"] = gate(2, 60, met)

    env = clean_env(DESKWATCH_DATABASE_URL=db_url, PREFECT_HOME=str(tmp_path / "prefect-home"))
    logs = [tmp_path / f"run-{i}.log" for i in (1, 2)]
    runs = [
        start(deskwatch_command("--config", str(config), "run", "--json"), env=env, log=log)
        for log in logs
    ]
    try:
        for run, log in zip(runs, logs, strict=True):
            wait_ok(run, log)
    finally:
        for run in runs:
            stop(run)

    assert snapshot(db_url) == reference
    assert mail_log(sink.messages) == reference_mail  # every mail once: none lost, none twice

    db = open_database(db_url)
    try:
        with db.session() as session:
            run_ids = sorted(set(session.scalars(select(SourceRun.run_id))))
    finally:
        db.dispose()
    assert len(run_ids) == 2
    assert met == [True, True], "the two runs did not overlap"
    assert not (tmp_path / "prefect-home").exists()  # no Prefect server, not even a temporary one


def big_sources(count: int, files: int) -> dict[str, list[tuple[str, str]]]:
    """Sources with many short releases, so that ingesting them takes a while."""
    return {
        f"bulk-{s}": [
            (
                f"note-{i:04d}.txt",
                f"Press note {s}-{i} on regional cooperation\n\n"
                f"Monday 3 November 2025\n\n"
                f"Officials of source {s} met for round {i} of talks on trade, energy and "
                f"maritime security. Further meetings are planned.",
            )
            for i in range(files)
        ]
        for s in range(count)
    }


def count(db_url: str, model: type) -> int:
    db = open_database(db_url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        db.dispose()


def test_a_run_killed_mid_ingest_loses_and_duplicates_nothing(
    db_url: str,
    reference_db_url: str,
    tmp_path: Path,
    smtp_server: object,
) -> None:
    sink = smtp_server.sink  # type: ignore[attr-defined]
    config = write_workspace(
        tmp_path / "ws",
        smtp=(smtp_server.host, smtp_server.port),  # type: ignore[attr-defined]
        extra_sources=big_sources(4, 300),
        run={"concurrency": 1},  # one source after another, so a kill lands between sources
    )
    reference = reference_run(config, reference_db_url)
    reference_mail = mail_log(sink.messages)
    assert reference_mail
    sink.messages.clear()
    sources = 6

    env = clean_env(DESKWATCH_DATABASE_URL=db_url)
    log = tmp_path / "killed.log"
    run = start(deskwatch_command("--config", str(config), "run"), env=env, log=log)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline and run.poll() is None:
            try:
                if count(db_url, SourceRun) >= 1:
                    break
            except Exception:  # noqa: BLE001 - the run has not created the tables yet
                pass
            time.sleep(0.02)
        os.killpg(run.pid, signal.SIGKILL)
    finally:
        stop(run)
    assert run.returncode == -signal.SIGKILL
    done = count(db_url, SourceRun)
    assert 1 <= done < sources, f"the kill did not land mid-ingest ({done} sources done)"

    # consistent: every release has its versions, numbered 1..n, and nothing was sent
    db = open_database(db_url)
    try:
        with db.session() as session:
            for release in session.scalars(select(Release)):
                numbers = session.scalars(
                    select(ReleaseVersion.number)
                    .where(ReleaseVersion.release_id == release.id)
                    .order_by(ReleaseVersion.number)
                ).all()
                assert numbers == list(range(1, len(numbers) + 1)) and numbers
    finally:
        db.dispose()
    assert sink.messages == []

    log = tmp_path / "next.log"
    again = start(deskwatch_command("--config", str(config), "run"), env=env, log=log)
    try:
        wait_ok(again, log)
    finally:
        stop(again)
    assert snapshot(db_url) == reference
    assert mail_log(sink.messages) == reference_mail
