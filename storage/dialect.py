"""The one place that asks which database a session talks to, and what differs between the two.

    is_postgres(bind) / is_sqlite(bind)   the question itself (a Session, Connection or Engine)
    insert(bind, model)                   an INSERT with .on_conflict_do_nothing / _do_update
    skip_locked(bind, query, *of)         FOR UPDATE SKIP LOCKED on Postgres, the query on SQLite

Everything else in storage/ is written once for both databases. Where it cannot be (the full-text
index, a date function), the module asks `is_postgres` here rather than reading the dialect's
name itself. On SQLite a writer already holds the database's write lock from BEGIN (storage.db),
so there is nothing to lock row by row.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

POSTGRES = "postgresql"
SQLITE = "sqlite"

Bind = Session | Connection | Engine
S = TypeVar("S", bound=Select[Any])


def name(bind: Bind) -> str:
    """The dialect's name: "postgresql" or "sqlite" (another name for a database we do not run)."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def is_postgres(bind: Bind) -> bool:
    return name(bind) == POSTGRES


def is_sqlite(bind: Bind) -> bool:
    return name(bind) == SQLITE


def insert(bind: Bind, model: Any) -> Any:
    """INSERT for the session's database, with ON CONFLICT (both databases support it, each
    through its own construct). Typed Any: the two Insert classes share no base with it."""
    module = postgresql if is_postgres(bind) else sqlite
    return module.insert(model)


def skip_locked(bind: Bind, query: S, *of: Any) -> S:
    """`query` taking row locks and skipping rows another transaction holds (Postgres), so that
    overlapping runs share the work; unchanged on SQLite, whose write lock is taken at BEGIN."""
    if is_postgres(bind):
        return query.with_for_update(skip_locked=True, of=of or None)
    return query
