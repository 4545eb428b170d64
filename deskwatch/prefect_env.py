"""Defaults that every deskwatch entry point sets before Prefect is imported.

deskwatch runs inside government networks and sends no telemetry: Prefect's server analytics
and SDK usage statistics are off unless the user explicitly turns them on."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # a temporary server on two busy cores can take longer than Prefect's 20 s default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def apply_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
