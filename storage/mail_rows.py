"""What the mails of claimed alerts are made from, read as plain rows (core.mail_rows): each
alert's version, release and source, the changes of those versions, the earlier releases they
compare against, the names of the versions' tags, the withdrawals they tell of; and the versions a coalesced mail's net
change is computed between. Reads only; decides nothing (alerts.items does). Functions take a
Session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.mail_rows import AlertRow, ChangeRow, MailRows, ReleaseRow, VersionRow, WithdrawalRow
from storage.alerts import chunks
from storage.models import Alert, Change, Release, ReleaseVersion, Source
from storage.tags import tags_for_versions
from storage.withdrawals import for_mail

_RELEASE_COLUMNS = (
    Release.id,
    Release.title,
    Release.url,
    Release.published_at,
    Release.first_seen_at,
    Release.updated_at,
)


def _release_row(row: Any) -> ReleaseRow:
    return ReleaseRow(
        id=row.id,
        title=row.title,
        url=row.url,
        published_at=row.published_at,
        first_seen_at=row.first_seen_at,
        updated_at=row.updated_at,
    )


def mail_rows(session: Session, alerts: Sequence[Alert]) -> MailRows:
    """The rows the mails of these alerts are made from: each alert's version with its release
    and source name, every change of those versions (by id), the earlier releases the changes
    compare against, and the names of the versions' tags. Reads only; decides nothing
    (alerts.items does)."""
    version_ids = list(dict.fromkeys(a.version_id for a in alerts))
    versions: dict[int, VersionRow] = {}
    changes: dict[int, list[ChangeRow]] = {}
    for chunk in chunks(version_ids):
        query = (
            select(
                ReleaseVersion.id.label("version_id"),
                ReleaseVersion.number,
                ReleaseVersion.title.label("version_title"),
                ReleaseVersion.change_note,
                ReleaseVersion.fetched_at,
                ReleaseVersion.publisher_updated_at,
                ReleaseVersion.text_kind,
                Source.name.label("source"),
                *_RELEASE_COLUMNS,
            )
            .join(Release, Release.id == ReleaseVersion.release_id)
            .join(Source, Source.id == Release.source_id)
            .where(ReleaseVersion.id.in_(chunk))
        )
        for row in session.execute(query):
            versions[row.version_id] = VersionRow(
                id=row.version_id,
                number=row.number,
                title=row.version_title,
                change_note=row.change_note,
                source=row.source,
                release=_release_row(row),
                updated_at=row.publisher_updated_at or row.fetched_at,
                text_kind=row.text_kind,
            )
        for change in session.execute(
            select(
                Change.id,
                Change.version_id,
                Change.kind,
                Change.basis,
                Change.against_release_id,
                Change.created_at,
                Change.payload,
                Change.classification,
                Change.silent_edit,
            )
            .where(Change.version_id.in_(chunk))
            .order_by(Change.id)
        ):
            changes.setdefault(change.version_id, []).append(ChangeRow(**change._asdict()))
    labels: dict[int, dict[str, str]] = {}
    for chunk in chunks(version_ids):
        for version_id, tags in tags_for_versions(session, chunk).items():
            labels[version_id] = {
                f"{t.kind}:{t.value}": t.label
                for t in tags
                if t.kind in ("theme", "country") and t.label
            }
    against_ids = list({c.against_release_id for cs in changes.values() for c in cs})
    earlier = {
        row.id: _release_row(row)
        for chunk in chunks(against_ids)
        for row in session.execute(select(*_RELEASE_COLUMNS).where(Release.id.in_(chunk)))
    }
    withdrawn = for_mail(
        session,
        [a.withdrawal_id for a in alerts if a.withdrawal_id is not None],
        [v.release.id for v in versions.values()],
    )
    return MailRows(
        alerts=tuple(
            AlertRow(a.id, a.version_id, tuple(a.reasons or ()), withdrawal_id=a.withdrawal_id)
            for a in alerts
        ),
        versions=versions,
        changes={vid: tuple(cs) for vid, cs in changes.items()},
        earlier=earlier,
        labels=labels,
        withdrawals={
            w.id: WithdrawalRow(
                w.id, w.release_id, w.reason, w.withdrawn_at, w.ended_at is not None
            )
            for w in withdrawn
        },
    )


def version_numbers(session: Session, version_ids: Sequence[int]) -> dict[int, int]:
    """The number of each version, by id."""
    found: dict[int, int] = {}
    for chunk in chunks(list(dict.fromkeys(version_ids))):
        query = select(ReleaseVersion.id, ReleaseVersion.number).where(ReleaseVersion.id.in_(chunk))
        found.update({row.id: row.number for row in session.execute(query)})
    return found


def versions_numbered(
    session: Session, release_id: int, numbers: Sequence[int]
) -> dict[int, ReleaseVersion]:
    """Versions of one release by number (for the net change of a coalesced mail)."""
    query = select(ReleaseVersion).where(
        ReleaseVersion.release_id == release_id, ReleaseVersion.number.in_(list(numbers))
    )
    return {v.number: v for v in session.scalars(query)}
