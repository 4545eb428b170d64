"""A covering index on tags for the theme and country pages

storage.reading_room.tag_timeline and top_phrases select the tags of one theme or country by
(kind, value) and then read, of each, its status, origin, focus, version and release. The
(kind, value) and (kind, value, version_id) indexes hold only some of those, so SQLite read
every tag row of a common tag (9,000-22,000 rows at 100,000 releases, 40-60 ms a query). This
index holds them all: the tags are then read from the index alone. It is in the models too
(storage.models.Tag), on both databases.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = "ix_tags_topic"
COLUMNS = ["kind", "value", "status", "origin", "focus", "version_id", "release_id"]


def upgrade() -> None:
    op.create_index(INDEX, "tags", COLUMNS)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tags")
