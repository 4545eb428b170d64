"""Locks that make overlapping runs safe: two `deskwatch run` processes, or several Prefect workers
sharing one Postgres, do each piece of work once.

    lock_for_write(session)   inside a transaction: serialise the archive's writers
    stage_lock(db, name)      around a whole stage (tag, diff, alerts, send): one run at a time

Postgres uses advisory locks keyed by schema and name; the server drops them when the holder's
connection ends, so a run killed with SIGKILL never leaves one behind. SQLite already takes its
write lock at BEGIN (see storage.db), and a stage lock is an exclusive `flock` on
`<database file>.<name>.lock`, which the kernel releases when the holder dies.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.errors import StorageError
from storage import dialect
from storage.db import Database

log = logging.getLogger("deskwatch.locks")
POLL_SECONDS = 0.2
_KEY = "hashtextextended(current_schema() || ':' || :name, 0)"


def lock_for_write(session: Session, name: str = "archive") -> None:
    """Hold `name` until the session's transaction ends. On SQLite the transaction already holds
    the database's write lock, so this does nothing there."""
    if dialect.is_postgres(session):
        session.execute(text(f"SELECT pg_advisory_xact_lock({_KEY})"), {"name": name})


def sqlite_lock_path(db: Database, name: str) -> Path | None:
    """`<database file>.<name>.lock` beside a SQLite file; None for an in-memory database."""
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(f"{path.name}.{name}.lock")


@contextmanager
def stage_lock(db: Database, name: str, *, timeout: float = 1800.0) -> Iterator[None]:
    """Run the block while no other process runs the block of the same `name` on this database.
    Waits up to `timeout` seconds, then raises StorageError."""
    if dialect.is_postgres(db.engine):
        with _advisory_lock(db, name, timeout):
            yield
    elif dialect.is_sqlite(db.engine) and (path := sqlite_lock_path(db, name)) is not None:
        with _file_lock(path, name, timeout):
            yield
    else:
        yield


def _wait(try_once: object, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waited = False
    while not try_once():  # type: ignore[operator]
        if not waited:
            log.info("waiting for another run to finish %s", name)
            waited = True
        if time.monotonic() > deadline:
            raise StorageError(
                f"another deskwatch run has held the {name!r} lock for over {timeout:.0f} s"
            )
        time.sleep(POLL_SECONDS)


@contextmanager
def _advisory_lock(db: Database, name: str, timeout: float) -> Iterator[None]:
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")

        def try_once() -> bool:
            return bool(conn.scalar(text(f"SELECT pg_try_advisory_lock({_KEY})"), {"name": name}))

        _wait(try_once, name, timeout)
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({_KEY})"), {"name": name})


@contextmanager
def _file_lock(path: Path, name: str, timeout: float) -> Iterator[None]:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait(try_once, name, timeout)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
