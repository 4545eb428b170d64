"""The archive remembers how it is run: the archive_state table (one JSON value per key)

`run_config` holds the config the archive was last run with (its path and a hash of its sources
and subscriptions), so a run with another config does not disable the archive's sources or end
its subscriptions unless told to (`deskwatch run --sync`); `ops_notice` holds the failing health
checks last mailed to the operator, so an outage mails once when it starts and once when it ends.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_archive_state")),
    )


def downgrade() -> None:
    op.drop_table("archive_state")
