"""`deskwatch run`: the `deskwatch-run` flow once, in process.

With no PREFECT_API_URL, Prefect starts a temporary local server on 127.0.0.1 for the run (no
network, no telemetry: see flows.prefect_env); with one, the run is recorded there.

In a terminal the run shows a live line per source and stage (rich). With `--quiet`, or when
stderr is not a terminal (cron, a pipe), it writes plain log lines to stderr instead: every
source and stage, or with `--quiet` only the sources that failed.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import IO, Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from core.errors import DeskwatchError
from flows.prefect_env import apply_defaults, check_prefect_api
from pipeline.app import App
from pipeline.steps import RunObserver
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
    return f"{summary.status}: {', '.join(parts)} ({summary.duration_s:.2f} s)"


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()) or "nothing to do"


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
            self._line(f"source {summary.source}: {describe_source(summary)}")

    def stage_finished(self, name: str, counts: dict[str, int]) -> None:
        if not self.errors_only:
            self._line(f"stage {name}: {describe_counts(counts)}")


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
        if key not in self.rows:
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
        self.progress.update(row, completed=1, status=describe_source(summary))
        if style:
            self.progress.update(row, description=f"{style}source {summary.source}[/]")

    def stage_started(self, name: str) -> None:
        row = self._row(f"stage:{name}", f"stage {name}")
        self.progress.start_task(row)
        self.progress.update(row, status="running")

    def stage_finished(self, name: str, counts: dict[str, int]) -> None:
        row = self._row(f"stage:{name}", f"stage {name}")
        self.progress.update(row, completed=1, status=describe_counts(counts))


def choose_observer(*, quiet: bool, stream: IO[str]) -> RunObserver:
    if not quiet and stream.isatty():
        return LiveProgress(Console(file=stream))
    return LogLines(stream, errors_only=quiet)


def prefect_api_url() -> str | None:
    """The Prefect API deskwatch will use: PREFECT_API_URL or the active Prefect profile."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def run_once(
    app: App, *, quiet: bool = False, stream: IO[str] | None = None, only: list[str] | None = None
) -> dict[str, Any]:
    """Run the flow once in this process and return its summary (RunSummary.to_dict())."""
    apply_defaults()
    url = prefect_api_url()
    if url:  # a configured server that is down is one line, not Prefect's traceback
        check_prefect_api(url)
    from flows.run import OBSERVERS, UnexpectedFailures, deskwatch_run

    observer = choose_observer(quiet=quiet, stream=stream or sys.stderr)
    config_path = str(app.config.path) if app.config.path else None
    OBSERVERS.append(observer)
    try:
        if isinstance(observer, LiveProgress):
            with observer:
                return deskwatch_run(config_path=config_path, only=only)
        return deskwatch_run(config_path=config_path, only=only)
    except UnexpectedFailures as exc:
        raise DeskwatchError(f"the run failed: {exc}") from None
    finally:
        OBSERVERS.remove(observer)
