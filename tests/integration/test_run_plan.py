"""One run plan, two executors: the failure policy, retries, concurrency and progress are the same
in process (pipeline.plan.run_in_process, what `deskwatch run` does without Prefect) and as the
deskwatch-run flow (in Prefect's test harness). Every test here runs on both."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline import plan, steps
from pipeline.app import App
from pipeline.settings import Settings
from pipeline.summary import SourceSummary
from tests.e2e.workspace import snapshot, write_workspace
from tests.integration.test_flows import write_config

NOW_ISO = "2026-11-27T08:00:00+00:00"


@dataclass
class Outcome:
    summary: dict[str, Any]
    failures: list[str]


Runner = Callable[..., Outcome]


def run_flow(config: str, now_iso: str | None = None) -> Outcome:
    from flows.run import deskwatch_run

    state = deskwatch_run(config_path=config, now_iso=now_iso, return_state=True)
    if state.is_completed():
        return Outcome(state.result(), [])
    error = state.result(raise_on_failure=False)
    assert isinstance(error, plan.RunFailed), error
    return Outcome(error.summary.to_dict(), error.summary.failures)


def run_here(config: str, now_iso: str | None = None) -> Outcome:
    now = datetime.fromisoformat(now_iso) if now_iso else None
    try:
        summary = plan.run_in_process(App.load(config), now=now)
    except plan.RunFailed as error:
        return Outcome(error.summary.to_dict(), error.summary.failures)
    return Outcome(summary.to_dict(), summary.failures)


@pytest.fixture(params=["in_process", "flow"])
def executor(request: pytest.FixtureRequest) -> str:
    if request.param == "flow":
        request.getfixturevalue("prefect_harness")
    return str(request.param)


@pytest.fixture
def run(executor: str, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Runner:
    """Run a config with the executor; both build their App from the environment."""
    monkeypatch.setenv("DESKWATCH_DATABASE_URL", sqlite_url)
    return run_flow if executor == "flow" else run_here


def by_source(outcome: Outcome) -> dict[str, dict[str, Any]]:
    return {s["source"]: s for s in outcome.summary["sources"]}


def test_a_failing_source_is_recorded_and_the_run_goes_on(tmp_path: Path, run: Runner) -> None:
    outcome = run(write_config(tmp_path, ["east", "west"], bad=True))
    assert outcome.failures == []
    assert [s["source"] for s in outcome.summary["sources"]] == ["east", "west", "missing"]
    missing = by_source(outcome)["missing"]
    assert missing["status"] == "error" and "no-such-folder" in missing["error"]
    totals = outcome.summary["totals"]
    assert totals["errors"] == 1 and totals["new_releases"] == 4
    assert totals["tagged_versions"] == 4 and "alerts_sent" in totals  # every stage ran


def test_an_unexpected_error_in_a_source_fails_the_run_after_the_rest(
    tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_ingest = steps.ingest

    def ingest(app: App, db: Any, source: Any, **kwargs: Any) -> SourceSummary:
        if source.name == "east":
            raise RuntimeError("a bug in the reader")
        return real_ingest(app, db, source, **kwargs)

    monkeypatch.setattr(steps, "ingest", ingest)
    outcome = run(write_config(tmp_path, ["east", "west"]))
    assert outcome.failures == ["ingest east: RuntimeError: a bug in the reader"]
    east, west = by_source(outcome)["east"], by_source(outcome)["west"]
    assert east["status"] == "error" and east["error"] == "RuntimeError: a bug in the reader"
    assert west["status"] == "ok" and west["new_releases"] == 2
    assert outcome.summary["totals"]["tagged_versions"] == 2  # the stages still ran


def test_a_failing_stage_stops_the_later_ones_and_fails_the_run(
    tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.stages import diff

    called: list[str] = []

    def broken_tagger(app: App, db: Any, *, now: datetime) -> dict[str, int]:
        raise RuntimeError("a bug in the tagger")

    monkeypatch.setattr("pipeline.stages.tag.tag_pending", broken_tagger)
    monkeypatch.setattr(diff, "diff_pending", lambda *a, **k: called.append("diff") or {})
    outcome = run(write_config(tmp_path, ["east"]))
    assert outcome.failures == ["tag: RuntimeError: a bug in the tagger"]
    assert by_source(outcome)["east"]["new_releases"] == 2
    assert called == []  # later stages build on tags: they wait for the next run
    assert "alerts_sent" not in outcome.summary["totals"]


def test_a_retryable_failure_is_retried_and_a_permanent_one_is_not(
    tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: dict[str, int] = {}
    real_ingest = steps.ingest

    def flaky(app: App, db: Any, source: Any, **kwargs: Any) -> SourceSummary:
        attempts[source.name] = attempts.get(source.name, 0) + 1
        if attempts[source.name] == 1:
            retryable = source.name == "flaky"
            return SourceSummary(source.name, "error", error="HTTP 503", retryable=retryable)
        return real_ingest(app, db, source, **kwargs)

    monkeypatch.setattr(steps, "ingest", flaky)
    config = write_config(
        tmp_path, ["flaky", "broken"], run={"source_retries": 2, "source_retry_delay_seconds": 0}
    )
    outcome = run(config)
    assert attempts == {"flaky": 2, "broken": 1}
    assert {s: v["status"] for s, v in by_source(outcome).items()} == {
        "flaky": "ok",
        "broken": "error",
    }


def test_the_send_stage_is_retried_and_fails_the_run_when_it_keeps_failing(
    tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.stages import alert

    calls: list[str] = []
    real_send = alert.send_alerts

    def flaky_send(app: App, db: Any, *, now: datetime) -> dict[str, int]:
        calls.append("send")
        if len(calls) in {1, 3, 4}:  # the first run's first try; every try of the second run
            raise RuntimeError("the mail server hung up")
        return real_send(app, db, now=now)

    monkeypatch.setattr(alert, "send_alerts", flaky_send)
    config = write_config(
        tmp_path, ["east"], run={"send_retries": 1, "send_retry_delay_seconds": 0}
    )
    assert run(config).failures == []
    assert calls == ["send", "send"]
    assert run(config).failures == ["send: RuntimeError: the mail server hung up"]
    assert len(calls) == 4  # the second run: one try and one retry


def test_sources_are_read_concurrently_up_to_the_limit(
    tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    barrier = threading.Barrier(2, timeout=60)  # breaks unless two sources are read at once
    lock = threading.Lock()
    active = [0, 0]  # now, most
    real_ingest = steps.ingest

    def ingest(*args: Any, **kwargs: Any) -> SourceSummary:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        try:
            barrier.wait()
            return real_ingest(*args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(steps, "ingest", ingest)
    outcome = run(write_config(tmp_path, ["a", "b", "c", "d"], run={"concurrency": 2}))
    assert [s["status"] for s in outcome.summary["sources"]] == ["ok"] * 4
    assert active[1] == 2


def test_deskwatch_run_prints_one_line_per_source_without_a_terminal(
    tmp_path: Path, executor: str, sqlite_url: str
) -> None:
    from deskwatch.runner import run_once

    config = write_config(tmp_path, ["east"], bad=True)
    stream = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKWATCH_DATABASE_URL", sqlite_url)
        summary = run_once(App.load(config), stream=stream, prefect=executor == "flow")
    lines = [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()]
    assert lines[0] == "run: 2 sources"
    east, missing = sorted(lines[1:3])  # in the order the sources finished
    assert east.startswith("source east: ok: 2 new releases, 0 new versions, 0 unchanged")
    assert missing.startswith("source missing: error: source folder")
    assert [line.split(":")[0] for line in lines[3:]] == [
        "stage tag",
        "stage diff",
        "stage create_alerts",
        "stage send",
    ]
    assert summary["totals"]["new_releases"] == 2


def test_deskwatch_run_shows_live_progress_in_a_terminal(
    tmp_path: Path, executor: str, sqlite_url: str
) -> None:
    from deskwatch.runner import run_once

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    config = write_config(tmp_path, ["east"])
    stream = Terminal()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKWATCH_DATABASE_URL", sqlite_url)
        run_once(App.load(config), stream=stream, prefect=executor == "flow")
    output = stream.getvalue()
    assert "\x1b[" in output  # a live display, not plain lines
    assert "source east" in output and "ok: 2 new releases" in output
    assert "stage send" in output


def without_durations(summary: dict[str, Any]) -> dict[str, Any]:
    sources = [{k: v for k, v in s.items() if k != "duration_s"} for s in summary["sources"]]
    return {"totals": summary["totals"], "sources": sources}


@pytest.mark.prefect
def test_both_executors_leave_the_same_summary_and_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    config = str(write_workspace(tmp_path / "ws", run={"concurrency": 2}))
    results = {}
    for name, runner in [("in_process", run_here), ("flow", run_flow)]:
        url = f"sqlite:///{tmp_path / name}.db"
        monkeypatch.setenv("DESKWATCH_DATABASE_URL", url)
        monkeypatch.setenv("DESKWATCH_OUTBOX_DIR", str(tmp_path / f"outbox-{name}"))
        outcome = runner(config, NOW_ISO)
        assert outcome.failures == []
        results[name] = (without_durations(outcome.summary), snapshot(url))
        outbox = sorted(p.name for p in (tmp_path / f"outbox-{name}").rglob("*") if p.is_file())
        results[name] += (len(outbox),)
    assert results["in_process"] == results["flow"]
    summary, archive, mails = results["in_process"]
    assert summary["totals"]["new_releases"] == 5 and archive["alerts"] and mails > 0


def test_run_in_process_takes_the_settings_it_is_given(tmp_path: Path, sqlite_url: str) -> None:
    """No environment needed: the App (Settings + Config) is passed down."""
    config = write_config(tmp_path, ["east"])
    app = App.load(config, Settings(database_url=sqlite_url))
    summary = plan.run_in_process(app, now=datetime(2026, 11, 27, tzinfo=UTC))
    assert summary.totals()["new_releases"] == 2
    assert plan.run_in_process(app).totals()["unchanged"] == 2
