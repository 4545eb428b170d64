"""Withdrawals: a release's withdrawal is a fact its subscribers are alerted of

A GOV.UK item's withdrawn notice was kept only as a line on the release (`withdrawn_notice`);
a withdrawal usually leaves the body as it was, so no new version was made and no one heard of
it. `withdrawals` holds each withdrawal once per (release, withdrawn_at) with its reason, when it
ended (the notice gone) and when the alert stage matched it; an alert of a withdrawal carries
its `withdrawal_id`. The alerts' unique key (email, version_id, frequency) becomes two: the same
key for version alerts (withdrawal_id IS NULL) and (email, withdrawal_id, frequency) for
withdrawal alerts, so a withdrawal mails each subscriber once however often the stage runs, even
about a version they were already mailed.

The view `v_alerts` (migration 0002) is made again around the change (SQLite rebuilds the table),
with the alert's `withdrawal_id` as its last column.

Releases withdrawn before this migration get no row now: the next run that reads one records its
withdrawal as already known (storage.withdrawals), without alerting it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from importlib import import_module

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NOT_A_WITHDRAWAL = sa.text("withdrawal_id IS NULL")
# the view of 0002 (a migration's module name is not an identifier), and with withdrawal_id
V_ALERTS = import_module("storage.migrations.versions.0002_search_and_views").VIEWS["v_alerts"]
V_ALERTS_WITHDRAWALS = V_ALERTS.replace(
    "v.number AS version_number", "v.number AS version_number, a.withdrawal_id"
)
assert V_ALERTS_WITHDRAWALS != V_ALERTS


def upgrade() -> None:
    op.create_table(
        "withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_withdrawals_release_id_releases")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["release_versions.id"],
            name=op.f("fk_withdrawals_version_id_release_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawals")),
        sa.UniqueConstraint(
            "release_id", "withdrawn_at", name=op.f("uq_withdrawals_release_id_withdrawn_at")
        ),
    )
    op.create_index(op.f("ix_withdrawals_checked_at"), "withdrawals", ["checked_at"])
    op.execute("DROP VIEW IF EXISTS v_alerts")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawal_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_withdrawal_id_withdrawals"),
            "withdrawals",
            ["withdrawal_id"],
            ["id"],
        )
        batch_op.drop_constraint("uq_alerts_email_version_id_frequency", type_="unique")
    op.create_index(
        "uq_alerts_version",
        "alerts",
        ["email", "version_id", "frequency"],
        unique=True,
        sqlite_where=NOT_A_WITHDRAWAL,
        postgresql_where=NOT_A_WITHDRAWAL,
    )
    op.create_index(
        "uq_alerts_withdrawal", "alerts", ["email", "withdrawal_id", "frequency"], unique=True
    )
    op.execute(f"CREATE VIEW v_alerts AS {V_ALERTS_WITHDRAWALS.strip()}")


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE withdrawal_id IS NOT NULL")
    op.execute("DROP VIEW IF EXISTS v_alerts")
    op.drop_index("uq_alerts_withdrawal", table_name="alerts")
    op.drop_index("uq_alerts_version", table_name="alerts")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_alerts_email_version_id_frequency", ["email", "version_id", "frequency"]
        )
        batch_op.drop_constraint("fk_alerts_withdrawal_id_withdrawals", type_="foreignkey")
        batch_op.drop_column("withdrawal_id")
    op.execute(f"CREATE VIEW v_alerts AS {V_ALERTS.strip()}")
    op.drop_index(op.f("ix_withdrawals_checked_at"), table_name="withdrawals")
    op.drop_table("withdrawals")
