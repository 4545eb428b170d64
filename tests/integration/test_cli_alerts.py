"""The alert commands, in process against a fresh database on each backend: subscriptions,
subscribe, unsubscribe, alerts (--failed, --json, retry), digest; and `deskwatch run` through
the deskwatch-run flow delivering to a real SMTP server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import SEEDS_DIR
from tests.fixtures.cli import Cli


def write_config(tmp_path: Path, subscriptions: list[dict[str, Any]]) -> str:
    path = tmp_path / "deskwatch.yaml"
    config = {
        "sources": [{"name": "seeds", "type": "files", "path": str(SEEDS_DIR / "releases")}],
        "subscriptions": subscriptions,
        "smtp": {"mail_from": "deskwatch@example.org", "outbox_dir": str(tmp_path / "outbox")},
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def test_subscribe_list_and_unsubscribe(cli: Cli) -> None:
    first = cli(
        "subscribe",
        "Ukraine.Desk@Example.org",
        "--theme",
        "ukraine-support",
        "--country",
        "ua",
        "--keyword",
        '"grain corridor"',
        "--frequency",
        "daily",
        "--name",
        "Ukraine desk",
        "--json",
    )
    assert first.exit_code == 0, first.stderr
    row = first.json()
    assert row["email"] == "ukraine.desk@example.org"
    assert (row["themes"], row["countries"], row["keywords"]) == (
        ["ukraine-support"],
        ["UA"],
        ["grain corridor"],
    )
    assert row["frequency"] == "daily" and row["origin"] == "cli" and row["created"] is True
    # the same subscription again is not a second row
    again = cli(
        "subscribe",
        "ukraine.desk@example.org",
        "-t",
        "ukraine-support",
        "-C",
        "UA",
        "-k",
        "grain corridor",
        "-f",
        "daily",
        "--name",
        "Ukraine desk",
    )
    assert again.exit_code == 0 and "already subscribed" in again.stdout
    assert cli("subscribe", "ukraine.desk@example.org", "--theme", "sanctions").exit_code == 0

    rows = cli("subscriptions", "--json").json()
    assert [r["themes"] for r in rows] == [["ukraine-support"], ["sanctions"]]
    csv = cli("subscriptions", "--csv").stdout.splitlines()
    assert csv[0] == "id,email,themes,countries,keywords,frequency,include_suggested,origin"

    two = cli("unsubscribe", "ukraine.desk@example.org")
    assert two.exit_code == 2
    assert "has 2 subscriptions" in two.stderr and "--all" in two.stderr
    one = cli("unsubscribe", "ukraine.desk@example.org", "--id", str(rows[1]["id"]))
    assert one.exit_code == 0, one.stderr
    assert [r["id"] for r in cli("subscriptions", "--json").json()] == [rows[0]["id"]]
    assert cli("unsubscribe", "UKRAINE.desk@example.org", "--all").exit_code == 0
    assert cli("subscriptions", "--json").json() == []
    ended = cli("subscriptions", "--all", "--json").json()
    assert [r["ended_reason"] for r in ended] == ["unsubscribed", "unsubscribed"]
    missing = cli("unsubscribe", "nobody@example.org")
    assert (
        missing.exit_code == 1 and "nobody@example.org has no active subscription" in missing.stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--theme", "sanctions"], "invalid email address 'not-an-email'"),
        (["a@example.org", "--theme", "no-such-theme"], "unknown theme id 'no-such-theme'"),
        (["a@example.org", "--country", "ZZ"], "unknown country code 'ZZ'"),
        (["a@example.org"], "needs at least one theme, country or keyword"),
        (
            ["a@example.org", "--keyword", "x", "--focus-only"],
            "focus_only needs at least one country",
        ),
        (["a\r\nBcc: b@example.org", "--theme", "sanctions"], "invalid email address"),
    ],
)
def test_subscribe_refuses_bad_input(cli: Cli, args: list[str], message: str) -> None:
    result = cli("subscribe", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("deskwatch: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_alerts_list_failed_retry_and_digest(cli: Cli, tmp_path: Path, smtp_server) -> None:
    config = write_config(
        tmp_path,
        [
            {"email": "refused@example.org", "themes": ["middle-east-escalation"]},
            {"email": "daily@example.org", "themes": ["indo-pacific"], "frequency": "daily"},
        ],
    )
    env = {
        "DESKWATCH_CONFIG": config,
        "DESKWATCH_SMTP_HOST": smtp_server.host,
        "DESKWATCH_SMTP_PORT": str(smtp_server.port),
    }
    smtp_server.sink.refuse.add("refused@example.org")
    from pipeline.app import App
    from pipeline.plan import run_in_process
    from pipeline.settings import Settings

    app = App.load(
        config,
        Settings(
            database_url=cli.env["DESKWATCH_DATABASE_URL"],
            **{"smtp_host": smtp_server.host, "smtp_port": smtp_server.port},
        ),
    )
    assert run_in_process(app).totals()["alerts_failed"] == 1

    rows = cli("alerts", "--json", env=env).json()
    assert sorted((r["email"], r["status"]) for r in rows) == [
        ("daily@example.org", "pending"),
        ("refused@example.org", "failed"),
    ]
    [failed] = cli("alerts", "--failed", "--json", env=env).json()
    assert failed["email"] == "refused@example.org" and "550" in failed["last_error"]
    assert failed["reasons"] == ["theme:middle-east-escalation"]
    table = cli("alerts", "--failed", env=env)
    assert table.exit_code == 0 and "│ failed" in table.stdout and "refused@" in table.stdout
    bad = cli("alerts", "--status", "lost", env=env)
    assert bad.exit_code == 2 and "unknown alert status 'lost'" in bad.stderr

    smtp_server.sink.refuse.clear()
    retried = cli("alerts", "retry", env=env)
    assert retried.exit_code == 0 and "1 failed alert(s) re-queued" in retried.stdout
    assert cli("alerts", "--failed", "--json", env=env).json() == []
    assert run_in_process(app).totals()["alerts_sent"] == 1
    assert len(smtp_server.sink.to("refused@example.org")) == 1

    digest = cli("digest", "--frequency", "daily", "--json", env=env)
    assert digest.exit_code == 0, digest.stderr
    assert digest.json() == {"digests_sent": 1, "digest_alerts": 1, "digests_deferred": 0}
    [mail] = smtp_server.sink.to("daily@example.org")
    assert mail["Subject"].startswith("[deskwatch] Daily digest · 1 release · ")
    assert cli("digest", "--frequency", "daily", "--json", env=env).json()["digests_sent"] == 0
    wrong = cli("digest", "--frequency", "monthly", env=env)
    assert wrong.exit_code == 2


def test_deskwatch_run_delivers_each_alert_once(cli: Cli, tmp_path: Path, smtp_server) -> None:
    config = write_config(
        tmp_path,
        [
            {"email": "mideast.desk@example.org", "themes": ["middle-east-escalation"]},
            {"email": "ukraine.desk@example.org", "themes": ["ukraine-support"]},
        ],
    )
    env = {
        "DESKWATCH_CONFIG": config,
        "DESKWATCH_SMTP_HOST": smtp_server.host,
        "DESKWATCH_SMTP_PORT": str(smtp_server.port),
    }
    first = cli("run", "--json", env=env)
    assert first.exit_code == 0, first.stderr
    assert first.json()["totals"]["alerts_sent"] == 2
    assert len(smtp_server.sink.to("mideast.desk@example.org")) == 1
    assert len(smtp_server.sink.to("ukraine.desk@example.org")) == 1
    second = cli("run", "--json", env=env)
    assert second.json()["totals"]["alerts_sent"] == 0
    assert len(smtp_server.sink.messages) == 2


def test_unsubscribing_a_config_entry_sticks_and_cancels_queued_alerts(
    cli: Cli, tmp_path: Path
) -> None:
    from pipeline.app import App
    from pipeline.plan import run_in_process
    from pipeline.settings import Settings

    config = write_config(
        tmp_path, [{"email": "daily@example.org", "themes": ["indo-pacific"], "frequency": "daily"}]
    )
    env = {"DESKWATCH_CONFIG": config}
    app = App.load(config, Settings(database_url=cli.env["DESKWATCH_DATABASE_URL"]))
    first = run_in_process(app).totals()
    # the config's subscription was added by this run (synced before ingest) and matched
    assert first["subscriptions_added"] == 1 and first["alerts_created"] == 1
    [row] = cli("alerts", "--json", env=env).json()
    assert row["status"] == "pending"  # waiting for the daily digest

    result = cli("unsubscribe", "daily@example.org", env=env)
    assert result.exit_code == 0, result.stderr
    assert "from the config file: remove it there too" in result.stdout
    assert "1 queued alert(s) cancelled" in result.stdout
    assert [r["status"] for r in cli("alerts", "--json", env=env).json()] == ["cancelled"]
    # the next run syncs the config again: the entry stays ended, nothing is sent
    totals = run_in_process(app).totals()
    assert totals["subscriptions_added"] == 0
    assert cli("subscriptions", "--json", env=env).json() == []
    assert cli("digest", "--frequency", "daily", "--json", env=env).json()["digests_sent"] == 0
    assert not (tmp_path / "outbox").exists()
