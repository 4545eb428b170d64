"""The `deskwatch` command line. Commands are thin: they call library functions, and open the
archive through deskwatch.archive (read-only unless they write).

Each area registers its commands from a module in deskwatch.commands. A DeskwatchError becomes one
line on stderr and a non-zero exit code (2 for bad config, usage or queries), never a traceback:
its first line, at most ERROR_WIDTH characters, with no control characters, and when that cut
something, where the whole text is kept."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer._click import exceptions as click  # typer 0.29 carries its own click
from typer.core import TyperGroup

from core.errors import ConfigError, DeskwatchError, FetchError, ParseError
from flows.prefect_env import apply_defaults

ERROR_WIDTH = 200
"""An error line is cut here: a failed run's error can be thousands of characters of SQL."""
EXIT_IO = 74
"""Exit code when the disk is full (sysexits' EX_IOERR)."""
EXIT_TRY_AGAIN = 75
"""Exit code when the database stayed locked past its timeout (sysexits' EX_TEMPFAIL)."""


def error_line(exc: DeskwatchError) -> str:
    """The one line the operator reads for `exc` (after `deskwatch: error: `)."""
    from deskwatch.output import terminal_text

    text = terminal_text(str(exc)).strip()
    lines = text.splitlines() or [type(exc).__name__]
    first = " ".join(lines[0].split()) or type(exc).__name__
    if len(lines) == 1 and (len(first) <= ERROR_WIDTH or getattr(exc, "whole", False)):
        return first  # `whole`: a sentence written to be read whole (pipeline.config_guard)
    if len(first) > ERROR_WIDTH:
        first = first[:ERROR_WIDTH].rstrip() + "..."
    return f"{first} [cut from {len(text)} characters; {_where_in_full(exc)}]"


def environment_error(exc: BaseException) -> tuple[str, int] | None:
    """The line and exit code of an error of the machine rather than of deskwatch: a database
    locked past its timeout, a full disk, a number the database cannot store. None for others
    (a bug: its traceback is wanted). Read from the exception and its causes, by errno, SQLSTATE
    or the database's message, so no driver needs importing here."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        state = str(getattr(getattr(seen, "orig", None), "sqlstate", "") or "")
        state = state or str(getattr(seen, "sqlstate", "") or "")
        text = str(seen).lower()
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return f"the disk is full: {seen.strerror} ({seen.filename or 'writing'})", EXIT_IO
        if "database or disk is full" in text or state == "53100" or "no space left" in text:
            return "the disk is full: the database could not write", EXIT_IO
        if "database is locked" in text or state == "55P03" or "lock timeout" in text:
            return (
                "the database stayed locked past its timeout (another deskwatch is writing); "
                "try again when it is done",
                EXIT_TRY_AGAIN,
            )
        if state == "22003" or "too large to convert" in text:
            return "a number is out of range (ids, limits and offsets are at most 2**63-1)", 2
        seen = seen.__cause__ or seen.__context__
    return None


def _where_in_full(exc: DeskwatchError) -> str:
    if isinstance(exc, ConfigError):
        return "deskwatch config check lists every problem"
    if isinstance(exc, FetchError | ParseError):
        return "deskwatch sources --json shows a source's last error whole"
    if type(exc).__name__ == "RunFailed":
        return "each source's error is whole in its run record (deskwatch sources --json)"
    return f"the whole text is in {_keep(str(exc))}"


def _keep(text: str) -> str:
    """Write an error's whole text to a file of its own in the temp directory; its path."""
    import tempfile

    handle, path = tempfile.mkstemp(prefix="deskwatch-error-", suffix=".txt")
    with open(handle, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    return path


ROOT_OPTIONS = ("--config", "-c")
"""The options of `deskwatch` itself, which go before the command name."""


EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""


def interrupted() -> NoReturn:
    """Ctrl-C: one line and exit code 130. When a source thread of the run is still reading
    (pipeline.plan.InProcess gave it its grace), the process ends at once rather than waiting
    for it at interpreter exit: its transaction was never committed, so the database drops it."""
    import threading

    from pipeline.plan import INGEST_THREADS

    print("deskwatch: interrupted", file=sys.stderr, flush=True)
    sys.stdout.flush()
    threads = threading.enumerate()
    reading = [t for t in threads if t.name.startswith(INGEST_THREADS) and t.is_alive()]
    if reading:
        os._exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_INTERRUPTED)


def usage_line(exc: click.UsageError) -> str:
    """The one line for a command line click refused (no box, no usage block). An option of
    deskwatch itself given after a command (`deskwatch releases --config x`) says where it goes."""
    ctx = exc.ctx
    name = getattr(exc, "option_name", None)
    if isinstance(exc, click.NoSuchOption) and name in ROOT_OPTIONS and ctx and ctx.parent:
        return f"{name} is an option of deskwatch itself: deskwatch {name} FILE {ctx.info_name} ..."
    text = " ".join(exc.format_message().split()).rstrip(".")
    where = f"; see {_command_path(ctx)} --help" if ctx is not None else ""
    return f"{text}{where}"


def _command_path(ctx: Any) -> str:
    """`deskwatch db upgrade`, whatever name the program was started under."""
    names: list[str] = []
    while ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["deskwatch", *names])


def ending(exc: BaseException) -> tuple[str, int] | None:
    """The one line (after `deskwatch: error: `) and the exit code deskwatch ends with for
    `exc`: a command line click refused, a deskwatch error, an error of the machine; None for a
    bug, whose traceback is wanted. (Ctrl-C is `interrupted`.)"""
    if isinstance(exc, click.UsageError):
        return usage_line(exc), exc.exit_code
    if isinstance(exc, DeskwatchError):
        return error_line(exc), exc.exit_code
    if isinstance(exc, Exception):
        return environment_error(exc)
    return None


class DeskwatchGroup(TyperGroup):
    """Turns deskwatch's own errors, and command lines click refuses, into one line on stderr
    and an exit code."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:  # `deskwatch --nosuch`: before any command runs
            print(f"deskwatch: error: {usage_line(exc)}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except Exception as exc:
            known = ending(exc)
            if known is None:
                raise
            print(f"deskwatch: error: {known[0]}", file=sys.stderr)
            raise typer.Exit(known[1]) from None


app = typer.Typer(
    cls=DeskwatchGroup,
    help="deskwatch: monitor official foreign-policy releases, tag and diff them, alert desk officers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self._app: Any = None

    @property
    def app(self) -> Any:
        from pipeline.app import App

        if self._app is None:
            self._app = App.load(self.config_path)
        return self._app


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="YAML config file (default: $DESKWATCH_CONFIG, else the bundled seeds config).",
        dir_okay=False,
    ),
) -> None:
    from deskwatch.output import clean_console_logs

    apply_defaults()
    clean_console_logs()  # a publisher's escape sequences never reach the terminal in a log line
    ctx.obj = State(config)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def _register() -> None:
    from deskwatch.commands import register_all

    register_all(app)


_register()


def main(argv: list[str] | None = None) -> None:
    apply_defaults()
    app(args=argv, prog_name="deskwatch")
