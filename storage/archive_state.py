"""What the archive remembers about how it is run: small JSON values by key (archive_state).

    read_state(session, key)               the value, or None when never written
    write_state(session, key, value, now)  insert or replace it
    sources_to_disable(session, names)     the enabled sources a config of `names` would disable
    subscriptions_to_end(session, keys)    the active config subscriptions it would end

The keys in use: RUN_CONFIG (pipeline.config_guard) and OPS_NOTICE (pipeline.ops_notice).
Like every repository function these never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ArchiveState, Source, Subscription

RUN_CONFIG = "run_config"
OPS_NOTICE = "ops_notice"


def read_state(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(ArchiveState, key)
    return dict(row.value) if row is not None else None


def write_state(session: Session, key: str, value: dict[str, Any], *, now: datetime) -> None:
    row = session.get(ArchiveState, key)
    if row is None:
        session.add(ArchiveState(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    session.flush()


def sources_to_disable(session: Session, configured: Iterable[str]) -> list[str]:
    """The enabled sources not named in `configured`: what syncing that config would disable."""
    names = list(configured)
    query = select(Source.name).where(Source.enabled.is_(True), Source.name.not_in(names))
    return sorted(session.scalars(query))


def subscriptions_to_end(session: Session, keys: Iterable[str]) -> int:
    """Active subscriptions from a config whose key is not in `keys`: what syncing would end."""
    wanted = set(keys)
    rows = session.scalars(
        select(Subscription.config_key).where(
            Subscription.origin == "config", Subscription.ended_at.is_(None)
        )
    )
    return sum(1 for key in rows if key not in wanted)
