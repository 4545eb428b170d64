"""The `deskwatch` command line. Commands are thin: they call library functions, and open the
archive through deskwatch.archive (read-only unless they write).

Each area registers its commands from a module in deskwatch.commands. A DeskwatchError becomes one
line on stderr and a non-zero exit code (2 for bad config, usage or queries), never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from core.errors import DeskwatchError
from flows.prefect_env import apply_defaults


class DeskwatchGroup(TyperGroup):
    """Turns deskwatch's own errors into one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DeskwatchError as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"deskwatch: error: {message}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None


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
    apply_defaults()
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
