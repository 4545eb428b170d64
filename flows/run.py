"""The `deskwatch-run` flow: a thin Prefect wrapper over pipeline.steps.

    prepare                      in the flow: migrate, sync the sources table
    ingest <source>   (IO)       one task per enabled source, `run.concurrency` at a time,
                                 retried with backoff on retryable errors, with a timeout
    tag, diff, create_alerts     one batch task each, over everything not yet processed
    send              (IO)       immediate alerts, retried with backoff, with a timeout

Tasks get plain values (the config path, a source name, ISO times) and build what they need;
never a Session or an HTTP client. One task per source, never one per release.

A source that fails (a DeskwatchError: unreachable, bad feed) fails its own task; the flow goes on
and reports it. The flow run is marked failed only when something unexpected broke (a bug, a
database that went away), after the summary is published.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import steps
from pipeline.app import App
from pipeline.scheduling import backoff
from pipeline.steps import RunObserver
from pipeline.summary import RunSummary, SourceSummary

SUMMARY_ARTIFACT_KEY = "deskwatch-run-summary"
OBSERVERS: list[RunObserver] = []
"""Process-local listeners (the terminal progress of `deskwatch run`); empty in a served run."""


class _ThreadTimeoutNotice(logging.Filter):
    """Prefect warns on every run that a task timeout in a worker thread cannot interrupt blocking
    IO. deskwatch knows: each request and each SMTP conversation has its own socket timeout, and
    the task timeout is the outer bound checked between them. Drop that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Timeout of %s seconds configured for this task")


logging.getLogger("prefect.task_runs").addFilter(_ThreadTimeoutNotice())


def align_log_levels() -> None:
    """Prefect hands deskwatch's loggers (PREFECT_LOGGING_EXTRA_LOGGERS) its API handler but leaves
    their level to the root logger's WARNING; give them the level of Prefect's own, so their
    INFO lines reach the run's log in the UI when PREFECT_LOGGING_LEVEL is INFO."""
    from prefect.settings import PREFECT_LOGGING_EXTRA_LOGGERS

    level = logging.getLogger("prefect.extra").level
    if not level or level >= logging.getLogger().getEffectiveLevel():
        return  # nothing would change (e.g. `deskwatch run`, which logs at WARNING)
    for name in PREFECT_LOGGING_EXTRA_LOGGERS.value():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


class SourceFailed(Exception):
    """A source could not be read. It fails the source's task and carries its summary."""

    def __init__(self, summary: SourceSummary) -> None:
        super().__init__(f"source {summary.source}: {summary.error}")
        self.summary = summary


class UnexpectedFailures(RuntimeError):
    """Something that is not a DeskwatchError broke: the flow run is marked failed."""


def _notify(event: str, *args: Any) -> None:
    for observer in list(OBSERVERS):
        getattr(observer, event)(*args)


def _retry_source(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a source only when reading it again may help (a timeout, a 5xx, a 429)."""
    exc = state.result(raise_on_failure=False)
    return isinstance(exc, SourceFailed) and exc.summary.retryable


@task(name="ingest", task_run_name="ingest {source_name}", cache_policy=NO_CACHE)
def ingest_task(
    config_path: str | None, source_name: str, now_iso: str, run_id: str
) -> SourceSummary:
    app = App.load(config_path)
    source = next(s for s in app.config.sources if s.name == source_name)
    _notify("source_started", source_name)
    db = app.open_db()
    try:
        summary = steps.ingest(app, db, source, now=datetime.fromisoformat(now_iso), run_id=run_id)
    finally:
        db.dispose()
    if summary.status == "error":
        raise SourceFailed(summary)
    return summary


@task(name="stage", task_run_name="{stage}", cache_policy=NO_CACHE)
def stage_task(config_path: str | None, stage: str, now_iso: str) -> dict[str, int]:
    """One derived stage (tag, diff, create_alerts, send) over everything not yet processed."""
    app = App.load(config_path)
    db = app.open_db()
    try:
        return steps.run_stage(app, db, stage, now=datetime.fromisoformat(now_iso))
    finally:
        db.dispose()


def _ingest_all(
    app: App, config_path: str | None, names: list[str], now_iso: str, run_id: str
) -> tuple[list[SourceSummary], list[str]]:
    """Every source's summary in config order, and what broke unexpectedly."""
    settings = app.config.run
    ingest = ingest_task.with_options(
        retries=settings.source_retries,
        retry_delay_seconds=backoff(settings.source_retry_delay_seconds, settings.source_retries),
        retry_condition_fn=_retry_source,
        timeout_seconds=settings.source_timeout_seconds,
    )
    results: dict[str, SourceSummary] = {}
    unexpected: list[str] = []
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.concurrency)
    with runner:
        futures: dict[Any, str] = {
            runner.submit(
                ingest,
                parameters={
                    "config_path": config_path,
                    "source_name": name,
                    "now_iso": now_iso,
                    "run_id": run_id,
                },
            ): name
            for name in names
        }
        for future in as_completed(list(futures)):
            name = futures[future]
            outcome = future.result(raise_on_failure=False)
            if isinstance(outcome, SourceSummary):
                summary = outcome
            elif isinstance(outcome, SourceFailed):
                summary = outcome.summary
            else:  # a bug or a lost database: say what, mark the flow failed at the end
                detail = f"{type(outcome).__name__}: {outcome}"
                summary = SourceSummary(source=name, status="error", error=detail)
                unexpected.append(f"ingest {name}: {detail}")
            results[name] = summary
            _notify("source_finished", summary)
    return [results[name] for name in names], unexpected


@flow(name="deskwatch-run", log_prints=False)
def deskwatch_run(
    config_path: str | None = None, now_iso: str | None = None, only: list[str] | None = None
) -> dict[str, Any]:
    """Ingest every enabled source (or those in `only`), then tag, diff, create alerts and send
    immediate ones. Returns the run summary as a dict and publishes it as an artifact."""
    started = time.perf_counter()
    align_log_levels()
    logger = get_run_logger()
    app = App.load(config_path)
    run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    synced: dict[str, int] = {}
    if now_iso is None:  # the clock: never behind a subscription an overlapping run just added
        now = datetime.now(UTC)
        db = steps.prepare(app, now=now, synced=synced)
        now_iso = steps.run_time(db, now).isoformat()
    else:
        db = steps.prepare(app, now=datetime.fromisoformat(now_iso), synced=synced)
    db.dispose()
    names = [s.name for s in steps.enabled_sources(app, only)]
    _notify("sources", names)

    summary = RunSummary()
    summary.add(synced)
    summary.sources, unexpected = _ingest_all(app, config_path, names, now_iso, run_id)
    settings = app.config.run
    send = stage_task.with_options(
        retries=settings.send_retries,
        retry_delay_seconds=backoff(settings.send_retry_delay_seconds, settings.send_retries),
        timeout_seconds=settings.send_timeout_seconds,
    )
    for stage in steps.DERIVED_STAGES:
        _notify("stage_started", stage)
        task_ = send if stage == "send" else stage_task
        state = task_(config_path, stage, now_iso, return_state=True)
        outcome = state.result(raise_on_failure=False)
        if not state.is_completed():
            # later stages build on this one (alerts need tags): stop here, the next run resumes
            unexpected.append(f"{stage}: {type(outcome).__name__}: {outcome}")
            _notify("stage_finished", stage, {})
            break
        assert isinstance(outcome, dict)
        summary.add(outcome)
        _notify("stage_finished", stage, outcome)

    summary.duration_s = time.perf_counter() - started
    markdown = summary.to_markdown()
    if unexpected:
        markdown += "\n\n**Unexpected failures**\n\n" + "\n".join(f"- {u}" for u in unexpected)
    create_markdown_artifact(
        markdown, key=SUMMARY_ARTIFACT_KEY, description="deskwatch run summary"
    )
    logger.info("run summary\n%s", markdown)
    for source in summary.sources:
        if source.status == "error":
            logger.warning("source %s failed: %s", source.source, source.error)
    if unexpected:
        raise UnexpectedFailures("; ".join(unexpected))
    return summary.to_dict()
