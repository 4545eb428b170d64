"""`deskwatch health`, `deskwatch metrics` and the monitoring endpoint of `serve`, against real
archives on SQLite and Postgres: a source failing runs in a row, an alert waiting past its SLO and
a claim left by a dead sender each turn the check red with the reason, and the exit code says so."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from pipeline.app import App
from pipeline.settings import Settings
from storage.db import open_database
from storage.models import Alert, ReleaseVersion
from tests.fixtures.cli import Cli
from tests.fixtures.servers import free_port

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "releases"


def write_config(tmp_path: Path, *, broken: bool) -> Path:
    sources: list[dict[str, object]] = [{"name": "seeds", "type": "files", "path": str(SEEDS)}]
    if broken:
        # nothing listens on this port: every read fails at once
        sources.append(
            {"name": "gone", "type": "feed", "url": f"http://127.0.0.1:{free_port()}/feed.atom"}
        )
    config = {
        "sources": sources,
        "fetching": {"retries": 0, "delay_s": 0},
        "run": {"source_retries": 0},
        "health": {"source_failures": 2, "alert_slo_minutes": 30},
    }
    path = tmp_path / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def add_alerts(db_url: str, *alerts: dict[str, object]) -> None:
    """Immediate alerts on the seed's one version, each with the columns given."""
    db = open_database(db_url)
    try:
        with db.session() as session:
            version = session.query(ReleaseVersion).one()
            for fields in alerts:
                session.add(
                    Alert(
                        release_id=version.release_id,
                        version_id=version.id,
                        frequency="immediate",
                        **fields,
                    )
                )
    finally:
        db.dispose()


def test_a_healthy_archive_exits_0(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, broken=False)
    assert cli("--config", str(config), "run").exit_code == 0
    result = cli("--config", str(config), "health", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = result.json()
    assert report["healthy"] is True
    assert {c["name"] for c in report["checks"]} >= {"source seeds", "mail", "claims", "runs"}


def test_a_source_failing_runs_in_a_row_is_unhealthy(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, broken=True)
    cli("--config", str(config), "run")
    once = cli("--config", str(config), "health", "--json").json()
    assert once["healthy"] is True  # one failure is below the limit of two
    cli("--config", str(config), "run")
    result = cli("--config", str(config), "health")
    assert result.exit_code == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("FAIL")]
    assert line.startswith("FAIL source gone: failed 2 runs in a row (last: ")
    assert result.stdout.splitlines()[-1] == "unhealthy"
    metrics = cli("--config", str(config), "metrics").stdout.splitlines()
    assert 'deskwatch_source_consecutive_failures{source="gone"} 2' in metrics
    assert "deskwatch_healthy 0" in metrics


def test_held_alerts_and_dead_senders_are_unhealthy(cli: Cli, tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, broken=False)
    assert cli("--config", str(config), "run").exit_code == 0
    now = datetime.now(UTC)
    add_alerts(
        db_url,
        {
            "email": "desk@example.org",
            "status": "pending",
            "created_at": now - timedelta(minutes=50),
            "last_error": "mail server unavailable: connection refused",
        },
        {
            "email": "other@example.org",
            "status": "sending",
            "created_at": now - timedelta(minutes=40),
            "claimed_at": now - timedelta(minutes=20),
            "claimed_by": "worker-that-died",
        },
    )
    result = cli("--config", str(config), "health", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in result.json()["checks"]}
    assert checks["mail"]["status"] == "failing"
    assert checks["mail"]["message"].startswith("an alert has waited 50 min (SLO 30 min)")
    assert "connection refused" in checks["mail"]["message"]
    assert checks["claims"]["status"] == "failing"
    assert checks["claims"]["message"].startswith("1 alert(s) held by a sender that stopped")


def test_the_monitoring_endpoint_serves_metrics_and_health(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    from deskwatch import monitoring

    config = write_config(tmp_path, broken=True)
    for _ in range(2):
        cli("--config", str(config), "run")
    app = App.load(config, settings=Settings(database_url=db_url))
    server = monitoring.start(app, port=0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = response.read().decode()
        assert 'deskwatch_source_consecutive_failures{source="gone"} 2' in body.splitlines()
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=30)
            raise AssertionError("an unhealthy deskwatch answered 200")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
            assert json.loads(exc.read())["healthy"] is False
        try:
            urllib.request.urlopen(f"{base}/other", timeout=30)
            raise AssertionError("an unknown path answered 200")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_an_alert_held_for_its_page_window_is_not_late(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    """Coalescing holds a version's alert until its page's window ends (no attempt made): it has
    waited only since then. One that failed attempts has waited since it was made."""
    config = write_config(tmp_path, broken=False)
    assert cli("--config", str(config), "run").exit_code == 0
    now = datetime.now(UTC)
    add_alerts(
        db_url,
        {
            "email": "desk@example.org",
            "status": "pending",
            "created_at": now - timedelta(minutes=70),
            "next_attempt_at": now - timedelta(minutes=5),
        },
    )
    checks = {
        c["name"]: c for c in cli("--config", str(config), "health", "--json").json()["checks"]
    }
    assert checks["mail"]["status"] == "ok"
    db = open_database(db_url)
    try:
        with db.session() as session:
            session.query(Alert).update({Alert.attempts: 2})
    finally:
        db.dispose()
    checks = {
        c["name"]: c for c in cli("--config", str(config), "health", "--json").json()["checks"]
    }
    assert checks["mail"]["status"] == "failing"
    assert checks["mail"]["message"].startswith("an alert has waited 70 min")
