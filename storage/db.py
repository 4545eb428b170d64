"""Engines, sessions and migrations.

`open_database(url)` gives a `Database` whose `session()` context manager owns one transaction:
it commits on success and rolls back on error. Repository functions take a Session and never
commit. SQLite gets WAL and a busy timeout so overlapping runs wait instead of failing.

Three ways to open an archive:

    open_database(url)                  as it is: no check, no migration (tests, `db upgrade`)
    open_database(url, upgrade=True)    apply pending migrations first (every writer)
    open_database(url, read_only=True)  it must already exist at this code's revision
                                        (`check_current`); nothing is created or migrated, and
                                        its connections refuse writes (the commands that read)
"""

from __future__ import annotations

import ast
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import StorageError
from storage.dialect import is_postgres

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
"""Alembic's table of the revisions an archive is at (its default name, which env.py keeps)."""
SQLITE_BUSY_TIMEOUT_MS = 60_000


def normalise_url(url: str) -> str:
    """Accept the common spellings of a Postgres URL and use psycopg 3 for all of them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _set_wal(cursor: Any) -> None:
    """Switch a writer's connection to WAL. On a new file two processes starting at once (two
    overlapping `deskwatch run`s) can meet here: SQLite may answer "database is locked" at once
    instead of waiting on the busy timeout, so wait and try again, within the same timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, read_only: bool = False) -> None:
    cursor = dbapi_connection.cursor()
    if read_only:
        # a reader leaves the file as it found it (deskwatch's own archives are WAL already)
        cursor.execute("PRAGMA query_only=ON")
    else:
        _set_wal(cursor)
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MB of page cache (the default is 2 MB): full-text search over a large archive re-reads
    # the same index pages (bench/bench_search.py)
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _postgres_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names; None for another database, memory or a `file:` URI."""
    parsed = make_url(normalise_url(url))
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser()


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for `url`. With read_only, every connection refuses writes, and SQLite readers
    begin deferred transactions (they do not queue for the write lock behind a run)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise StorageError(
                    f"cannot open SQLite database {database}: folder {parent} does not exist"
                )
        try:
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        except ArgumentError:  # sqlite://archive.db: a host where the path should be
            raise StorageError(
                f"invalid SQLite URL {url!r}: a file is sqlite:///relative/path.db "
                "or sqlite:////absolute/path.db (three or four slashes)"
            ) from None
        event.listen(engine, "connect", partial(_sqlite_pragmas, read_only=read_only))
        # let BEGIN take the write lock up front (BEGIN IMMEDIATE) so two writers queue on the
        # busy timeout instead of failing with "database is locked" on lock upgrade
        event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # noqa: BLE001 - e.g. a missing driver for an unknown dialect
        raise StorageError(f"cannot use database URL {redact(url)}: {exc}") from None
    if read_only and is_postgres(engine):
        event.listen(engine, "connect", _postgres_read_only)
    return engine


@dataclass
class Database:
    url: str
    engine: Engine
    sessionmaker: sessionmaker[Session]
    migrated: list[str] = field(default_factory=list)
    """The migrations `open_database(..., upgrade=True)` applied (none when it was current)."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self.sessionmaker() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = False, read_only: bool = False) -> Database:
    """Open the database at `url`; with upgrade=True apply pending migrations first; with
    read_only=True require an archive at this code's revision and refuse writes (a missing or
    out-of-date archive is a StorageError that says what to run)."""
    if upgrade and read_only:
        raise ValueError("a read-only archive is never migrated")
    engine = make_engine(url, read_only=read_only)
    path = sqlite_path(url)
    if read_only and path is not None and not path.is_file():
        engine.dispose()
        raise StorageError(_no_archive(url))
    db = Database(
        url=normalise_url(url),
        engine=engine,
        sessionmaker=sessionmaker(engine, expire_on_commit=False),
    )
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageError(f"cannot reach the database {redact(url)}: {reason}") from None
    try:
        if read_only:
            check_current(db)
        if upgrade:
            db.migrated = upgrade_database(db)
    except BaseException:
        engine.dispose()
        raise
    return db


def _no_archive(url: str) -> str:
    return f"no archive at {redact(url)}; run `deskwatch db upgrade` or `deskwatch run` first"


def check_current(db: Database) -> None:
    """Raise a StorageError unless the archive is at the revision this code's migrations end
    at: one that says there is no archive (no schema, or an empty SQLite file), that the archive
    is behind (run `deskwatch db upgrade`), or that a newer deskwatch has migrated it.

    The usual case, an archive at the head, is one query and no Alembic import (Alembic and the
    migration modules cost a read-only command a tenth of a second or more); Alembic is asked
    only to say what is wrong."""
    if code_heads() and stamped_revisions(db) == code_heads():
        return
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(db))
    current = current_revisions(db)
    heads = set(script.get_heads())
    if current == heads:
        return
    if not current:
        raise StorageError(_no_archive(db.url))
    where, have, need = redact(db.url), ", ".join(sorted(current)), ", ".join(sorted(heads))
    known = {rev.revision for rev in script.walk_revisions()}
    if current - known:
        raise StorageError(
            f"the archive at {where} is at revision {have}, which this deskwatch does not know "
            f"(it needs {need}): a newer deskwatch has migrated it"
        )
    raise StorageError(
        f"the archive at {where} is at revision {have}, this deskwatch needs {need}; "
        "run `deskwatch db upgrade`"
    )


def current_revisions(db: Database) -> set[str]:
    """The revisions the archive's schema is at (empty: no deskwatch schema there)."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def stamped_revisions(db: Database) -> set[str]:
    """What Alembic's version table says, read with a plain query (empty when there is none)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return set()
        return {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


@cache
def code_heads() -> frozenset[str]:
    """The revisions this code's migrations end at, from the `revision = "..."` and
    `down_revision = ...` lines of the files in migrations/versions, read as text (nothing is
    imported; a file that assigns no revision, such as __init__.py, is not a migration)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found = _assigned(path)
        if isinstance(found.get("revision"), str):
            revisions.add(found["revision"])
            down = found.get("down_revision")
            parents |= {down} if isinstance(down, str) else set(down or ())
    return frozenset(revisions - parents)


def _assigned(path: Path) -> dict[str, Any]:
    """The literal values assigned to plain names at the top level of a Python file."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name):
            try:
                values[target.id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def alembic_config(db: Database) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    # the stream of now: Config's default is the sys.stdout of when alembic.config was first
    # imported, which under a test's captured output (an in-process CLI run) is closed later
    cfg = AlembicConfig(stdout=sys.stdout)
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade_database(db: Database, revision: str = "head") -> list[str]:
    """Apply pending migrations and return them (to `head`: those `pending_migrations` listed).
    Safe to call from overlapping processes: on Postgres an advisory lock serialises them; on
    SQLite the BEGIN IMMEDIATE write lock does."""
    from alembic import command

    pending = pending_migrations(db) if revision == "head" else []
    command.upgrade(alembic_config(db), revision)
    return pending


def pending_migrations(db: Database) -> list[str]:
    """The migrations between the archive's revision and this code's head, newest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(db))
    current = current_revisions(db)
    pending: list[str] = []
    for rev in script.walk_revisions():  # from the head down: the history is one line
        if rev.revision in current:
            break
        pending.append(rev.revision)
    return pending
