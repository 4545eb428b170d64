"""Locks that make overlapping runs safe: two `deskwatch run` processes, or several Prefect workers
sharing one Postgres, do each piece of work once.

    lock_for_write(session)   inside a transaction: serialise the archive's writers
    stage_lock(db, name)      around a whole stage (tag, diff, alerts, send): one run at a time

Postgres uses advisory locks keyed by schema and name; the server drops them when the holder's
connection ends, so a run killed with SIGKILL never leaves one behind. SQLite already takes its
write lock at BEGIN (see storage.db), and a stage lock is an exclusive POSIX record lock
(`fcntl.lockf`) on one byte of the one file `<database file>.lock`, a byte per stage name, which
the kernel releases when the holder dies. Record locks belong to a process, not to a file
descriptor: threads of one process would not exclude each other, and closing any descriptor of
the file would drop all of the process's locks on it. So each process opens the file once and
keeps it open, and a threading lock per (file, name) makes its threads take turns first.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
import zlib
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


def sqlite_lock_path(db: Database) -> Path | None:
    """`<database file>.lock` beside a SQLite file; None for an in-memory database."""
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(f"{path.name}.lock")


def lock_offset(name: str) -> int:
    """The byte of the lock file that stands for stage `name` (the same in every process)."""
    return zlib.crc32(name.encode("utf-8"))


@contextmanager
def stage_lock(db: Database, name: str, *, timeout: float = 1800.0) -> Iterator[None]:
    """Run the block while no other process runs the block of the same `name` on this database.
    Waits up to `timeout` seconds, then raises StorageError."""
    if dialect.is_postgres(db.engine):
        with _advisory_lock(db, name, timeout):
            yield
    elif dialect.is_sqlite(db.engine) and (path := sqlite_lock_path(db)) is not None:
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


_open_files: dict[Path, int] = {}
_thread_locks: dict[tuple[Path, str], threading.Lock] = {}
_registry = threading.Lock()
_owner: dict[Path, int] = {}
"""The process that opened each descriptor: a forked child opens its own."""


def _held_open(path: Path, name: str) -> tuple[int, threading.Lock]:
    """This process's one descriptor of `path` (opened on first use, never closed: closing it
    would release every record lock the process holds on the file) and the threading lock of
    `name` on it."""
    with _registry:
        if path not in _open_files or os.getpid() != _owner.get(path):
            _open_files[path] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            _owner[path] = os.getpid()
        return _open_files[path], _thread_locks.setdefault((path, name), threading.Lock())


@contextmanager
def _file_lock(path: Path, name: str, timeout: float) -> Iterator[None]:
    import fcntl

    fd, in_process = _held_open(path, name)
    offset = lock_offset(name)
    deadline = time.monotonic() + timeout
    if not in_process.acquire(timeout=max(timeout, 0.0)):
        raise StorageError(
            f"another deskwatch run has held the {name!r} lock for over {timeout:.0f} s"
        )
    try:

        def try_once() -> bool:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
            except OSError as exc:  # EAGAIN or EACCES: another process holds the byte
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    return False
                raise
            return True

        _wait(try_once, name, max(deadline - time.monotonic(), 0.0))
        try:
            yield
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
    finally:
        in_process.release()
