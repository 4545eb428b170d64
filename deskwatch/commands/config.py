"""`deskwatch config check [FILE]`: validate a config before it is deployed.

Reads the file only: no archive is opened, nothing is sent, no server is asked. Each problem is
one line on stdout and the exit code is 2 when there is any (pipeline.config_check). A file that
is not there is one line on stderr and exit code 2, as for any command given it with --config.
"""

from __future__ import annotations

from pathlib import Path

import typer

from core.errors import ConfigError
from deskwatch.cli import state

config_app = typer.Typer(help="The config file.", no_args_is_help=True)


@config_app.command("check")
def check(
    ctx: typer.Context,
    file: Path | None = typer.Argument(
        None,
        help="The config file (default: --config, else $DESKWATCH_CONFIG, else the bundled one).",
        dir_okay=False,
    ),
) -> None:
    """Check a config file: sources, subscriptions (theme ids, countries, addresses), smtp and
    schedule. Prints each problem on one line and exits 2 when there is one; then the schedule,
    which `deskwatch serve` registers when it starts (restart it after a schedule change).

    Example: deskwatch config check /etc/deskwatch.yaml
    """
    from pipeline.config_check import check as check_config
    from pipeline.settings import Settings

    root = state(ctx)
    settings = Settings()
    path = file if file is not None else root.config_path or settings.config
    if path is not None and not Path(path).exists():  # the line every command gives for it
        raise ConfigError(f"{path}: config file not found")
    problems, notes = check_config(path, settings)
    for line in problems:
        print(f"problem: {line}")
    for line in notes:
        print(line)
    label = str(path) if path is not None else "the bundled default config"
    if problems:
        print(f"{label}: {len(problems)} problem{'' if len(problems) == 1 else 's'}")
        raise typer.Exit(2)
    print(f"{label}: ok")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
