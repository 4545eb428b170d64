"""`deskwatch run`: pipeline.plan once, in this process or as the `deskwatch-run` flow.

With no Prefect API configured (configured_prefect_api: no PREFECT_API_URL, none in the files
Prefect reads it from), the plan runs in process (pipeline.plan.run_in_process): no server, no
Prefect import. With one, or with `prefect=True` (`--prefect`), the run is the `deskwatch-run`
flow, recorded as a flow run of that server; with `--prefect` and no API configured, Prefect
starts a temporary local server on 127.0.0.1 for it (no network, no telemetry: see
flows.prefect_env).

In a terminal the run shows a live line per source and stage (rich). With `--quiet`, or when
stderr is not a terminal (cron, a pipe), it writes plain log lines to stderr instead: every
source and stage, or with `--quiet` only the sources that failed. Both paths tell the same
RunObserver; the flow path hands it over with flows.run.observing (a context variable, so two
runs in one process never hear each other's events).
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from core import skips
from core.errors import UsageError
from deskwatch.output import clean_console_logs, terminal_line
from flows.prefect_env import apply_defaults, check_prefect_api
from pipeline.app import App
from pipeline.plan import RunObserver, run_in_process
from pipeline.summary import SourceSummary


def describe_source(summary: SourceSummary) -> str:
    """`ok: 2 new releases, 1 new version, 5 unchanged (0.31 s)`, or the error."""
    if summary.status == "error":
        return f"error: {summary.error}"
    parts = [
        _plural(summary.new_releases, "new release"),
        _plural(summary.new_versions, "new version"),
        f"{summary.unchanged} unchanged",
    ]
    if summary.problems:
        parts.append(_plural(len(summary.problems), "problem"))
    if summary.skipped:  # by reason: "10 skipped: link host not in follow_hosts"
        parts.append(skips.reasons_line(summary.skips) or f"{summary.skipped} skipped")
    if summary.from_feed:  # "3 stored from feed summary (link host not in follow_hosts)"
        parts.append(skips.from_feed_line(summary.from_feed))
    if summary.warnings:
        parts.append(skips.warnings_line(summary.warnings))
    return f"{summary.status}: {', '.join(parts)} ({summary.duration_s:.2f} s)"


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()) or "nothing to do"


LINE_WIDTH = 300
"""A log line's message is cut here (a source's error can hold a whole HTML error page)."""


def one_line(text: str) -> str:
    """`text` as one line of at most LINE_WIDTH characters, with no control characters."""
    return terminal_line(text, LINE_WIDTH)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class LogLines(RunObserver):
    """Plain lines, one per event, for cron and pipes: `2026-11-27T08:00:03Z source x: ok: ...`."""

    def __init__(self, stream: IO[str], *, errors_only: bool = False) -> None:
        self.stream = stream
        self.errors_only = errors_only

    def _line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {text}", file=self.stream, flush=True)

    def sources(self, names: list[str]) -> None:
        if not self.errors_only:
            self._line(f"run: {_plural(len(names), 'source')}")

    def source_finished(self, summary: SourceSummary) -> None:
        if not self.errors_only or summary.status == "error":
            name = terminal_line(summary.source)
            self._line(f"source {name}: {one_line(describe_source(summary))}")

    def stage_finished(self, name: str, counts: dict[str, int]) -> None:
        if not self.errors_only:
            self._line(f"stage {name}: {describe_counts(counts)}")

    def stage_failed(self, name: str, error: str) -> None:
        self._line(f"stage {name}: failed: {one_line(error)}")


class LiveProgress(RunObserver):
    """A rich display: one line per source (waiting, reading, its outcome), then the stages."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}", table_column=Column(no_wrap=True)),
            TextColumn(
                "{task.fields[status]}",
                markup=False,
                table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
            ),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            expand=True,
        )
        self.rows: dict[str, TaskID] = {}

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _row(self, key: str, label: str) -> TaskID:
        """The row of `key`; its `label` (the description column) is markup, so the name in it
        is escaped as well as made terminal_text."""
        if key not in self.rows:
            label = escape(terminal_line(label))
            self.rows[key] = self.progress.add_task(label, total=1, status="waiting", start=False)
        return self.rows[key]

    def sources(self, names: list[str]) -> None:
        for name in names:
            self._row(f"source:{name}", f"source {name}")

    def source_started(self, name: str) -> None:
        row = self._row(f"source:{name}", f"source {name}")
        self.progress.start_task(row)
        self.progress.update(row, status="reading")

    def source_finished(self, summary: SourceSummary) -> None:
        row = self._row(f"source:{summary.source}", f"source {summary.source}")
        self.progress.start_task(row)
        style = "[red]" if summary.status == "error" else ""
        self.progress.update(row, completed=1, status=one_line(describe_source(summary)))
        if style:
            name = escape(terminal_line(summary.source))
            self.progress.update(row, description=f"{style}source {name}[/]")

    def stage_started(self, name: str) -> None:
        row = self._row(f"stage:{name}", f"stage {name}")
        self.progress.start_task(row)
        self.progress.update(row, status="running")

    def stage_finished(self, name: str, counts: dict[str, int]) -> None:
        row = self._row(f"stage:{name}", f"stage {name}")
        self.progress.update(row, completed=1, status=describe_counts(counts))

    def stage_failed(self, name: str, error: str) -> None:
        row = self._row(f"stage:{name}", f"stage {name}")
        self.progress.update(
            row,
            completed=1,
            status=f"failed: {one_line(error)}",
            description=f"[red]stage {escape(name)}[/]",
        )


DESKWATCH_LOGGERS = (
    *("core", "ingest", "storage", "tagging", "diffing", "alerts", "pipeline"),
    *("flows", "deskwatch"),
)
"""The top-level loggers of deskwatch's packages (each module logs under its own name)."""


@contextmanager
def console_logs_silenced() -> Iterator[None]:
    """For `--quiet`: while the run lasts, log records reach no console, so the observer's one
    line per failed source is all stderr shows. deskwatch's loggers get a NullHandler (with no
    handler anywhere, Python prints warnings to stderr as a last resort), and handlers already
    writing to stdout or stderr (Prefect's console handler) are raised above CRITICAL. Other
    handlers (Prefect's API log handler, a log file) still get every record."""
    null = logging.NullHandler()
    for name in DESKWATCH_LOGGERS:
        logging.getLogger(name).addHandler(null)
    raised: list[tuple[logging.Handler, int]] = []
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and stream in (sys.stderr, sys.stdout):
                raised.append((handler, handler.level))
                handler.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, level in raised:
            handler.setLevel(level)
        for name in DESKWATCH_LOGGERS:
            logging.getLogger(name).removeHandler(null)


def choose_observer(*, quiet: bool, stream: IO[str]) -> RunObserver:
    if not quiet and stream.isatty():
        return LiveProgress(Console(file=stream))
    return LogLines(stream, errors_only=quiet)


def prefect_api_url() -> str | None:
    """The Prefect API deskwatch will use, as Prefect itself resolves it (imports Prefect)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when some level is missing or not a table."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _dotenv_value(path: Path, key: str) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and name.strip() == key:
            return value.strip().strip("'\"")
    return None


def configured_prefect_api(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> str | None:
    """The Prefect API URL configured where Prefect looks for it, in its order, without
    importing Prefect (~1 s): PREFECT_API_URL in the environment, then in ./.env, then
    ./prefect.toml (`[api] url`), ./pyproject.toml (`[tool.prefect.api] url`), then the active
    profile (PREFECT_PROFILE, else `active`) of PREFECT_PROFILES_PATH, else
    $PREFECT_HOME/profiles.toml, else ~/.prefect/profiles.toml. An empty value means none."""
    env = os.environ if environ is None else environ
    here = cwd or Path.cwd()
    key = "PREFECT_API_URL"
    if key in env:
        return env[key] or None
    dotenv = _dotenv_value(here / ".env", key)
    if dotenv is not None:
        return dotenv or None
    for found in (
        _dig(_toml(here / "prefect.toml"), "api", "url"),
        _dig(_toml(here / "pyproject.toml"), "tool", "prefect", "api", "url"),
    ):
        if found is not None:
            return str(found) or None
    home = Path(env.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = _toml(Path(env.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser())
    active = env.get("PREFECT_PROFILE") or profiles.get("active")
    url = _dig(profiles, "profiles", active, key) if isinstance(active, str) else None
    return str(url) if url else None


def _run_flow(
    app: App, observer: RunObserver, only: list[str] | None, sync: bool = False
) -> dict[str, Any]:
    """The run as the `deskwatch-run` flow in this process (imports Prefect)."""
    url = prefect_api_url()
    if url:  # a configured server that is down is one line, not Prefect's traceback
        check_prefect_api(url)
    from flows.run import deskwatch_run, observing

    clean_console_logs()  # Prefect's console handler, now that importing it set one up

    config_path = str(app.config.path) if app.config.path else None
    quiet = isinstance(observer, LogLines) and observer.errors_only
    with observing(observer), console_logs_silenced() if quiet else nullcontext():
        result: dict[str, Any] = deskwatch_run(config_path=config_path, only=only, sync=sync)
    return result


def run_once(
    app: App,
    *,
    quiet: bool = False,
    stream: IO[str] | None = None,
    only: list[str] | None = None,
    prefect: bool | None = None,
    sync: bool = False,
) -> dict[str, Any]:
    """Run once and return the summary (RunSummary.to_dict()): as the flow when `prefect` is
    True, in process when False, and when None as the flow exactly when a Prefect API is
    configured. Something unexpected raises pipeline.plan.RunFailed (a DeskwatchError) after the
    progress has shown the summary."""
    apply_defaults()
    if prefect is None:
        prefect = configured_prefect_api() is not None
    observer = choose_observer(quiet=quiet, stream=stream or sys.stderr)
    with observer if isinstance(observer, LiveProgress) else nullcontext():
        if prefect:
            return _run_flow(app, observer, only, sync)
        with console_logs_silenced() if quiet else nullcontext():
            return run_in_process(app, only=only, observer=observer, sync=sync).to_dict()


def executor_choice(*, prefect: bool, in_process: bool) -> bool | None:
    """The `prefect` argument of run_once for the run command's two flags."""
    if prefect and in_process:
        raise UsageError("give at most one of --prefect and --in-process")
    return True if prefect else False if in_process else None
