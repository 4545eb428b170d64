"""Diff stage: version diffs and statement diffs of every version not yet diffed.

(Placeholder of the foundation; the diffing work replaces the body.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskwatch.app import App
    from storage.db import Database


def diff_pending(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    return {}
