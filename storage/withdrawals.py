"""Repository functions for withdrawals: a release's withdrawal by its publisher as a fact with
its time and reason (the `withdrawals` table), which the alert stage tells subscribers of once.
They take a Session and never commit.

    observe       at ingest, what a stored record says of its release's withdrawal: a new one is
                  a row (checked at once when the release is first seen withdrawn, or was already
                  withdrawn before deskwatch kept withdrawals: nothing to tell), a notice gone
                  ends the open row, the same withdrawal seen again is nothing new
    to_check      open withdrawals the alert stage has not matched yet (their version tagged and
                  diffed), oldest first; Postgres skips rows another run holds
    mark_checked  the alert stage has matched them (in the transaction that records the alerts)
    for_mail      the withdrawals the mails of some alerts tell of

One fact per (release, withdrawn_at). A withdrawal that is reversed (the notice gone) ends, and
is never alerted again (its alerts not yet sent are cancelled): should the same notice come
back, its row is open again, still checked.
A withdrawal at another time is another fact, alerted as such: the publisher withdrew the page
again. A notice without a time is the open withdrawal if there is one, else a withdrawal at the
publisher's updated time (else now).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.records import ReleaseRecord
from storage import dialect
from storage.models import Alert, ReleaseVersion, Withdrawal

_IN_CHUNK = 500


@dataclass(frozen=True)
class Seen:
    """A stored record of a release that is or was withdrawn: `notice_before` is the release's
    withdrawn notice before this record was stored, `first` whether the record made the
    release."""

    release_id: int
    version_id: int
    record: ReleaseRecord
    notice_before: str | None
    first: bool


def observe(session: Session, seen: Sequence[Seen], *, now: datetime) -> int:
    """Record what each record says of its release's withdrawal. Returns how many withdrawals
    are new facts to alert (not those recorded as already known)."""
    new = 0
    ended: list[Withdrawal] = []
    known_rows = _of_releases(session, [item.release_id for item in seen])
    for item in seen:
        rows = known_rows.setdefault(item.release_id, [])
        current = next((r for r in reversed(rows) if r.ended_at is None), None)
        notice = item.record.withdrawal
        if notice is None:
            if current is not None:
                current.ended_at = now
                ended.append(current)
            continue
        at = (
            notice.withdrawn_at
            or (current.withdrawn_at if current is not None else None)
            or item.record.updated_at
            or now
        )
        if current is not None and current.withdrawn_at == at:
            continue
        if current is not None:
            current.ended_at = now  # replaced by a withdrawal at another time
            ended.append(current)
        again = next((r for r in rows if r.withdrawn_at == at), None)
        if again is not None:  # the same withdrawal back after its notice went: not news
            again.ended_at = None
            continue
        # a release first seen withdrawn, or withdrawn (this same notice) before deskwatch
        # kept withdrawals, has nothing to tell
        known = item.first or (
            not rows
            and item.notice_before is not None
            and item.notice_before == item.record.withdrawn_notice
        )
        row = Withdrawal(
            release_id=item.release_id,
            version_id=item.version_id,
            reason=notice.reason,
            withdrawn_at=at,
            seen_at=now,
            checked_at=now if known else None,
        )
        session.add(row)
        rows.append(row)
        new += 0 if known else 1
    session.flush()
    _cancel_untold(session, [row.id for row in ended])
    return new


def _cancel_untold(session: Session, withdrawal_ids: Sequence[int]) -> None:
    """A withdrawal that ended (the notice gone, or replaced) before its mail went is not told:
    its queued alerts (a digest's, or one waiting for a retry) are cancelled, so nobody is told
    of a withdrawal of a page that is back."""
    for start in range(0, len(withdrawal_ids), _IN_CHUNK):
        chunk = list(withdrawal_ids[start : start + _IN_CHUNK])
        session.execute(
            update(Alert)
            .where(Alert.withdrawal_id.in_(chunk), Alert.status.in_(["pending", "failed"]))
            .values(status="cancelled", next_attempt_at=None)
        )


def _of_releases(session: Session, release_ids: Sequence[int]) -> dict[int, list[Withdrawal]]:
    """Every withdrawal of these releases, oldest first: one query per few hundred releases
    (a Content API source may read hundreds of withdrawn pages again on every run)."""
    ids = list(dict.fromkeys(release_ids))
    found: dict[int, list[Withdrawal]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        query = (
            select(Withdrawal)
            .where(Withdrawal.release_id.in_(ids[start : start + _IN_CHUNK]))
            .order_by(Withdrawal.id)
        )
        for row in session.scalars(query):
            found.setdefault(row.release_id, []).append(row)
    return found


def to_check(session: Session, *, limit: int) -> list[Withdrawal]:
    """Open withdrawals not yet matched, whose version the tag and diff stages have processed,
    oldest first."""
    query = (
        select(Withdrawal)
        .join(ReleaseVersion, ReleaseVersion.id == Withdrawal.version_id)
        .where(
            Withdrawal.checked_at.is_(None),
            Withdrawal.ended_at.is_(None),
            ReleaseVersion.tagged_with.is_not(None),
            ReleaseVersion.diffed_with.is_not(None),
        )
        .order_by(Withdrawal.id)
        .limit(limit)
    )
    return list(session.scalars(dialect.skip_locked(session, query, Withdrawal)))


def mark_checked(session: Session, ids: Sequence[int], *, now: datetime) -> None:
    ids = list(ids)
    for start in range(0, len(ids), _IN_CHUNK):
        session.execute(
            update(Withdrawal)
            .where(Withdrawal.id.in_(ids[start : start + _IN_CHUNK]))
            .values(checked_at=now)
        )


def for_mail(
    session: Session, withdrawal_ids: Sequence[int], release_ids: Sequence[int]
) -> list[Withdrawal]:
    """These withdrawals, and the open withdrawal of each of these releases (a mail about a
    version of a withdrawn release says it is withdrawn)."""
    wanted, releases = list(dict.fromkeys(withdrawal_ids)), list(dict.fromkeys(release_ids))
    found: dict[int, Withdrawal] = {}
    for start in range(0, max(len(wanted), len(releases)), _IN_CHUNK):
        ids, of = wanted[start : start + _IN_CHUNK], releases[start : start + _IN_CHUNK]
        query = select(Withdrawal).where(
            or_(
                Withdrawal.id.in_(ids),
                Withdrawal.release_id.in_(of) & Withdrawal.ended_at.is_(None),
            )
        )
        found.update((row.id, row) for row in session.scalars(query))
    return sorted(found.values(), key=lambda row: row.id)
