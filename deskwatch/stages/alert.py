"""Alert stage: create alerts (the outbox) from committed tags and diffs, send immediate ones,
send digests.

(Placeholder of the foundation; the alerts work replaces the bodies.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskwatch.app import App
    from storage.db import Database


def create_alerts(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    return {}


def send_alerts(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    return {}


def send_digests(app: App, db: Database, *, frequency: str, now: datetime) -> dict[str, int]:
    return {}
