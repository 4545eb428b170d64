"""SQLite stage locks are byte-range locks on one `<database>.lock` file (issue 18: no longer
one `<database>.<stage>.lock` per stage in the working folder): a stage held by another process
is refused, another stage of the same file is free, and the holder's death frees its stage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import StorageError
from storage.db import open_database
from storage.locks import stage_lock

HOLDER = """
import sys
from storage.db import open_database
from storage.locks import stage_lock
db = open_database(sys.argv[1], upgrade=False)
with stage_lock(db, sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes stdin, or kills this process
"""


def _hold(url: str, name: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_one_lock_file_with_a_byte_per_stage_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deskwatch.db'}"
    db = open_database(url, upgrade=True)
    try:
        holder = _hold(url, "tag")
        try:
            with pytest.raises(StorageError, match="'tag' lock"):
                with stage_lock(db, "tag", timeout=0.5):
                    pass
            with stage_lock(db, "diff", timeout=0.5):  # another stage: another byte, free
                with stage_lock(db, "send", timeout=0.5):  # two held at once in one process
                    pass
        finally:
            holder.kill()  # SIGKILL: no clean-up, the kernel drops the record lock
            holder.wait(timeout=30)
        with stage_lock(db, "tag", timeout=10):
            pass
    finally:
        db.dispose()
    locks = sorted(p.name for p in tmp_path.iterdir() if "lock" in p.name)
    assert locks == ["deskwatch.db.lock"]
