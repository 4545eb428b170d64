"""Repository functions for the alerts outbox. They take a Session and never commit.

    versions_to_check     stored versions that are tagged and diffed but not yet matched
    rule_tags / version_classifications / alerted_on   what the matcher needs of them
    record_alerts         insert-or-skip on (email, version, frequency), or (email, withdrawal,
                          frequency) for a withdrawal's alerts, and mark versions checked
    claim                 take due alerts for sending (a lease: claimed_at / claimed_by)
    renew_claims          the sender, still alive, extends its lease while it works through a batch
    mark_sent / mark_failure / retry_failed / cancel_pending
    hold / last_mailed    coalescing successive versions of a page into one mail

What the mails of claimed alerts show is read by storage.mail_rows.
    is_stale              a claim held past its lease (its sender died): `deskwatch alerts` says so

Claims use `SELECT ... FOR UPDATE SKIP LOCKED` on Postgres, so two senders never take the same
alert; on SQLite the write lock taken at BEGIN (storage.db) serialises them. A claim is a short
lease (LEASE) that a live sender renews as it goes (RENEW_AFTER): an alert left `sending` by a
sender that died is claimable again a couple of minutes later, not a quarter of an hour.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from core.alert_facts import PlannedAlert
from storage import dialect
from storage.models import (
    Alert,
    AlertCheck,
    Change,
    Release,
    ReleaseVersion,
    Subscription,
    Tag,
)
from storage.tags import tags_for_versions

log = logging.getLogger("deskwatch.alerts")

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED)
LEASE = timedelta(minutes=2)
"""How long a claim holds without renewal. A live sender renews every RENEW_AFTER, and one send
is bounded by the SMTP timeout (30 s by default), so only a dead sender's claims expire."""
RENEW_AFTER = LEASE / 4
_IN_CHUNK = 500


def _insert(session: Session, model: Any) -> Any:
    return dialect.insert(session, model)


def _rowcount(result: Any) -> int:
    """Rows an UPDATE changed (a CursorResult's rowcount; Session.execute is typed Result)."""
    return int(result.rowcount or 0)


def _locking(session: Session, query: Any, *of: Any) -> Any:
    """FOR UPDATE SKIP LOCKED on Postgres; SQLite's BEGIN IMMEDIATE already serialises."""
    return dialect.skip_locked(session, query, *of)


def chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


# -- which versions to match ---------------------------------------------------------------------


def versions_to_check(session: Session, *, limit: int) -> list[ReleaseVersion]:
    """Versions the tag and diff stages have processed and the alert stage has not, oldest
    first. A version still waiting for its tags or diffs waits here too."""
    checked = exists().where(AlertCheck.version_id == ReleaseVersion.id)
    query = (
        select(ReleaseVersion)
        .where(
            ~checked,
            ReleaseVersion.tagged_with.is_not(None),
            ReleaseVersion.diffed_with.is_not(None),
        )
        .order_by(ReleaseVersion.id)
        .limit(limit)
    )
    return list(session.scalars(_locking(session, query, ReleaseVersion)))


def rule_tags(
    session: Session, version_ids: Sequence[int], *, include_suggested: bool = False
) -> dict[int, list[Tag]]:
    """The rule tags of each version that subscriptions match on: themes and countries over the
    tagger's bar (status "tagged"), and with `include_suggested` those below it too."""
    found: dict[int, list[Tag]] = {}
    for chunk in chunks(version_ids):
        for version_id, tags in tags_for_versions(session, chunk).items():
            found[version_id] = [
                t
                for t in tags
                if t.kind in ("theme", "country")
                and t.origin == "rule"
                and (include_suggested or t.status == "tagged")
            ]
    return found


def version_classifications(session: Session, version_ids: Sequence[int]) -> dict[int, str]:
    """The classification of each version's change against its previous version (the newest
    diff when several algorithm versions left one)."""
    found: dict[int, str] = {}
    for chunk in chunks(version_ids):
        rows = session.execute(
            select(Change.version_id, Change.classification)
            .where(Change.version_id.in_(chunk), Change.kind == "version")
            .order_by(Change.created_at, Change.id)
        )
        for row in rows:
            if row.classification:
                found[row.version_id] = row.classification
    return found


def alerted_on(session: Session, release_ids: Sequence[int]) -> dict[int, set[tuple[str, str]]]:
    """(email, frequency) of the alerts each release already has, on any version, whatever
    their state except cancelled: who follows the release from now on."""
    found: dict[int, set[tuple[str, str]]] = {}
    for chunk in chunks(list(dict.fromkeys(release_ids))):
        rows = session.execute(
            select(Alert.release_id, Alert.email, Alert.frequency)
            .where(Alert.release_id.in_(chunk), Alert.status != CANCELLED)
            .distinct()
        )
        for row in rows:
            found.setdefault(row.release_id, set()).add((row.email, row.frequency))
    return found


def subscriptions_active_at(session: Session, at: datetime) -> list[Subscription]:
    """Subscriptions that were running when a version was stored: started at or before `at`
    and not ended. Versions stored before someone subscribed are never alerted to them."""
    query = select(Subscription).where(
        Subscription.ended_at.is_(None), Subscription.created_at <= at
    )
    return list(session.scalars(query.order_by(Subscription.id)))


def record_alerts(
    session: Session, planned: Sequence[PlannedAlert], checked: Sequence[int], *, now: datetime
) -> int:
    """Insert the planned alerts (an existing (email, version, frequency), or for a withdrawal
    (email, withdrawal, frequency), is left as it is) and mark the versions checked. Returns how
    many alerts are new."""
    created = 0
    table = Alert.__table__
    rows = [
        {
            "email": alert.email,
            "release_id": alert.release_id,
            "version_id": alert.version_id,
            "frequency": alert.frequency,
            "reasons": [r.to_dict() for r in alert.reasons],
            "status": PENDING,
            "attempts": 0,
            "created_at": now,
            "withdrawal_id": alert.withdrawal_id,
        }
        for alert in planned
    ]
    of_versions = (
        _insert(session, table)
        .on_conflict_do_nothing(
            index_elements=["email", "version_id", "frequency"],
            index_where=table.c.withdrawal_id.is_(None),
        )
        .returning(table.c.id)
    )
    of_withdrawals = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["email", "withdrawal_id", "frequency"])
        .returning(table.c.id)
    )
    for statement, kind in ((of_versions, False), (of_withdrawals, True)):
        some = [row for row in rows if (row["withdrawal_id"] is not None) is kind]
        for start in range(0, len(some), _IN_CHUNK):
            # one multi-row INSERT per chunk; rows already there (a rerun, an overlapping run)
            # are skipped by the unique key and return no id
            created += len(session.execute(statement, some[start : start + _IN_CHUNK]).all())
    for chunk in chunks(checked):
        session.execute(
            _insert(session, AlertCheck)
            .values([{"version_id": vid, "checked_at": now} for vid in chunk])
            .on_conflict_do_nothing(index_elements=["version_id"])
        )
    return created


# -- claiming and recording sends ----------------------------------------------------------------


def _due(now: datetime) -> Any:
    return or_(
        and_(
            Alert.status == PENDING,
            or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now),
        ),
        and_(Alert.status == SENDING, Alert.claimed_at < now - LEASE),
    )


def claim(
    session: Session,
    *,
    frequencies: Sequence[str],
    now: datetime,
    worker: str,
    limit: int,
    created_before: datetime | None = None,
    retries_only: bool = False,
) -> list[Alert]:
    """Take up to `limit` due alerts of these frequencies for sending, oldest first;
    `retries_only`: only those whose earlier attempt failed."""
    query = select(Alert).where(_due(now), Alert.frequency.in_(list(frequencies)))
    if created_before is not None:
        query = query.where(Alert.created_at <= created_before)
    if retries_only:
        query = query.where(Alert.attempts > 0)
    query = _locking(session, query.order_by(Alert.id).limit(limit))
    alerts = list(session.scalars(query))
    for alert in alerts:
        if alert.status == SENDING:  # a dead sender's claim: say how long it held the alert
            log.warning(
                "alert %d: claim by %s since %s expired (lease %s); taken over by %s",
                alert.id,
                alert.claimed_by,
                alert.claimed_at,
                LEASE,
                worker,
            )
        alert.status, alert.claimed_at, alert.claimed_by = SENDING, now, worker
    session.flush()
    return alerts


def renew_claims(session: Session, *, worker: str, now: datetime) -> int:
    """Extend the lease of every alert `worker` still holds to `now`. Returns how many."""
    result = session.execute(
        update(Alert)
        .where(Alert.status == SENDING, Alert.claimed_by == worker)
        .values(claimed_at=now)
    )
    return _rowcount(result)


def is_stale(alert: Alert, now: datetime) -> bool:
    """Claimed by a sender that has not renewed its lease in time: it died mid-batch."""
    return (
        alert.status == SENDING
        and alert.claimed_at is not None
        and (alert.claimed_at < now - LEASE)
    )


def mark_sent(
    session: Session,
    alert_ids: Sequence[int],
    *,
    now: datetime,
    message_id: str,
    digest_key: str | None = None,
) -> None:
    """Record the alerts as sent at `now`: the moment the channel accepted the message."""
    for chunk in chunks(alert_ids):
        session.execute(
            update(Alert)
            .where(Alert.id.in_(chunk))
            .values(
                status=SENT,
                sent_at=now,
                message_id=message_id,
                digest_key=digest_key,
                claimed_at=None,
                claimed_by=None,
                last_error=None,
                next_attempt_at=None,
            )
        )


def hold(session: Session, alert_ids: Sequence[int], *, until: datetime) -> None:
    """Put claimed alerts back in the queue, due at `until` (no attempt is counted): their page
    mailed the same person a moment ago, and they will go together as one mail."""
    for chunk in chunks(alert_ids):
        session.execute(
            update(Alert)
            .where(Alert.id.in_(chunk))
            .values(status=PENDING, next_attempt_at=until, claimed_at=None, claimed_by=None)
        )


def last_mailed(
    session: Session, pairs: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], datetime]:
    """For each (email, release id): the time of the newest version of the release already
    sent to that person as an immediate alert (the version's fetched_at, in the same frame as
    the run's `now` and the versions waiting). A withdrawal's mail does not count: it told of
    no version."""
    wanted = set(pairs)
    found: dict[tuple[str, int], datetime] = {}
    for chunk in chunks(sorted({release_id for _email, release_id in wanted})):
        rows = session.execute(
            select(Alert.email, Alert.release_id, func.max(ReleaseVersion.fetched_at))
            .join(ReleaseVersion, ReleaseVersion.id == Alert.version_id)
            .where(
                Alert.release_id.in_(chunk),
                Alert.status == SENT,
                Alert.frequency == "immediate",
                Alert.withdrawal_id.is_(None),
            )
            .group_by(Alert.email, Alert.release_id)
        )
        for email, release_id, at in rows:
            if (email, release_id) in wanted and at is not None:
                found[(email, release_id)] = at
    return found


def retry_delay(attempts: int, *, first: float, cap: float) -> timedelta:
    """The wait after the `attempts`-th failure: first, 2*first, 4*first ... at most `cap`."""
    return timedelta(seconds=min(cap, first * 2 ** max(0, attempts - 1)))


def mark_failure(
    session: Session,
    alert_ids: Sequence[int],
    *,
    now: datetime,
    error: str,
    permanent: bool,
    max_attempts: int,
    first_delay: float,
    max_delay: float,
) -> int:
    """Record a failed attempt: back to pending with a later next_attempt_at, or `failed` when
    the refusal is permanent or the attempts are used up. Returns how many are now failed."""
    failed = 0
    for chunk in chunks(alert_ids):
        for alert in session.scalars(select(Alert).where(Alert.id.in_(chunk))):
            alert.attempts += 1
            alert.last_error = error[:2000]
            alert.claimed_at = alert.claimed_by = None
            if permanent or alert.attempts >= max_attempts:
                alert.status, alert.next_attempt_at = FAILED, None
                failed += 1
            else:
                alert.status = PENDING
                alert.next_attempt_at = now + retry_delay(
                    alert.attempts, first=first_delay, cap=max_delay
                )
    session.flush()
    return failed


def retry_failed(session: Session, *, alert_ids: Sequence[int] | None = None) -> int:
    """Put failed alerts back in the queue, due now, with their attempts reset."""
    query = update(Alert).where(Alert.status == FAILED)
    if alert_ids is not None:
        query = query.where(Alert.id.in_(list(alert_ids)))
    result = session.execute(query.values(status=PENDING, attempts=0, next_attempt_at=None))
    return _rowcount(result)


def cancel_pending(session: Session, email: str) -> int:
    """Someone with no subscription left gets no more mail: their queued alerts are cancelled."""
    result = session.execute(
        update(Alert)
        .where(Alert.email == email, Alert.status.in_([PENDING, FAILED]))
        .values(status=CANCELLED, next_attempt_at=None)
    )
    return _rowcount(result)


# -- listing --------------------------------------------------------------------------------------


def list_alerts(
    session: Session, *, statuses: Sequence[str] | None = None, limit: int | None = None
) -> list[tuple[Alert, Release]]:
    query = select(Alert, Release).join(Release, Release.id == Alert.release_id)
    if statuses:
        query = query.where(Alert.status.in_(list(statuses)))
    query = query.order_by(Alert.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [(row[0], row[1]) for row in session.execute(query)]


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, func.count()).group_by(Alert.status))
    return {row[0]: row[1] for row in rows}
