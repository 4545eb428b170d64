"""PostgreSQL: the latest version of a release from an index alone

The reading room's theme and country pages count the releases whose latest version carries a
tag (storage.reading_room.tag_timeline): for each tag of a common theme or country, the id of
its release's highest-numbered version. On SQLite the (release_id, number) unique index holds
the rowid, which is the id, so that lookup never reads a version row. On PostgreSQL it read the
version's heap row each time (wide rows: 22,000 of them took 300 ms of a 400 ms page at 100,000
releases); with `id` included in an index on (release_id, number) it is an index-only scan.

Named `search_*`, so that autogenerate (env.py) leaves it alone: it is not part of the models,
as the other Postgres-only search structures are not.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "search_release_versions_latest"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON release_versions (release_id, number DESC) "
        "INCLUDE (id)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
