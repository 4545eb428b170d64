"""Alembic environment: deskwatch passes its engine in `config.attributes["engine"]`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from storage.models import Base

config = context.config
target_metadata = Base.metadata
# a constant key for pg_advisory_xact_lock, so overlapping `deskwatch run`s migrate one at a time
MIGRATION_LOCK_KEY = 0x6465736B  # "desk"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """The full-text search tables (SQLite FTS5 and its shadow tables, Postgres search_documents)
    and indexes are made by raw SQL in migration 0002, not by models: autogenerate must not see
    them."""
    searchy = type_ in ("table", "index") and name is not None and name.startswith("search_")
    return not searchy


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY}
                )
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("deskwatch migrations run online only (deskwatch db upgrade)")
run_migrations_online()
