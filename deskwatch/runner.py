"""Run the `deskwatch-run` flow once, in process (Prefect starts a temporary local server when
no PREFECT_API_URL is set: no network, no telemetry)."""

from __future__ import annotations

from typing import Any

from deskwatch.app import App
from deskwatch.prefect_env import apply_defaults


def run_once(app: App, *, quiet: bool = False) -> dict[str, Any]:
    apply_defaults()
    from flows.run import deskwatch_run

    config_path = str(app.config.path) if app.config.path else None
    # the flow builds its own App from the config path; make it see the same database
    return deskwatch_run(config_path=config_path)
