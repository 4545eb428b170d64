"""Repository functions for subscriptions. They take a Session and never commit.

Config entries carry origin='config' and their spec's key; `sync_config_subscriptions` keeps the
table in line with the file: a new entry starts a row, an unchanged one keeps its row (and so
its start time), a removed or edited entry ends its row. `deskwatch subscribe` adds origin='cli'
rows; `deskwatch unsubscribe` ends rows with ended_reason='unsubscribed', and a config entry so
ended is not brought back by the next sync (until the entry itself changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFoundError, UsageError
from core.subscriptions import SubscriptionSpec
from storage.models import Subscription

ENDED_CONFIG = "config"
ENDED_UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    ended: int = 0
    kept: int = 0


def spec_of(row: Subscription) -> SubscriptionSpec:
    return SubscriptionSpec(
        email=row.email,
        name=row.name,
        themes=tuple(row.themes),
        countries=tuple(row.countries),
        keywords=tuple(row.keywords),
        frequency=row.frequency,
        focus_only=row.focus_only,
        include_suggested=row.include_suggested,
    )


def _row(spec: SubscriptionSpec, *, origin: str, now: datetime) -> Subscription:
    return Subscription(
        email=spec.email,
        name=spec.name,
        themes=list(spec.themes),
        countries=list(spec.countries),
        keywords=list(spec.keywords),
        frequency=spec.frequency,
        focus_only=spec.focus_only,
        include_suggested=spec.include_suggested,
        origin=origin,
        config_key=spec.key,
        created_at=now,
    )


def active_subscriptions(session: Session, *, email: str | None = None) -> list[Subscription]:
    query = select(Subscription).where(Subscription.ended_at.is_(None))
    if email is not None:
        query = query.where(Subscription.email == email)
    return list(session.scalars(query.order_by(Subscription.email, Subscription.id)))


def list_subscriptions(session: Session, *, include_ended: bool = False) -> list[Subscription]:
    if not include_ended:
        return active_subscriptions(session)
    query = select(Subscription).order_by(Subscription.email, Subscription.id)
    return list(session.scalars(query))


def sync_config_subscriptions(
    session: Session, specs: Sequence[SubscriptionSpec], *, now: datetime
) -> SyncResult:
    """Idempotent: syncing the same specs twice changes nothing the second time."""
    wanted = {spec.key: spec for spec in specs}
    rows = list(
        session.scalars(
            select(Subscription).where(
                Subscription.origin == "config",
                (Subscription.ended_at.is_(None))
                | (Subscription.ended_reason == ENDED_UNSUBSCRIBED),
            )
        )
    )
    active = {r.config_key: r for r in rows if r.ended_at is None}
    opted_out = {r.config_key for r in rows if r.ended_at is not None}
    added = ended = kept = 0
    for key, row in active.items():
        if key in wanted:
            kept += 1
        else:
            row.ended_at, row.ended_reason = now, ENDED_CONFIG
            ended += 1
    for key, spec in wanted.items():
        if key not in active and key not in opted_out:
            session.add(_row(spec, origin="config", now=now))
            added += 1
    session.flush()
    return SyncResult(added=added, ended=ended, kept=kept)


def add_subscription(
    session: Session, spec: SubscriptionSpec, *, now: datetime
) -> tuple[Subscription, bool]:
    """A CLI subscription; an identical active one is returned instead of a second row.
    Returns (row, created)."""
    for row in active_subscriptions(session, email=spec.email):
        if row.config_key == spec.key:
            return row, False
    row = _row(spec, origin="cli", now=now)
    session.add(row)
    session.flush()
    return row, True


def end_subscriptions(
    session: Session,
    email: str,
    *,
    now: datetime,
    subscription_id: int | None = None,
    all_: bool = False,
) -> list[Subscription]:
    """End one subscription of `email` (by id, or its only one), or all of them with all_."""
    rows = active_subscriptions(session, email=email)
    if not rows:
        raise NotFoundError(f"{email} has no active subscription")
    if subscription_id is not None:
        rows = [r for r in rows if r.id == subscription_id]
        if not rows:
            raise NotFoundError(f"{email} has no active subscription with id {subscription_id}")
    elif len(rows) > 1 and not all_:
        ids = ", ".join(str(r.id) for r in rows)
        raise UsageError(
            f"{email} has {len(rows)} subscriptions (ids {ids}): give --id ID for one or --all"
        )
    for row in rows:
        row.ended_at, row.ended_reason = now, ENDED_UNSUBSCRIBED
    session.flush()
    return rows
