"""Stage locks and write locks exclude other holders, on SQLite (flock) and Postgres (advisory
locks), and are released when the holder ends."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from core.errors import StorageError
from storage.db import Database
from storage.locks import lock_for_write, stage_lock
from storage.models import Source


def test_a_stage_lock_is_held_by_one_holder_at_a_time(database: Database) -> None:
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with stage_lock(database, "tag"):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(30)
        with pytest.raises(StorageError, match="held the 'tag' lock"):
            with stage_lock(database, "tag", timeout=0.5):
                pass
        with stage_lock(database, "diff", timeout=0.5):  # another name is free
            pass
    finally:
        release.set()
        thread.join(30)
    with stage_lock(database, "tag", timeout=5):  # released by the holder
        pass


def test_a_waiting_stage_runs_once_the_holder_is_done(database: Database) -> None:
    order: list[str] = []
    held = threading.Event()

    def holder() -> None:
        with stage_lock(database, "send"):
            held.set()
            time.sleep(0.5)
            order.append("first")

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(30)
    with stage_lock(database, "send", timeout=30):
        order.append("second")
    thread.join(30)
    assert order == ["first", "second"]


def test_writers_take_turns(database: Database) -> None:
    """Two transactions that read-then-insert the same source do not both insert it."""
    inside = threading.Event()
    errors: list[BaseException] = []

    def writer(wait: bool) -> None:
        try:
            with database.session() as session:
                lock_for_write(session)
                if session.scalar(select(Source).where(Source.name == "shared")) is None:
                    if wait:
                        inside.set()
                        time.sleep(0.5)
                    session.add(Source(name="shared", type="files", settings={}))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    first = threading.Thread(target=writer, args=(True,))
    first.start()
    assert inside.wait(30)
    writer(False)
    first.join(30)
    assert errors == []
    with database.session() as session:
        assert len(session.scalars(select(Source)).all()) == 1
