"""A version's text kind: the page's (or a feed entry's own) full text, or a feed's summary

An entry whose link may not be followed (its host is not in the source's follow_hosts) is
stored from the text the feed gave it: its content when the entry carries it, else its
summary. `release_versions.text_kind` says which: "full" (a document, a page, or a feed
entry's own content) or "summary" (a feed entry's summary only), so that `show`, the reading
room and the mail can say a text is only the feed's summary.

Existing versions get NULL, meaning unknown, not "full": an entry with no link and only a
summary was stored from its summary before this, and which ones were is not recorded. Each
release's next version says its kind.

A plain ALTER TABLE on both databases (SQLite adds and drops a column in place since 3.35),
so the SQLite search triggers on release_versions and the views over it stay as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("release_versions", sa.Column("text_kind", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column("release_versions", "text_kind")
