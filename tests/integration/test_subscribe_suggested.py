"""`deskwatch subscribe --include-suggested` (issue 13): the flag the config file's
`include_suggested: true` already was, on the command line. It is stored, shown by
`subscriptions`, and a theme the tagger only suggests alerts the subscription that asks and not
the one beside it that does not. On SQLite and Postgres, through a real run of the seed (whose
climate-change theme is suggested only: tests/integration/test_tag_status.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from pipeline.plan import run_in_process
from storage.db import open_database
from storage.models import Alert
from tests.fixtures.cli import Cli
from tests.integration.test_alert_pipeline import seed_app

ASKS = "climate.desk@example.org"
PLAIN = "energy.desk@example.org"


def test_a_suggested_theme_alerts_only_the_subscription_with_the_flag(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    app = seed_app(tmp_path, db_url, [])
    config = str(tmp_path / "deskwatch.yaml")
    asks = cli(
        "--config", config, "subscribe", ASKS, "--theme", "climate-change", "--include-suggested"
    )
    assert asks.exit_code == 0, asks.stderr
    assert asks.stdout == (
        f"subscribed: {ASKS} (id 1): themes climate-change; suggested tags too · immediate\n"
    )
    plain = cli("--config", config, "subscribe", PLAIN, "--theme", "climate-change", "--json")
    assert plain.exit_code == 0, plain.stderr
    assert plain.json()["include_suggested"] is False

    listed = {r["email"]: r for r in cli("--config", config, "subscriptions", "--json").json()}
    assert listed[ASKS]["include_suggested"] is True
    assert listed[PLAIN]["include_suggested"] is False
    table = cli("--config", config, "subscriptions").stdout
    assert "suggested" in table
    assert [line.split("│")[7].strip() for line in table.splitlines() if "@" in line] == [
        "yes",
        "no",
    ]

    # after the subscriptions were made (now): a release fetched before them alerts nobody
    run_in_process(app, now=datetime.now(UTC) + timedelta(minutes=1))
    db = open_database(db_url)
    try:
        with db.session() as session:
            alerted = [
                (a.email, [r["value"] for r in a.reasons]) for a in session.scalars(select(Alert))
            ]
    finally:
        db.dispose()
    assert alerted == [(ASKS, ["climate-change"])]
