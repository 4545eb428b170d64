"""One run: the plan, its failure policy, and the executor seam.

    start(app)          prepare once (migrate, sync the sources and the subscriptions), fix the
                        run's time, choose the sources: a RunPlan of plain values
    execute(plan, ...)  ingest every source, then the derived stages in order, through an
                        Executor; returns the RunSummary, with what broke unexpectedly in
                        `summary.failures`
    run_in_process(app) both, in this process (InProcess: a small thread pool), raising RunFailed
                        when something broke unexpectedly
    notify_operator(app, db, now)
                        at the end of a run, either executor: mail health.ops_email when the
                        failing health checks changed (pipeline.ops_notice)

The flow (flows/run.py) is the other executor: one Prefect task per source and per stage, each
calling the same step functions (ingest_step, steps.run_stage), and the same `execute` decides
what a failure means:

- a source whose read fails with a DeskwatchError is recorded in its SourceSummary (status
  `error`) and the run goes on;
- anything else that breaks in a source is recorded the same way and in `summary.failures`: the
  run goes on, and fails at the end, after the summary;
- a derived stage that fails stops the later stages (alerts need tags, sending needs alerts)
  and fails the run; the next run picks the work up again.

Retries: a source whose error is retryable (a timeout, a 5xx, a 429) and the send stage are tried
again after the `run:` delays (Retries). Progress goes to a RunObserver passed in. No Prefect here.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from core.errors import ConfigError, DeskwatchError, UsageError
from pipeline import steps
from pipeline.app import App
from pipeline.scheduling import RunConfig, backoff
from pipeline.summary import RunSummary, SourceSummary
from storage.db import Database

log = logging.getLogger("pipeline.plan")


class RunObserver:
    """Hears what a run does, for progress displays. Every method does nothing by default; they
    may be called from worker threads."""

    def sources(self, names: list[str]) -> None:
        """The run will read these sources."""

    def source_started(self, name: str) -> None:
        """An attempt at reading this source begins (again, when it is retried)."""

    def source_finished(self, summary: SourceSummary) -> None:
        pass

    def stage_started(self, name: str) -> None:
        pass

    def stage_finished(self, name: str, counts: dict[str, int]) -> None:
        pass

    def stage_failed(self, name: str, error: str) -> None:
        """The stage broke (`error` says how); the later stages will not run."""


class SourceFailed(Exception):
    """A source could not be read: raised by ingest_step (so a Prefect task fails and may be
    retried), carrying the source's summary."""

    def __init__(self, summary: SourceSummary) -> None:
        super().__init__(f"source {summary.source}: {summary.error}")
        self.summary = summary

    def __reduce__(self) -> tuple[type[SourceFailed], tuple[SourceSummary]]:
        return (SourceFailed, (self.summary,))


class RunFailed(DeskwatchError):
    """Something other than a source's own error broke: the run ends failed, after its summary."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__("the run failed: " + "; ".join(summary.failures))
        self.summary = summary

    def __reduce__(self) -> tuple[type[RunFailed], tuple[RunSummary]]:
        return (RunFailed, (self.summary,))


@dataclass(frozen=True)
class RunPlan:
    """What one run will do, in plain values (a Prefect task gets them as parameters)."""

    now: datetime
    run_id: str
    sources: tuple[str, ...]
    """The enabled sources' names, in config order."""
    synced: dict[str, int] = field(default_factory=dict)
    """Subscriptions that preparing the run added and ended."""
    warnings: tuple[str, ...] = ()
    """What preparing the run skipped (a config subscription that is not valid)."""
    stages: tuple[str, ...] = steps.DERIVED_STAGES
    started: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class Retries:
    """When an IO step is tried again: after each of `delays` seconds, while `wanted` says so."""

    delays: list[float]
    timeout_s: float | None
    """The Prefect task's timeout (in process: the sockets' own timeouts bound each step)."""
    wanted: Callable[[BaseException], bool]


def _retryable_source(exc: BaseException) -> bool:
    return isinstance(exc, SourceFailed) and exc.summary.retryable


def _any_failure(exc: BaseException) -> bool:
    return True


def source_retries(run: RunConfig) -> Retries:
    """A source again only when reading it again may help (a timeout, a 5xx, a 429)."""
    delays = backoff(run.source_retry_delay_seconds, run.source_retries)
    return Retries(delays, run.source_timeout_seconds, _retryable_source)


def _may_pass(exc: BaseException) -> bool:
    """Any failure but a config or usage error, which no wait will mend."""
    return not isinstance(exc, ConfigError | UsageError)


def send_retries(run: RunConfig) -> Retries:
    """Sending (alerts, digests) again after a failure that may pass (the mail server down, a
    timeout): nothing is sent twice (the outbox). A bad setting fails at once."""
    delays = backoff(run.send_retry_delay_seconds, run.send_retries)
    return Retries(delays, run.send_timeout_seconds, _may_pass)


def stage_retries(run: RunConfig, name: str) -> Retries:
    """The send stage is IO and is retried; tag, diff and create_alerts are pure work over the
    database, never retried and without a timeout."""
    return send_retries(run) if name == "send" else Retries([], None, _any_failure)


def start(
    app: App,
    *,
    now: datetime | None = None,
    run_id: str | None = None,
    only: list[str] | None = None,
    sync: bool = False,
) -> tuple[Database, RunPlan]:
    """Prepare the run once (steps.prepare) and plan it. Without `now` the run's time is the
    clock, moved up to a subscription an overlapping run has just added (steps.run_time). The
    caller owns the returned database. A config other than the archive's that would disable
    sources or end subscriptions raises ConfigError unless `sync` (pipeline.config_guard)."""
    started = time.perf_counter()
    clock = now is None
    now = now or datetime.now(UTC)
    synced: dict[str, int] = {}
    warnings: list[str] = []
    # a skipped subscription is logged once where it is skipped (pipeline.stages.alert)
    db = steps.prepare(app, now=now, synced=synced, sync=sync, warnings=warnings)
    try:
        if clock:
            now = steps.run_time(db, now)
        names = tuple(s.name for s in steps.enabled_sources(app, only))
    except BaseException:
        db.dispose()
        raise
    plan = RunPlan(now, run_id or uuid.uuid4().hex, names, synced, tuple(warnings), started=started)
    return db, plan


def ingest_step(
    app: App, db: Database, name: str, *, now: datetime, run_id: str, observer: RunObserver
) -> SourceSummary:
    """One attempt at one source. Raises SourceFailed when the source could not be read."""
    observer.source_started(name)
    source = next(s for s in app.config.sources if s.name == name)
    summary = steps.ingest(app, db, source, now=now, run_id=run_id)
    if summary.status == "error":
        raise SourceFailed(summary)
    return summary


SourceOutcome = SourceSummary | BaseException
StageOutcome = dict[str, int] | BaseException


class Executor(Protocol):
    """Runs the steps of a plan; `execute` decides what their outcomes mean."""

    def ingest(self, plan: RunPlan, done: Callable[[str, SourceOutcome], None]) -> None:
        """Read every source of the plan; call `done` once per source, as each finishes, with
        its summary or the exception its last attempt raised."""

    def stage(self, plan: RunPlan, name: str) -> StageOutcome:
        """Run one derived stage: its counts, or the exception it raised."""


def is_bug(exc: BaseException) -> bool:
    """Not a failure deskwatch knows how to describe (a source that could not be read, any
    DeskwatchError): a bug, a database that went away. Its traceback is worth logging."""
    return not isinstance(exc, SourceFailed | DeskwatchError)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Tally:
    """The failure policy, applied to each outcome as it arrives."""

    def __init__(self, plan: RunPlan, observer: RunObserver) -> None:
        self.plan = plan
        self.observer = observer
        self.summary = RunSummary()
        self.summary.add(plan.synced)
        self.summary.warnings.extend(plan.warnings)
        self.by_source: dict[str, SourceSummary] = {}

    def source_done(self, name: str, outcome: SourceOutcome) -> None:
        if isinstance(outcome, SourceSummary):
            summary = outcome
        elif isinstance(outcome, SourceFailed):
            summary = outcome.summary
        elif isinstance(outcome, DeskwatchError):  # raised rather than returned: still the source's
            summary = SourceSummary(name, "error", error=str(outcome))
            summary.http_status = getattr(outcome, "status", None)
            summary.retryable = bool(getattr(outcome, "retryable", False))
        else:  # a bug, a database that went away: say what, fail the run at the end
            summary = SourceSummary(name, "error", error=_describe(outcome))
            self.summary.failures.append(f"ingest {name}: {_describe(outcome)}")
        self.by_source[name] = summary
        self.observer.source_finished(summary)

    def stage_done(self, name: str, outcome: StageOutcome) -> bool:
        """Whether the later stages may run."""
        if isinstance(outcome, BaseException):
            self.summary.failures.append(f"{name}: {_describe(outcome)}")
            self.observer.stage_failed(name, _describe(outcome))
            return False
        self.summary.add(outcome)
        self.observer.stage_finished(name, outcome)
        return True

    def finish(self) -> RunSummary:
        self.summary.sources = [self.by_source[name] for name in self.plan.sources]
        self.summary.duration_s = time.perf_counter() - self.plan.started
        return self.summary


def execute(plan: RunPlan, executor: Executor, observer: RunObserver | None = None) -> RunSummary:
    """Every source, then the derived stages until one fails. Never raises for what the
    policy records: see `summary.failures` (check_failures raises for them)."""
    observer = observer or RunObserver()
    tally = _Tally(plan, observer)
    observer.sources(list(plan.sources))
    executor.ingest(plan, tally.source_done)
    for name in plan.stages:
        observer.stage_started(name)
        if not tally.stage_done(name, executor.stage(plan, name)):
            break  # later stages build on this one: the next run resumes here
    return tally.finish()


def check_failures(summary: RunSummary) -> RunSummary:
    if summary.failures:
        raise RunFailed(summary)
    return summary


def attempt(
    call: Callable[[], dict[str, int] | SourceSummary],
    retries: Retries,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> SourceOutcome | StageOutcome:
    """`call`, tried again after each delay of `retries` while the failure is one to retry;
    the result, or the last exception. (The in-process executor's retries; Prefect's are the
    same Retries given to its tasks.)"""
    for delay in [*retries.delays, None]:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - the policy in `execute` sorts them out
            if delay is None or not retries.wanted(exc):
                return exc
            sleep(delay)
    raise AssertionError("unreachable")


INGEST_THREADS = "deskwatch-ingest"
"""The name prefix of the in-process executor's source threads."""
INTERRUPT_GRACE_S = 2.0
"""How long Ctrl-C waits for the sources being read to end before the run stops anyway."""


class Interrupted(DeskwatchError):
    """A step refused to start because the run was interrupted (Ctrl-C)."""


class InProcess:
    """The executor of `deskwatch run` without a Prefect server: sources on a thread pool of
    `run.concurrency` workers (one after another when it is 1), the stages in this thread, one
    database engine for the run. Retries as the flow's; the per-step timeouts are the
    fetcher's and the mail server's socket timeouts (a thread cannot be interrupted anyway)."""

    def __init__(
        self,
        app: App,
        db: Database,
        observer: RunObserver | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.app = app
        self.db = db
        self.observer = observer or RunObserver()
        self.stopping = threading.Event()
        """Set on Ctrl-C: no source starts, or retries, after it."""
        self.sleep = sleep or self._sleep_unless_stopping

    def _sleep_unless_stopping(self, delay: float) -> None:
        if self.stopping.wait(delay):
            raise Interrupted("the run was interrupted")

    def _source(self, plan: RunPlan, name: str) -> SourceOutcome:
        def once() -> SourceSummary:
            if self.stopping.is_set():
                raise Interrupted("the run was interrupted")
            return ingest_step(
                self.app,
                self.db,
                name,
                now=plan.now,
                run_id=plan.run_id,
                observer=self.observer,
            )

        outcome = attempt(once, source_retries(self.app.config.run), sleep=self.sleep)
        assert isinstance(outcome, SourceSummary | BaseException)
        self._log_bug(f"ingest {name}", outcome)
        return outcome

    @staticmethod
    def _log_bug(step: str, outcome: object) -> None:
        """Loud, as a Prefect task's failure is: the traceback of what broke, on stderr."""
        if isinstance(outcome, BaseException) and is_bug(outcome):
            log.error("%s broke", step, exc_info=outcome)

    def ingest(self, plan: RunPlan, done: Callable[[str, SourceOutcome], None]) -> None:
        workers = min(self.app.config.run.concurrency, len(plan.sources))
        if workers <= 1:
            for name in plan.sources:
                done(name, self._source(plan, name))
            return
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=INGEST_THREADS)
        futures = {
            pool.submit(copy_context().run, self._source, plan, name): name for name in plan.sources
        }
        try:
            for future in as_completed(futures):
                done(futures[future], future.result())
        except KeyboardInterrupt:
            self._stop(pool, futures)
            raise
        finally:
            pool.shutdown(wait=not self.stopping.is_set())

    def _stop(self, pool: ThreadPoolExecutor, futures: dict[Future[SourceOutcome], str]) -> None:
        """Ctrl-C while sources are read: the sources not started never start, the running ones
        get INTERRUPT_GRACE_S to end; one still reading after that (a request that trickles)
        is left to its own transaction, which the database rolls back when the process ends
        (deskwatch.cli ends it at once, exit code 130). Each source is one transaction, so the
        archive holds every source whole or not at all."""
        self.stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        running = [future for future in futures if not future.done()]
        wait(running, timeout=INTERRUPT_GRACE_S)

    def stage(self, plan: RunPlan, name: str) -> StageOutcome:
        def once() -> dict[str, int]:
            return steps.run_stage(self.app, self.db, name, now=plan.now)

        outcome = attempt(once, stage_retries(self.app.config.run, name), sleep=self.sleep)
        assert isinstance(outcome, dict | BaseException)
        self._log_bug(name, outcome)
        return outcome


def notify_operator(app: App, db: Database, *, now: datetime) -> None:
    """At the end of a run (both executors): mail `health.ops_email` when the failing health
    checks changed (pipeline.ops_notice). A notice that cannot go out is logged, never failing
    the run (the next run tries again)."""
    from pipeline.ops_notice import notify

    try:
        notify(app, db, now=now)
    except DeskwatchError as exc:
        log.warning("could not tell the operator (%s): %s", app.config.health.ops_email, exc)


def run_in_process(
    app: App,
    *,
    now: datetime | None = None,
    run_id: str | None = None,
    only: list[str] | None = None,
    observer: RunObserver | None = None,
    sync: bool = False,
) -> RunSummary:
    """One full run in this process, no Prefect. Raises RunFailed (with the summary) when
    something broke unexpectedly; a source's own error is only recorded in the summary."""
    db, plan = start(app, now=now, run_id=run_id, only=only, sync=sync)
    try:
        summary = execute(plan, InProcess(app, db, observer), observer)
        notify_operator(app, db, now=plan.now)
    finally:
        db.dispose()
    return check_failures(summary)
