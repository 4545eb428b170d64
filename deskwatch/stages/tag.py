"""Tag stage: tag every stored version not yet tagged with the current taxonomy.

(Placeholder of the foundation; the tagging work replaces the body.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskwatch.app import App
    from storage.db import Database


def tag_pending(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    return {}
