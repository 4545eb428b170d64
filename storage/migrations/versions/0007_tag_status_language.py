"""Tag status, a version's language and untagged reason, subscriptions that take suggested tags

- `tags.status`: "tagged" (the evidence is enough) or "suggested" (some evidence, below the
  tagger's bar). Every existing tag was written by the old tagger, which kept only tags over
  the bar: they are "tagged" (the server default fills them).
- `release_versions.language` and `release_versions.untagged_reason`: the language the tag
  stage detected and, for a text the rules leave untagged on purpose (not English, with no
  English original linked), why. Existing versions have neither until they are retagged; the
  new taxonomy version retags them on the next run.
- `subscriptions.include_suggested`: whether suggested tags may alert the subscription
  (false for every existing one: nothing alerts that did not before).

SQLite alters the tables in batch mode (a copy of the table); Postgres adds the columns in place.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tags") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="tagged")
        )
    with op.batch_alter_table("release_versions") as batch:
        batch.add_column(sa.Column("language", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("untagged_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("include_suggested", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("include_suggested")
    with op.batch_alter_table("release_versions") as batch:
        batch.drop_column("untagged_reason")
        batch.drop_column("language")
    with op.batch_alter_table("tags") as batch:
        batch.drop_column("status")
