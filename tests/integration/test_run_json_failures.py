"""`deskwatch run --json` always prints a JSON result (issue 17), on SQLite and Postgres: a run
that fails (a config error, a database it cannot reach or that stays locked, a source or a stage
that breaks, Ctrl-C, a bug) prints `{"ok": false, "error": ..., "exit_code": N, ...}` on stdout,
with the same exit code and one-line stderr as without --json; the detail stays in the run
record. A good run prints its summary as before."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from deskwatch.cli import EXIT_INTERRUPTED, EXIT_TRY_AGAIN
from storage.db import open_database
from storage.models import SourceRun
from tests.fixtures.cli import Cli, CliResult
from tests.fixtures.servers import LocalHTTPServer, Response
from tests.integration.test_cli_run import interruptible, no_prefect_env

SUMMARY_KEYS = {"totals", "sources", "duration_s"}
SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "releases"


def _failed(result: CliResult, exit_code: int) -> dict:
    """The JSON a failed run printed, checked against its exit code and its stderr line."""
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    data = result.json()  # the whole of stdout is one JSON document
    assert data["ok"] is False and data["exit_code"] == exit_code
    assert data["error"] and "\n" not in data["error"]
    assert result.stderr.splitlines()[-1] == f"deskwatch: error: {data['error']}"
    assert "Traceback" not in result.stderr
    return data


def _runs(url: str) -> list[SourceRun]:
    db = open_database(url, upgrade=False)
    try:
        with db.session() as session:
            runs = list(session.scalars(select(SourceRun).order_by(SourceRun.id)))
            session.expunge_all()
            return runs
    finally:
        db.dispose()


def test_a_good_run_prints_its_summary_unchanged(cli: Cli) -> None:
    result = cli("run", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == SUMMARY_KEYS  # no ok/error/exit_code keys on success
    assert data["totals"]["new_releases"] == 1 and data["totals"]["errors"] == 0


def test_a_config_error_is_json_with_exit_2(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "deskwatch.yaml"
    config.write_text("sources:\n  - name: x\n    type: no-such-type\n", encoding="utf-8")
    data = _failed(cli("--config", str(config), "run", "--json"), 2)
    assert "no-such-type" in data["error"]
    assert set(data) == {"ok", "error", "exit_code"}  # nothing ran: no totals to give


def test_a_database_it_cannot_reach_is_json(cli: Cli, db_url: str, tmp_path: Path) -> None:
    if db_url.startswith("sqlite"):
        lost = f"sqlite:///{tmp_path / 'no-such-folder' / 'deskwatch.db'}"
    else:  # the server gone: nothing listens on port 1
        lost = db_url.replace("127.0.0.1:5432", "127.0.0.1:1", 1)
        assert lost != db_url
    data = _failed(cli("run", "--json", env={"DESKWATCH_DATABASE_URL": lost}), 1)
    assert data["error"].startswith(("cannot open SQLite database", "cannot reach the database"))


def test_a_locked_database_is_json_with_exit_75(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.db

    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    cli = Cli({"DESKWATCH_DATABASE_URL": sqlite_url})
    assert cli("db", "upgrade").exit_code == 0
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("run", "--json")
    finally:
        holder.rollback()
        holder.close()
    data = _failed(result, EXIT_TRY_AGAIN)
    assert "locked" in data["error"]


@pytest.mark.parametrize(
    "flag", ["--in-process", pytest.param("--prefect", marks=pytest.mark.prefect)]
)
def test_a_stage_that_raises_is_json_with_the_totals_so_far(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, flag: str
) -> None:
    if flag == "--prefect":  # the flow run fails the same way, and gives the same JSON
        request.getfixturevalue("prefect_harness")

    def broken_tagger(*args: object, **kwargs: object) -> dict[str, int]:
        raise RuntimeError("a bug in the tagger")

    monkeypatch.setattr("pipeline.stages.tag.tag_pending", broken_tagger)
    data = _failed(cli("run", flag, "--json"), 1)
    assert data["error"] == "the run failed: tag: RuntimeError: a bug in the tagger"
    assert data["totals"]["new_releases"] == 1  # the ingest went through before the tag stage
    assert [s["source"] for s in data["sources"]] == ["seeds"]
    assert "tagged_versions" not in data["totals"]  # the stage never gave its counts


def test_a_source_that_breaks_is_one_line_of_json_and_whole_in_its_run_record(
    cli: Cli, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's 2,700-character error full of SQL: one short line in the JSON and on
    stderr; the source's run record keeps what failed."""
    sql = "INSERT INTO releases (key, title, text) VALUES " + ", ".join(
        f"('file://seeds/{i}.txt', 'T{i}', 'text {i}')" for i in range(70)
    )
    long_error = f"(psycopg.errors.Whatever) something broke\n[SQL: {sql}]\n[parameters: ...]"
    assert len(long_error) > 2700

    def broken_store(*args: object, **kwargs: object) -> object:
        raise RuntimeError(long_error)

    monkeypatch.setattr("pipeline.stages.ingest.store_records", broken_store)
    data = _failed(cli("run", "--json"), 1)
    assert data["error"].startswith("the run failed: ingest seeds: RuntimeError: ")
    assert len(data["error"]) < 400 and "[parameters" not in data["error"]
    assert "run record" in data["error"]  # where the whole of it is
    [source] = data["sources"]
    assert source["status"] == "error" and "something broke" in source["error"]
    [run] = _runs(db_url)
    assert run.status == "error" and "RuntimeError: (psycopg.errors.Whatever)" in run.error


def test_a_failed_source_is_json_with_ok_false(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        f"sources:\n  - name: no-folder\n    type: files\n    path: {tmp_path / 'nothing'}\n",
        encoding="utf-8",
    )
    result = cli("--config", str(config), "run", "--json")
    assert result.exit_code == 1
    data = result.json()
    assert data["ok"] is False and data["exit_code"] == 1
    assert data["error"] == "1 of 1 sources failed: no-folder"
    assert data["totals"]["errors"] == 1 and data["sources"][0]["status"] == "error"


def test_ctrl_c_is_json_with_exit_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted_tagger(*args: object, **kwargs: object) -> dict[str, int]:
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.stages.tag.tag_pending", interrupted_tagger)
    result = cli("run", "--json")
    assert result.exit_code == EXIT_INTERRUPTED, (result.stdout, result.stderr)
    assert json.loads(result.stdout) == {
        "ok": False,
        "error": "interrupted",
        "exit_code": EXIT_INTERRUPTED,
    }
    assert result.stderr.splitlines()[-1] == "deskwatch: interrupted"


def test_a_real_ctrl_c_is_json_with_exit_130(
    db_url: str, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """SIGINT while a source is still waiting for its server, in a process of its own: the
    JSON is written before the process ends (at once, leaving that source's transaction)."""
    asked, release_it = threading.Event(), threading.Event()

    def slow(_handler: BaseHTTPRequestHandler) -> Response:
        asked.set()
        release_it.wait(60)
        return Response(
            b"<html><body><p>Late.</p></body></html>", 200, {"Content-Type": "text/html"}
        )

    http_server.routes["/slow"] = slow
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        f"sources:\n  - name: slow-page\n    type: page\n    url: {http_server.url('/slow')}\n"
        f"  - name: seeds\n    type: files\n    path: {SEEDS}\n"
        "run:\n  concurrency: 2\n",  # two reading threads: the slow one is left to end
        encoding="utf-8",
    )
    env = {**no_prefect_env(tmp_path / "prefect-home"), "DESKWATCH_DATABASE_URL": db_url}
    argv = [sys.executable, "-m", "deskwatch", "--config", str(config), "run", "--json"]
    run = interruptible(
        argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert asked.wait(120), "the run never asked for the slow page"
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=30)
    finally:
        release_it.set()
        if run.poll() is None:
            run.kill()
    assert run.returncode == EXIT_INTERRUPTED, stderr
    assert json.loads(stdout) == {"ok": False, "error": "interrupted", "exit_code": 130}
    assert stderr.splitlines() == ["deskwatch: interrupted"]


def test_a_bug_is_json_and_still_its_traceback(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskwatch.cli import app

    def broken_start(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug before the run")

    monkeypatch.setattr("pipeline.plan.start", broken_start)
    result = CliRunner().invoke(app, ["run", "--json"], env=cli.env, catch_exceptions=True)
    assert isinstance(result.exception, RuntimeError)  # a bug stays loud
    assert json.loads(result.stdout) == {
        "ok": False,
        "error": "RuntimeError: a bug before the run",
        "exit_code": 1,
    }
