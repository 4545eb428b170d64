"""`deskwatch run`: in process without a Prefect API (no server, no Prefect import), the
deskwatch-run flow with one or with `--prefect` (Prefect's test harness stands in for a server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from deskwatch.runner import configured_prefect_api
from storage.db import open_database
from storage.models import SourceRun
from tests.fixtures.cli import Cli
from tests.fixtures.servers import free_port


def test_run_twice_then_releases(cli: Cli) -> None:
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


def interruptible(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
    """Start `argv` so that a SIGINT the test sends reaches Python's handler in it: a process
    started in the background without job control (a CI job, `nohup`) ignores SIGINT, and its
    children inherit that, so the test's Ctrl-C would be lost."""
    before = signal.getsignal(signal.SIGINT)
    if before is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(argv, **kwargs)
    finally:
        if before is signal.SIG_IGN:
            signal.signal(signal.SIGINT, before)


def no_prefect_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DESKWATCH_", "PREFECT_", "_DESKWATCH"))
    }
    env.update({"PREFECT_HOME": str(home), "DO_NOT_TRACK": "1", "HOME": str(home.parent)})
    return env


def test_run_without_a_prefect_api_starts_no_server_and_imports_no_prefect(
    tmp_path: Path,
) -> None:
    """A fresh folder, as a user types it: the seed is stored, and neither Prefect (not one of
    its modules, per -X importtime) nor its temporary server (its database) was involved."""
    home = tmp_path / "prefect-home"
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "deskwatch", "run", "--json"],
        cwd=work,
        env=no_prefect_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["totals"]["new_releases"] == 1
    assert (work / "deskwatch.db").exists()
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "deskwatch.runner" in imported  # the check sees the imports at all
    assert [m for m in imported if m.split(".")[0] == "prefect"] == []
    assert not home.exists() or not list(home.rglob("*.db"))  # no temporary server database


def test_the_flags_choose_the_executor_and_refuse_both(cli: Cli) -> None:
    both = cli("run", "--prefect", "--in-process")
    assert both.exit_code == 2
    assert "give at most one of --prefect and --in-process" in both.stderr
    forced = cli("run", "--in-process", "--json", env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert forced.exit_code == 0, forced.stderr  # that API is never asked
    assert forced.json()["totals"]["new_releases"] == 1


def test_a_configured_prefect_api_that_is_down_is_one_line(tmp_path: Path) -> None:
    env = no_prefect_env(tmp_path / "home")
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{free_port()}/api"
    result = subprocess.run(
        [sys.executable, "-m", "deskwatch", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("deskwatch: error: cannot reach the Prefect API at http://")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "deskwatch.db").exists()  # nothing ran


PREFECT_URL = (
    "from prefect.settings import get_current_settings; print(get_current_settings().api.url or '')"
)


@pytest.mark.parametrize(
    "case",
    ["nothing", "environment", "empty environment", "profile", "other profile", "prefect.toml"],
)
def test_the_prefect_api_is_found_where_prefect_finds_it(tmp_path: Path, case: str) -> None:
    """configured_prefect_api (no Prefect import) agrees with Prefect's own settings."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = no_prefect_env(home)
    profiles = (
        'active = "{active}"\n'
        '[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n'
        "[profiles.quiet]\nPREFECT_LOGGING_LEVEL = 'INFO'\n"
    )
    if case == "environment":
        env["PREFECT_API_URL"] = "http://10.0.0.1:4200/api"
    elif case == "empty environment":
        env["PREFECT_API_URL"] = ""
        (home / "profiles.toml").write_text(profiles.format(active="local"))
    elif case == "profile":
        (home / "profiles.toml").write_text(profiles.format(active="local"))
    elif case == "other profile":
        (home / "profiles.toml").write_text(profiles.format(active="local"))
        env["PREFECT_PROFILE"] = "quiet"
    elif case == "prefect.toml":
        (work / "prefect.toml").write_text('[api]\nurl = "http://127.0.0.1:4300/api"\n')
    prefect = subprocess.run(
        [sys.executable, "-c", PREFECT_URL],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert (configured_prefect_api(env, work) or "") == prefect
    assert (prefect != "") == (case in {"environment", "profile", "prefect.toml"})


@pytest.mark.prefect
def test_run_with_prefect_is_a_flow_run(cli: Cli, prefect_harness: None) -> None:
    from prefect import get_client

    result = cli("run", "--prefect", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["totals"]["new_releases"] == 1
    db = open_database(cli.env["DESKWATCH_DATABASE_URL"])
    try:
        with db.session() as session:
            [run_id] = session.scalars(select(SourceRun.run_id)).all()
    finally:
        db.dispose()
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)  # the run's id is the flow run's
    assert flow_run.state is not None and flow_run.state.is_completed()


@pytest.mark.parametrize(
    "flag", ["--in-process", pytest.param("--prefect", marks=pytest.mark.prefect)]
)
def test_a_run_that_breaks_is_one_line_and_exit_1(
    cli: Cli,
    flag: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from pipeline.plan import RunFailed

    if flag == "--prefect":
        request.getfixturevalue("prefect_harness")

    def broken_tagger(*args: object, **kwargs: object) -> dict[str, int]:
        raise RuntimeError("a bug in the tagger")

    monkeypatch.setattr("pipeline.stages.tag.tag_pending", broken_tagger)
    result = cli("run", flag)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "deskwatch: error: the run failed: tag: RuntimeError: a bug in the tagger"
    )
    assert "source seeds: ok: 1 new release" in result.stderr  # the progress came first
    assert "stage tag: failed: RuntimeError: a bug in the tagger" in result.stderr
    if flag == "--in-process":  # loud about the bug: its traceback is logged, as a task's is
        logged = [r.exc_info[1] for r in caplog.records if r.exc_info]
        assert [e for e in logged if isinstance(e, RuntimeError)], caplog.text
        assert not [e for e in logged if isinstance(e, RunFailed)], caplog.text
