"""The `deskwatch-run` flow: pipeline.plan executed as Prefect tasks.

    prepare                      in the flow: plan.start (migrate, sync sources and subscriptions)
    ingest <source>   (IO)       one task per enabled source, `run.concurrency` at a time,
                                 retried with backoff on retryable errors, with a timeout
    tag, diff, create_alerts     one batch task each, over everything not yet processed
    send              (IO)       immediate alerts, retried with backoff, with a timeout
    operator notice              in the flow: plan.notify_operator (health.ops_email, when the
                                 failing health checks changed)

Tasks get plain values (the config path, a source name, ISO times) and build what they need;
never a Session or an HTTP client. One task per source, never one per release. Each task calls
the plan's own step (plan.ingest_step, steps.run_stage) and plan.execute applies the failure
policy, the same as in process: a source that fails fails its own task and the flow goes on; the
flow run is marked failed only when something unexpected broke, after the summary is published.

Progress: `deskwatch run --prefect` sets a RunObserver for the flow call with `observing()` (a
context variable, which Prefect copies into its task threads); a served run has none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import plan, steps
from pipeline.app import App
from pipeline.plan import Retries, RunObserver, RunPlan, SourceOutcome, StageOutcome
from pipeline.summary import SourceSummary

SUMMARY_ARTIFACT_KEY = "deskwatch-run-summary"
_observer: ContextVar[RunObserver | None] = ContextVar("deskwatch_run_observer", default=None)


@contextmanager
def observing(observer: RunObserver) -> Iterator[None]:
    """Flow runs called in this context (and their tasks) tell `observer` what they do."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def current_observer() -> RunObserver:
    return _observer.get() or RunObserver()


class _ThreadTimeoutNotice(logging.Filter):
    """Prefect warns on every run that a task timeout in a worker thread cannot interrupt blocking
    IO. deskwatch knows: each request and each SMTP conversation has its own socket timeout, and
    the task timeout is the outer bound checked between them. Drop that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Timeout of %s seconds configured for this task")


logging.getLogger("prefect.task_runs").addFilter(_ThreadTimeoutNotice())


class _RunFailedTraceback(logging.Filter):
    """A flow run that ends in plan.RunFailed has said what broke (the summary artifact, the
    message; the broken task logged its own traceback): keep the line, drop the traceback of
    the flow function's `raise`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], plan.RunFailed):
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("prefect.flow_runs").addFilter(_RunFailedTraceback())


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


def task_options(retries: Retries) -> dict[str, Any]:
    """The plan's retries as Prefect task options."""

    def wanted(task: Any, task_run: Any, state: Any) -> bool:
        return retries.wanted(state.result(raise_on_failure=False))

    return {
        "retries": len(retries.delays),
        "retry_delay_seconds": retries.delays,
        "retry_condition_fn": wanted,
        "timeout_seconds": retries.timeout_s,
    }


@task(name="ingest", task_run_name="ingest {source_name}", cache_policy=NO_CACHE)
def ingest_task(
    config_path: str | None, source_name: str, now_iso: str, run_id: str
) -> SourceSummary:
    app = App.load(config_path)
    db = app.open_db()
    try:
        return plan.ingest_step(
            app,
            db,
            source_name,
            now=datetime.fromisoformat(now_iso),
            run_id=run_id,
            observer=current_observer(),
        )
    finally:
        db.dispose()


@task(name="stage", task_run_name="{stage}", cache_policy=NO_CACHE)
def stage_task(config_path: str | None, stage: str, now_iso: str) -> dict[str, int]:
    """One derived stage (tag, diff, create_alerts, send) over everything not yet processed."""
    app = App.load(config_path)
    db = app.open_db()
    try:
        return steps.run_stage(app, db, stage, now=datetime.fromisoformat(now_iso))
    finally:
        db.dispose()


class PrefectExecutor:
    """plan.Executor as Prefect tasks of the current flow run."""

    def __init__(self, app: App, config_path: str | None) -> None:
        self.app = app
        self.config_path = config_path

    def ingest(self, run: RunPlan, done: Callable[[str, SourceOutcome], None]) -> None:
        settings = self.app.config.run
        ingest = ingest_task.with_options(**task_options(plan.source_retries(settings)))
        runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.concurrency)
        with runner:
            futures: dict[Any, str] = {
                runner.submit(
                    ingest,
                    parameters={
                        "config_path": self.config_path,
                        "source_name": name,
                        "now_iso": run.now.isoformat(),
                        "run_id": run.run_id,
                    },
                ): name
                for name in run.sources
            }
            for future in as_completed(list(futures)):
                done(futures[future], future.result(raise_on_failure=False))

    def stage(self, run: RunPlan, name: str) -> StageOutcome:
        retries = plan.stage_retries(self.app.config.run, name)
        task_ = stage_task.with_options(**task_options(retries))
        state = task_(self.config_path, name, run.now.isoformat(), return_state=True)
        outcome = state.result(raise_on_failure=False)
        if state.is_completed():
            assert isinstance(outcome, dict)
            return outcome
        if isinstance(outcome, BaseException):
            return outcome
        return RuntimeError(f"{state.type.value}: {state.message}")


@flow(name="deskwatch-run", log_prints=False)
def deskwatch_run(
    config_path: str | None = None,
    now_iso: str | None = None,
    only: list[str] | None = None,
    sync: bool = False,
) -> dict[str, Any]:
    """Ingest every enabled source (or those in `only`), then tag, diff, create alerts and send
    immediate ones. Returns the run summary as a dict and publishes it as an artifact. `sync`
    makes this config the archive's even when it would disable sources or end subscriptions of
    the config the archive was last run with (pipeline.config_guard)."""
    align_log_levels()
    logger = get_run_logger()
    app = App.load(config_path)
    run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    now = datetime.fromisoformat(now_iso) if now_iso is not None else None
    db, run = plan.start(app, now=now, run_id=run_id, only=only, sync=sync)
    db.dispose()
    summary = plan.execute(run, PrefectExecutor(app, config_path), current_observer())
    db = app.open_db()
    try:
        plan.notify_operator(app, db, now=run.now)
    finally:
        db.dispose()
    markdown = summary.to_markdown()
    create_markdown_artifact(
        markdown, key=SUMMARY_ARTIFACT_KEY, description="deskwatch run summary"
    )
    logger.info("run summary\n%s", markdown)
    for source in summary.sources:
        if source.status == "error":
            logger.warning("source %s failed: %s", source.source, source.error)
    return plan.check_failures(summary).to_dict()
