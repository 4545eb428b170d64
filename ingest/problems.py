"""What one bad item may raise without failing its source.

A reader catches `ITEM_ERRORS` around each item (a feed entry, a file, a search result) and
records the item as a problem of the source's run: its key or path, and what failed. The rest of
the source is read and stored. DeskwatchError is deskwatch's own description of bad input; a
ValueError (UnicodeError among them) is what the standard library raises on malformed input it
is handed, such as a URL with port 99999. Anything else is a bug and fails the source loudly
(and the ingest stage still records that failure in source_runs).
"""

from __future__ import annotations

from core.errors import DeskwatchError

ITEM_ERRORS: tuple[type[Exception], ...] = (DeskwatchError, ValueError)


def item_problem(item: str, exc: Exception) -> str:
    """One line: the item, then what failed (the message alone when it already names the item)."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, DeskwatchError):
        message = f"{type(exc).__name__}: {message}"
    return message if message.startswith(item) else f"{item}: {message}"
