"""Defaults that every deskwatch entry point sets before Prefect is imported.

deskwatch runs inside government networks and sends no telemetry: Prefect's server analytics
(`PREFECT_SERVER_ANALYTICS_ENABLED`) and SDK usage statistics (`DO_NOT_TRACK`) are off unless the
user sets those variables. deskwatch's own loggers are handed to Prefect
(`PREFECT_LOGGING_EXTRA_LOGGERS`), so a flow run's log in the Prefect UI shows them. Flow runs
send a heartbeat every 30 s (`PREFECT_FLOWS_HEARTBEAT_FREQUENCY`), which the crash automation
of flows.crash_detection watches. A Prefect worker does not run this code before it starts:
give it the same variables (docs/operations.md, docker-compose.yml).

`apply_defaults()` never overrides a variable the user set; `prefer()` lets one entry point (e.g.
`deskwatch serve`, which wants INFO logs in the UI) change a default that deskwatch itself chose.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from core.errors import DeskwatchError

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # a temporary server on two busy cores can take longer than Prefect's 20 s default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "deskwatch,core,pipeline,ingest,storage,tagging,diffing,alerts",
    # the same loggers also speak outside flow runs (deskwatch ingest, retag, tests): there
    # Prefect's API handler has no run to attach the line to, and should stay quiet
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # a flow run's process says it is alive this often (Prefect's minimum; its default is 180):
    # the crash automation (flows.crash_detection) marks a run Crashed after 3 missed beats
    "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
}
NO_TELEMETRY = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
_MARK = "_DESKWATCH_DEFAULTED"  # the names deskwatch set itself (inherited by child processes)


def _ours(env: MutableMapping[str, str]) -> set[str]:
    return set(filter(None, env.get(_MARK, "").split(",")))


def apply_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    ours = _ours(env)
    for key, value in DEFAULTS.items():
        if key not in env:
            env[key] = value
            ours.add(key)
    env[_MARK] = ",".join(sorted(ours))


def prefer(key: str, value: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Set `key` unless the user set it (a value deskwatch defaulted may be changed)."""
    env = os.environ if environ is None else environ
    ours = _ours(env)
    if key not in env or key in ours:
        env[key] = value
        ours.add(key)
        env[_MARK] = ",".join(sorted(ours))


def check_prefect_api(url: str, *, timeout: float = 10.0) -> None:
    """Raise one clear DeskwatchError unless the Prefect API at `url` answers its health check."""
    import httpx

    try:
        response = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeskwatchError(f"cannot reach the Prefect API at {url}: {exc}") from None
    if response.status_code != 200:
        raise DeskwatchError(
            f"the Prefect API at {url} answered {response.status_code} to its health check"
        )
