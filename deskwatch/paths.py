"""Files and folders named on the command line. One that is not there stops the command before
it does anything, with one line naming it and exit code 2 (core.errors.UsageError), the same in
every command that takes a path (`ingest`, `eval`, `config check`), as click's `exists=True`
does for sqlite-utils: `deskwatch: error: ./statement.txt: no such file or folder`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.errors import UsageError

MISSING = "no such file or folder"


def require(paths: Iterable[Path | None]) -> None:
    """A UsageError naming every given path that does not exist (None: not given)."""
    missing = [str(p) for p in paths if p is not None and not p.exists()]
    if missing:
        raise UsageError(f"{', '.join(missing)}: {MISSING}")
