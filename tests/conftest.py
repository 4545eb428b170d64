"""Shared fixtures.

- `db_url` / `database`: every storage test runs on a fresh SQLite file and on a schema of its own
  in the PostgreSQL server at 127.0.0.1:5432 (dropped afterwards). Postgres tests are skipped when
  the server does not answer, unless DESKWATCH_TEST_REQUIRE_POSTGRES=1 (CI sets it), then they fail.
- `http_server`: a real HTTP server on 127.0.0.1 serving the bytes a test gives it.
- `smtp_server`: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.
- `prefect_harness`: Prefect's own test harness, one per session, only for tests that ask for it.
"""

from __future__ import annotations

import os
import tempfile

# Before anything imports Prefect: a private PREFECT_HOME, no telemetry, no heartbeats.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="deskwatch-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
for _name in [
    n for n in os.environ if n.startswith("DESKWATCH_") and n != "DESKWATCH_TEST_REQUIRE_POSTGRES"
]:
    del os.environ[_name]  # tests choose their own settings
os.environ.pop("PREFECT_API_URL", None)

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.databases",
    "tests.fixtures.cli",
    "tests.fixtures.archive",
    "tests.fixtures.mail",
    "tests.fixtures.prefect_server",
]
