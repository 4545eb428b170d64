"""Phrase uses once per version: one row per (phrase, version), no basis column, with a weight

Before, a version wrote every key phrase under each of its themes and countries (about 10,500
rows for a long page on 8 themes); a basis's history is now the version's tags joined at query
time, and only lexicon formulae and the version's top key phrases are recorded (diffing.history).

The old rows are dropped, not converted: they were dated by the release's first publication,
which is the error this fixes, and the diffing algorithm's new version
(diffing.ALGORITHM_VERSION) re-diffs every version on the next run, which records the uses anew
with each version's own time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _drop() -> None:
    op.drop_table("phrase_uses")


def _create(*, with_basis: bool) -> None:
    columns: list[sa.Column[object]] = [sa.Column("id", sa.Integer(), nullable=False)]
    if with_basis:
        columns.append(sa.Column("basis", sa.String(length=200), nullable=False))
    columns += [
        sa.Column("phrase", sa.String(length=300), nullable=False),
    ]
    if not with_basis:
        columns.append(sa.Column("weight", sa.Float(), nullable=False))
    columns += [
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(timezone=True), nullable=False),
    ]
    unique = ("basis", "phrase", "version_id") if with_basis else ("phrase", "version_id")
    op.create_table(
        "phrase_uses",
        *columns,
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_phrase_uses_release_id_releases")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["release_versions.id"],
            name=op.f("fk_phrase_uses_version_id_release_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_uses")),
        sa.UniqueConstraint(*unique, name=op.f(f"uq_phrase_uses_{'_'.join(unique)}")),
    )
    with op.batch_alter_table("phrase_uses", schema=None) as batch_op:
        if with_basis:
            batch_op.create_index(
                "ix_phrase_uses_basis_phrase_used_at", ["basis", "phrase", "used_at"], unique=False
            )
        else:
            batch_op.create_index(
                "ix_phrase_uses_phrase_used_at", ["phrase", "used_at"], unique=False
            )
        batch_op.create_index(batch_op.f("ix_phrase_uses_version_id"), ["version_id"], unique=False)


def upgrade() -> None:
    _drop()
    _create(with_basis=False)
    # re-diff everything, whatever the algorithm's version: the uses are rebuilt by the diff stage
    op.execute("UPDATE release_versions SET diffed_with = NULL")


def downgrade() -> None:
    _drop()
    _create(with_basis=True)
    op.execute("UPDATE release_versions SET diffed_with = NULL")
