"""The Prefect flows in Prefect's test harness: task layout, failures, retries, concurrency,
the summary artifact, the digest flow and `deskwatch run`'s progress output."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import steps
from pipeline.app import App
from pipeline.settings import Settings
from pipeline.summary import SourceSummary
from tests.e2e.workspace import write_releases

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]

NOTE = "Note {n} on maritime security\n\nMonday 3 November 2025\n\nOfficials met for talks."


def write_config(root: Path, sources: list[str], **keys: Any) -> str:
    for name in sources:
        write_releases(root / name, [(f"{name}-{n}.txt", NOTE.format(n=n)) for n in range(2)])
    config = {
        "sources": [{"name": n, "type": "files", "path": n} for n in sources]
        + [{"name": "missing", "type": "files", "path": "no-such-folder"}] * ("bad" in keys),
        **{k: v for k, v in keys.items() if k != "bad"},
    }
    path = root / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


@pytest.fixture
def env_db(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    """Tasks build their App from the environment, as a served run does."""
    monkeypatch.setenv("DESKWATCH_DATABASE_URL", sqlite_url)
    return sqlite_url


def task_runs(flow_run_id: Any, expected: int) -> dict[str, list[str]]:
    """Task run names and final states; Prefect records them asynchronously, so wait a little."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    result: dict[str, list[str]] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
        result = {}
        for run in runs:
            result.setdefault(run.name, []).append(run.state.type.value if run.state else "")
        if len(runs) >= expected and all(
            s in {"COMPLETED", "FAILED"} for v in result.values() for s in v
        ):
            break
        time.sleep(0.5)
    return result


def artifact(key: str) -> str:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        [latest] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    return str(latest.data)


def test_a_failing_source_fails_its_task_and_the_flow_completes(
    tmp_path: Path, env_db: str
) -> None:
    from flows.run import SUMMARY_ARTIFACT_KEY, deskwatch_run

    config = write_config(tmp_path, ["east", "west"], bad=True)
    state = deskwatch_run(config_path=config, return_state=True)
    assert state.is_completed()
    summary = state.result()
    by_source = {s["source"]: s for s in summary["sources"]}
    assert [s["source"] for s in summary["sources"]] == ["east", "west", "missing"]
    assert by_source["missing"]["status"] == "error"
    assert "no-such-folder" in by_source["missing"]["error"]
    assert by_source["east"]["new_releases"] == 2
    assert summary["totals"]["errors"] == 1

    runs = task_runs(state.state_details.flow_run_id, expected=7)
    assert runs["ingest missing"] == ["FAILED"]
    assert runs["ingest east"] == runs["ingest west"] == ["COMPLETED"]
    assert set(runs) == {
        "ingest east",
        "ingest west",
        "ingest missing",
        "tag",
        "diff",
        "create_alerts",
        "send",
    }
    markdown = artifact(SUMMARY_ARTIFACT_KEY)
    assert "| missing | error | 0 | 0 | 0 | source folder" in markdown
    assert "| new_releases | 4 |" in markdown


def test_something_unexpected_fails_the_flow_after_publishing_the_summary(
    tmp_path: Path, env_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.run import SUMMARY_ARTIFACT_KEY, deskwatch_run
    from pipeline.stages import diff

    called: list[str] = []

    def broken_tagger(app: App, db: Any, *, now: datetime) -> dict[str, int]:
        raise RuntimeError("a bug in the tagger")

    monkeypatch.setattr("pipeline.stages.tag.tag_pending", broken_tagger)
    monkeypatch.setattr(diff, "diff_pending", lambda *a, **k: called.append("diff") or {})
    config = write_config(tmp_path, ["east"])
    state = deskwatch_run(config_path=config, return_state=True)
    assert state.is_failed()
    assert "tag: RuntimeError: a bug in the tagger" in artifact(SUMMARY_ARTIFACT_KEY)
    assert called == []  # later stages build on tags: they wait for the next run


def test_sources_are_read_concurrently_up_to_the_limit(
    tmp_path: Path, env_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.run import deskwatch_run

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
    config = write_config(tmp_path, ["a", "b", "c", "d"], run={"concurrency": 2})
    summary = deskwatch_run(config_path=config)
    assert [s["status"] for s in summary["sources"]] == ["ok"] * 4
    assert active[1] == 2


def test_a_retryable_failure_is_retried_and_a_permanent_one_is_not(
    tmp_path: Path, env_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.run import deskwatch_run

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
        tmp_path,
        ["flaky", "broken"],
        run={"source_retries": 2, "source_retry_delay_seconds": 0},
    )
    summary = deskwatch_run(config_path=config)
    assert attempts == {"flaky": 2, "broken": 1}
    statuses = {s["source"]: s["status"] for s in summary["sources"]}
    assert statuses == {"flaky": "ok", "broken": "error"}


def test_the_digest_flow_sends_its_frequency_at_the_given_time(
    tmp_path: Path, env_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.digest import deskwatch_digest
    from pipeline.stages import alert

    calls: list[tuple[str, datetime]] = []

    def send_digests(app: App, db: Any, *, frequency: str, now: datetime) -> dict[str, int]:
        calls.append((frequency, now))
        return {"digests_sent": 3}

    monkeypatch.setattr(alert, "send_digests", send_digests)
    config = write_config(tmp_path, ["east"])
    result = deskwatch_digest("weekly", config, "2026-11-27T08:00:00+00:00")
    assert calls == [("weekly", datetime(2026, 11, 27, 8, 0, tzinfo=UTC))]
    assert result["totals"] == {"digests_sent": 3}
    assert "| digests_sent | 3 |" in artifact("deskwatch-weekly-digest")


def test_the_run_command_prints_one_line_per_source_without_a_terminal(
    tmp_path: Path, sqlite_url: str
) -> None:
    from deskwatch.runner import run_once

    config = write_config(tmp_path, ["east"], bad=True)
    stream = io.StringIO()
    app = App.load(config, Settings(database_url=sqlite_url))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKWATCH_DATABASE_URL", sqlite_url)
        summary = run_once(app, stream=stream)
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


def test_the_run_command_shows_live_progress_in_a_terminal(tmp_path: Path, sqlite_url: str) -> None:
    from deskwatch.runner import run_once

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    config = write_config(tmp_path, ["east"])
    stream = Terminal()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKWATCH_DATABASE_URL", sqlite_url)
        run_once(App.load(config), stream=stream)
    output = stream.getvalue()
    assert "\x1b[" in output  # a live display, not plain lines
    assert "source east" in output and "ok: 2 new releases" in output
    assert "stage send" in output
