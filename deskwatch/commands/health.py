"""Commands for monitoring: `health` (checks with an exit code) and `metrics` (Prometheus text).

Both are read-only: they open the archive without migrating it (deskwatch.archive) and change
nothing. `deskwatch serve --metrics-port` serves the same two as /metrics and /healthz.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from deskwatch.archive import open_archive
from deskwatch.cli import state

if TYPE_CHECKING:
    from pipeline.app import App

UNHEALTHY = 1
"""The exit code of `deskwatch health` when a check fails (monitoring alerts on non-zero)."""


def health(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
) -> None:
    """Check that deskwatch is working: sources reading, mail going out, runs happening.

    Exits 0 when every check passes and 1 when one fails (the config key `health:` sets the
    limits), so a monitoring system or a container healthcheck can run it.

    Example: deskwatch health --json
    """
    from pipeline.health import check

    app = state(ctx).app
    with open_archive(app) as db:
        _facts, report = check(app, db, now=datetime.now(UTC))
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for item in report.checks:
            mark = "ok  " if item.status == "ok" else "FAIL"
            print(f"{mark} {item.name}: {item.message}")
        print("healthy" if report.healthy else "unhealthy")
    if not report.healthy:
        raise typer.Exit(UNHEALTHY)


def metrics(ctx: typer.Context) -> None:
    """Print deskwatch's metrics in the Prometheus text format (sources, runs, alerts, send
    latency, health).

    Example: deskwatch metrics > /var/lib/node_exporter/textfile/deskwatch.prom
    """
    print(render_metrics(state(ctx).app), end="")


def render_metrics(app: App) -> str:
    """The metrics page, read fresh from the archive (also served by `serve --metrics-port`)."""
    from pipeline.health import check, metrics_text

    with open_archive(app) as db:
        facts, report = check(app, db, now=datetime.now(UTC))
    return metrics_text(facts, report)


def register(app: typer.Typer) -> None:
    app.command()(health)
    app.command()(metrics)
