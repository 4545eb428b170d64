"""Migration 0011 (withdrawals) on an archive made under 0010, on SQLite (batch mode: the alerts
table is rebuilt, its view made again) and Postgres: the alerts kept, the unique key of version
alerts still holding, a withdrawal's alert allowed beside the version alert of the same version
once and only once; and back down to 0010 and up again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.exc import IntegrityError

from storage.db import alembic_config, open_database, pending_migrations, upgrade_database

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def _alert(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "email": "desk@example.org", "release_id": 1, "version_id": 1, "frequency": "immediate",
        "reasons": [], "status": "sent", "attempts": 0, "created_at": WHEN,
    }  # fmt: skip
    row.update(kw)
    return row


def test_withdrawals_migrate_up_and_down_with_the_alerts_kept(db_url: str) -> None:
    db = open_database(db_url)
    try:
        upgrade_database(db, "0010")
        with db.engine.begin() as conn:
            meta = MetaData()
            tables = {
                name: Table(name, meta, autoload_with=conn)
                for name in ("sources", "releases", "release_versions", "alerts")
            }
            conn.execute(
                tables["sources"].insert(),
                {"id": 1, "name": "s", "type": "govuk", "settings": {}, "enabled": True,
                 "created_at": WHEN},
            )  # fmt: skip
            conn.execute(
                tables["releases"].insert(),
                {"id": 1, "key": "k", "source_id": 1, "title": "t", "first_seen_at": WHEN,
                 "last_seen_at": WHEN, "withdrawn_notice": "Out of date. (withdrawn 2026-12-01)"},
            )  # fmt: skip
            conn.execute(
                tables["release_versions"].insert(),
                {"id": 1, "release_id": 1, "number": 1, "fetched_at": WHEN, "title": "t",
                 "raw": b"x", "content_type": "text/plain", "raw_sha256": "0", "text": "x",
                 "sha256": "0", "publisher_links": []},
            )  # fmt: skip
            conn.execute(tables["alerts"].insert(), _alert(id=1))

        upgrade_database(db)
        assert pending_migrations(db) == []
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT alert_id, withdrawal_id FROM v_alerts")).all()
            assert [tuple(r) for r in rows] == [(1, None)]
        alerts = Table("alerts", MetaData(), autoload_with=db.engine)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(alerts.insert(), _alert(id=2))  # the same version alert again
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO withdrawals (id, release_id, version_id, reason, withdrawn_at, "
                    "seen_at) VALUES (1, 1, 1, 'Out of date.', :at, :at)"
                ),
                {"at": WHEN.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else WHEN},
            )
            conn.execute(alerts.insert(), _alert(id=3, withdrawal_id=1))  # beside it: allowed
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(alerts.insert(), _alert(id=4, withdrawal_id=1))  # but once

        command.downgrade(alembic_config(db), "0010")
        assert "withdrawals" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            ids = conn.execute(text("SELECT alert_id FROM v_alerts")).scalars().all()
            assert ids == [1]  # the withdrawal's alert went with its table
        upgrade_database(db)
        assert pending_migrations(db) == []
    finally:
        db.dispose()
