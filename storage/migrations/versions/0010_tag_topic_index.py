"""The tags' (kind, value, version_id) index made covering for the theme and country pages

storage.reading_room.tag_timeline and top_phrases select the tags of one theme or country by
(kind, value) and then read, of each, its status, origin, focus, version and release. The
(kind, value, version_id) index held only some of those, so SQLite read every tag row of a
common tag (9,000-22,000 rows at 100,000 releases, 40-60 ms a query). The index now holds them
all after its three columns, so the pages read the tags from the index alone, and every plan
that used the index (a search's tag filters and facets: equality on kind, value and version)
uses it as before. A separate (kind, value, status, ...) index was tried first: SQLite then
took it for a search's per-version tag check (kind, value and status equal) and for the home
page's tags of the newest versions (kind IN (...)), and walked every tag of the value or kind.

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

INDEX = "ix_tags_kind_value_version_id"
NARROW = ["kind", "value", "version_id"]
COVERING = [*NARROW, "status", "origin", "focus", "release_id"]


def upgrade() -> None:
    op.drop_index(INDEX, table_name="tags")
    op.create_index(INDEX, "tags", COVERING)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tags")
    op.create_index(INDEX, "tags", NARROW)
