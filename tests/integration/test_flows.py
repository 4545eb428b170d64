"""The Prefect flows in Prefect's test harness: the task layout and states, the summary artifact,
the digest flow. What a run does with failures, retries, concurrency and progress is the same in
process and as the flow: tests/integration/test_run_plan.py runs those on both."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.app import App
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
    markdown = artifact(SUMMARY_ARTIFACT_KEY)
    assert "**Unexpected failures**\n\n- tag: RuntimeError: a bug in the tagger" in markdown
    assert "| east | ok | 2 |" in markdown
    runs = task_runs(state.state_details.flow_run_id, expected=2)
    assert runs == {"ingest east": ["COMPLETED"], "tag": ["FAILED"]}  # no task after the failure
    assert called == []  # later stages build on tags: they wait for the next run


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


def test_a_scheduled_digest_that_starts_late_is_for_its_scheduled_day_up_to_now(
    tmp_path: Path, env_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.digest
    from pipeline.stages import alert

    calls: list[tuple[datetime, datetime | None]] = []

    def send_digests(
        app: App, db: Any, *, frequency: str, now: datetime, period_at: datetime | None = None
    ) -> dict[str, int]:
        calls.append((now, period_at))
        return {"digests_sent": 1}

    scheduled = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    monkeypatch.setattr(alert, "send_digests", send_digests)
    monkeypatch.setattr(flows.digest, "_scheduled_time", lambda: scheduled)
    before = datetime.now(UTC)
    flows.digest.deskwatch_digest("daily", write_config(tmp_path, ["east"]))
    [(now, period_at)] = calls
    assert period_at == scheduled and now >= before


def test_a_failed_run_logs_its_line_without_the_traceback_of_its_raise() -> None:
    import logging

    from flows.run import _RunFailedTraceback
    from pipeline.plan import RunFailed
    from pipeline.summary import RunSummary

    def record(exc: BaseException) -> logging.LogRecord:
        try:
            raise exc
        except BaseException as caught:
            info = (type(caught), caught, caught.__traceback__)
        return logging.LogRecord("prefect.flow_runs", logging.ERROR, "x", 1, "m", (), info)

    failed = record(RunFailed(RunSummary(failures=["tag: RuntimeError: a bug"])))
    assert _RunFailedTraceback().filter(failed) and failed.exc_info is None
    bug = record(RuntimeError("a bug"))
    assert _RunFailedTraceback().filter(bug) and bug.exc_info is not None
