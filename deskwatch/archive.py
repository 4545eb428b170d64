"""The one way a command opens the archive, and always closes it (reader's `pass_reader`).

    with open_archive(app) as db:              read: the archive must exist at this deskwatch's
        ...                                    revision; nothing is created or migrated
    with open_archive(app, write=True) as db:  write: pending migrations are applied first

A read-only command against a missing or out-of-date archive stops with one line saying what to
run (storage.db.check_current), and leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a command runs, not for `deskwatch --help`
    from pipeline.app import App
    from storage.db import Database


@contextmanager
def open_archive(app: App, *, write: bool = False) -> Iterator[Database]:
    """The archive `app` names, opened for reading (default) or writing, disposed on the way
    out whatever happens."""
    from storage.db import open_database

    db = open_database(app.database_url, upgrade=write, read_only=not write)
    try:
        yield db
    finally:
        db.dispose()
