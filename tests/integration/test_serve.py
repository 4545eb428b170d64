"""`deskwatch serve` refuses clearly when it cannot schedule, and builds its deployments from the
config's `schedule:` keys. (Serving for real is in tests/e2e/test_scheduled_smoke.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.app import App
from tests.fixtures.cli import Cli
from tests.fixtures.servers import LocalHTTPServer, Response


@pytest.fixture
def no_prefect_api() -> Iterator[None]:
    """No API URL, even when Prefect's test harness set one earlier in the session."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


def with_api(url: str) -> object:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: url})


@pytest.mark.usefixtures("no_prefect_api")
def test_serve_without_a_prefect_server_refuses_in_one_line(cli: Cli) -> None:
    result = cli("serve")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("deskwatch: error: no Prefect API to schedule on")
    assert "prefect server start --host 127.0.0.1" in result.stderr
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in result.stderr


def test_serve_with_an_unreachable_prefect_server_says_so(cli: Cli) -> None:
    from tests.fixtures.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/api"
    with with_api(url):  # type: ignore[attr-defined]
        result = cli("serve")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"deskwatch: error: cannot reach the Prefect API at {url}")
    assert "Traceback" not in result.stderr


def test_serve_with_every_schedule_disabled_has_nothing_to_serve(
    cli: Cli, tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    http_server.routes["/api/health"] = Response(b"true", 200)
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        "schedule:\n"
        "  run: {interval_seconds: 60, enabled: false}\n"
        "  daily_digest: {cron: '0 8 * * *', enabled: false}\n"
        "  weekly_digest: {cron: '0 8 * * 5', enabled: false}\n",
        encoding="utf-8",
    )
    with with_api(http_server.url("/api")):  # type: ignore[attr-defined]
        result = cli("--config", str(config), "serve")
    assert result.exit_code == 2
    assert "every schedule is disabled" in result.stderr


def test_deployments_follow_the_schedule_config(tmp_path: Path) -> None:
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    from flows.deployments import build_deployments

    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        "schedule:\n"
        "  run: {interval_seconds: 5}\n"
        "  weekly_digest: {cron: '0 9 * * 1', timezone: UTC}\n",
        encoding="utf-8",
    )
    deployments = {f"{d.flow_name}/{d.name}": d for d in build_deployments(App.load(config))}
    assert set(deployments) == {
        "deskwatch-run/scheduled",
        "deskwatch-digest/daily",
        "deskwatch-digest/weekly",
    }
    run = deployments["deskwatch-run/scheduled"]
    assert run.entrypoint == "flows.run.deskwatch_run"
    assert run.parameters == {"config_path": str(config.resolve())}
    [interval] = [s.schedule for s in run.schedules]
    assert isinstance(interval, IntervalSchedule) and interval.interval == timedelta(seconds=5)
    daily = deployments["deskwatch-digest/daily"]
    assert daily.parameters["frequency"] == "daily"
    [cron] = [s.schedule for s in daily.schedules]
    assert isinstance(cron, CronSchedule)
    assert (cron.cron, cron.timezone) == ("0 8 * * *", "Europe/London")
    [weekly] = [s.schedule for s in deployments["deskwatch-digest/weekly"].schedules]
    assert (weekly.cron, weekly.timezone) == ("0 9 * * 1", "UTC")  # type: ignore[union-attr]


def test_run_with_an_unreachable_prefect_server_says_so(cli: Cli) -> None:
    from tests.fixtures.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/api"
    with with_api(url):  # type: ignore[attr-defined]
        result = cli("run", "--prefect")  # an API set in Prefect's own settings, not the env
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"deskwatch: error: cannot reach the Prefect API at {url}: [Errno 111] Connection refused\n"
    )
