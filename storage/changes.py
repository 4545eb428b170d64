"""Repository functions for diffs (`changes`) and what the diff stage reads to make them: the
versions still to diff, their texts, and the earlier statements on the same basis. The history
of key phrases is storage.phrases.

They take a Session and never commit. A diff is stored insert-or-skip on its unique key
(INSERT ... ON CONFLICT DO NOTHING on both SQLite and Postgres), so a re-run or two overlapping
runs store each diff once.

A *basis* names what two statements share: "version" (two versions of one release),
"theme:<theme id>" (a rule-based theme tag) or "country:<code>" (a focus-country tag).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, selectinload

from core.errors import UsageError
from core.tags import TAGGED
from storage import dialect
from storage.models import Change, Release, ReleaseVersion, Tag
from storage.tags import tags_for_versions
from storage.types import UTCDateTime

VERSION_BASIS = "version"
_IN_CHUNK = 500  # bound the size of IN (...) lists


@dataclass(frozen=True)
class Candidate:
    """An earlier statement on a basis: its release, the version to compare with, its time."""

    release_id: int
    version_id: int
    at: datetime


def statement_time() -> ColumnElement[datetime]:
    """When a release was stated: its publication time, else when deskwatch first saw it."""
    return func.coalesce(Release.published_at, Release.first_seen_at)


def release_time(release: Release) -> datetime:
    return release.published_at or release.first_seen_at


def version_time(version: ReleaseVersion) -> datetime:
    """When a version's text was stated: the publisher's update time of that version (the
    record's updated time, as the feed or GOV.UK gives it); for a first version without one,
    its release's publication time; else when deskwatch fetched it. Never the release's first
    publication for a later version: an edit of a page first published in 2013 is dated by
    the edit."""
    if version.publisher_updated_at is not None:
        return version.publisher_updated_at
    if version.number == 1:
        return version.release.published_at or version.fetched_at
    return version.fetched_at


def parse_basis(basis: str) -> tuple[str, str]:
    """("theme", id) or ("country", CODE) from "theme:<id>" / "country:<CODE>"."""
    kind, _, value = basis.partition(":")
    if kind not in ("theme", "country") or not value:
        raise UsageError(f"basis {basis!r}: expected theme:<id> or country:<code>")
    return kind, value


def _tag_filter(kind: str, value: str | None) -> ColumnElement[bool]:
    """The tags of a basis (a rule-based theme, a focus country); of every basis of the kind
    when `value` is None."""
    same = [Tag.value == value] if value is not None else []
    if kind == "theme":
        return and_(Tag.kind == "theme", *same, Tag.origin == "rule", Tag.status == TAGGED)
    return and_(Tag.kind == "country", *same, Tag.focus.is_(True), Tag.status == TAGGED)


# -- what needs diffing -------------------------------------------------------------------------


def pending_versions(session: Session, algorithm_version: str, limit: int) -> list[ReleaseVersion]:
    """Versions not yet diffed with `algorithm_version`, oldest statement first (so the history
    of phrases builds up in order), with their release loaded."""
    query = (
        select(ReleaseVersion)
        .join(Release, Release.id == ReleaseVersion.release_id)
        .where(
            or_(
                ReleaseVersion.diffed_with.is_(None),
                ReleaseVersion.diffed_with != algorithm_version,
            )
        )
        .order_by(statement_time(), ReleaseVersion.release_id, ReleaseVersion.number)
        .options(selectinload(ReleaseVersion.release))
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_diffed(session: Session, version_ids: Collection[int], algorithm_version: str) -> None:
    ids = list(version_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        session.execute(
            update(ReleaseVersion)
            .where(ReleaseVersion.id.in_(ids[start : start + _IN_CHUNK]))
            .values(diffed_with=algorithm_version)
        )


def previous_version(session: Session, version: ReleaseVersion) -> ReleaseVersion | None:
    return session.scalar(
        select(ReleaseVersion)
        .where(
            ReleaseVersion.release_id == version.release_id,
            ReleaseVersion.number < version.number,
        )
        .order_by(ReleaseVersion.number.desc())
        .limit(1)
    )


def version_texts(session: Session, version_ids: Iterable[int]) -> dict[int, str]:
    ids = list(dict.fromkeys(version_ids))
    texts: dict[int, str] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        rows = session.execute(
            select(ReleaseVersion.id, ReleaseVersion.text).where(
                ReleaseVersion.id.in_(ids[start : start + _IN_CHUNK])
            )
        )
        texts.update({row.id: row.text for row in rows})
    return texts


# -- bases and candidates -----------------------------------------------------------------------


def bases_of_versions(session: Session, version_ids: Sequence[int]) -> dict[int, list[str]]:
    """The bases of each version: its rule-based themes and its focus countries, sorted (from
    the tagger's `tags_for_versions`)."""
    found: dict[int, list[str]] = {}
    for version_id, tags in tags_for_versions(session, version_ids).items():
        bases = {
            f"{tag.kind}:{tag.value}"
            for tag in tags
            if tag.status == TAGGED
            and (
                (tag.kind == "theme" and tag.origin == "rule")
                or (tag.kind == "country" and tag.focus)
            )
        }
        found[version_id] = sorted(bases)
    return found


_TAGS_OF_BASIS = {
    "theme": "kind = 'theme' AND value = :value{n} AND origin = 'rule' AND status = 'tagged'",
    "country": "kind = 'country' AND value = :value{n} AND focus = TRUE AND status = 'tagged'",
}
_CANDIDATES = """
SELECT {n} AS basis, t.release_id, MAX(t.version_id) AS version_id,
       COALESCE(r.published_at, r.first_seen_at) AS at
FROM (SELECT release_id, version_id FROM tags WHERE {tags}
      ORDER BY version_id DESC LIMIT :window) AS t
JOIN releases AS r ON r.id = t.release_id
WHERE t.release_id != :exclude
  AND COALESCE(r.published_at, r.first_seen_at) < :before
  AND COALESCE(r.published_at, r.first_seen_at) >= :since
GROUP BY t.release_id, COALESCE(r.published_at, r.first_seen_at)
ORDER BY at DESC, t.release_id DESC
LIMIT :limit
"""
RECENT_FACTOR = 4
"""How many of a basis's newest tags are read first, per candidate wanted."""
DEEP_FACTOR = 32
"""How many are read, per candidate wanted, when the newest hold too few earlier statements (a
release published long before it was ingested): the read stays bounded, so a statement older
than the basis's last DEEP_FACTOR * candidates tags is never a candidate."""
_statements: dict[tuple[str, ...], Any] = {}


def _candidates_statement(kinds: tuple[str, ...]) -> Any:
    """One query for several bases (a UNION ALL of one bounded query per basis, each reading the
    newest tags of its basis from the (kind, value, version_id) index). Plain SQL, the same on
    both backends: it runs for every new release, and a prepared text statement costs a
    fraction of building the query anew each time."""
    if kinds not in _statements:
        parts = [
            "SELECT * FROM ("
            + _CANDIDATES.format(n=n, tags=_TAGS_OF_BASIS[kind].format(n=n))
            + f") AS c{n}"
            for n, kind in enumerate(kinds)
        ]
        _statements[kinds] = (
            text("\nUNION ALL\n".join(parts))
            .bindparams(
                bindparam("before", type_=UTCDateTime()), bindparam("since", type_=UTCDateTime())
            )
            .columns(basis=Integer(), release_id=Integer(), version_id=Integer(), at=UTCDateTime())
        )
    return _statements[kinds]


def _more_tags_than(session: Session, basis: str, count: int) -> bool:
    kind, value = parse_basis(basis)
    tagged = session.scalar(
        select(func.count()).select_from(
            select(Tag.id).where(_tag_filter(kind, value)).limit(count + 1).subquery()
        )
    )
    return (tagged or 0) > count


def _read_candidates(
    session: Session, bases: Sequence[str], params: dict[str, Any]
) -> dict[str, list[Candidate]]:
    parsed = [parse_basis(b) for b in bases]
    values = {f"value{n}": value for n, (_, value) in enumerate(parsed)}
    statement = _candidates_statement(tuple(kind for kind, _ in parsed))
    found: dict[str, list[Candidate]] = {basis: [] for basis in bases}
    for row in session.execute(statement, {**params, **values}):
        found[bases[row.basis]].append(Candidate(row.release_id, row.version_id, row.at))
    for group in found.values():
        group.sort(key=lambda c: (c.at, c.release_id), reverse=True)
    return found


def statement_candidates_for(
    session: Session,
    bases: Sequence[str],
    *,
    before: datetime,
    since: datetime,
    exclude_release_id: int,
    limit: int,
) -> dict[str, list[Candidate]]:
    """For each basis, the newest `limit` earlier statements tagged with it, stated in
    [since, before), other than the release itself, newest first; for each, its newest tagged
    version. One query for all the bases; none for no basis.

    Flat cost: the tags index is read newest version first and only the last
    `RECENT_FACTOR * limit` tags of each basis are looked at (tags are written as releases
    arrive, so these are the recent statements); only when they hold too few earlier statements
    and the basis has more tags is a deeper, still bounded, read made (DEEP_FACTOR)."""
    bases = list(dict.fromkeys(bases))
    if not bases:
        return {}
    params: dict[str, Any] = {
        "exclude": exclude_release_id,
        "before": before,
        "since": since,
        "limit": limit,
        "window": RECENT_FACTOR * limit,
    }
    found = _read_candidates(session, bases, params)
    for basis, group in found.items():
        if len(group) < limit and _more_tags_than(session, basis, params["window"]):
            deep = {**params, "window": DEEP_FACTOR * limit}
            found[basis] = _read_candidates(session, [basis], deep)[basis]
    return found


def statement_candidates(
    session: Session,
    basis: str,
    *,
    before: datetime,
    since: datetime,
    exclude_release_id: int,
    limit: int,
) -> list[Candidate]:
    """The candidates of one basis (see statement_candidates_for)."""
    return statement_candidates_for(
        session,
        [basis],
        before=before,
        since=since,
        exclude_release_id=exclude_release_id,
        limit=limit,
    )[basis]


@dataclass(frozen=True)
class ReleaseFacts:
    """What the baseline chooser reads of a release besides its text."""

    title: str
    url: str | None
    organisation: str | None
    document_type: str | None
    language: str | None


def release_facts(session: Session, release_ids: Iterable[int]) -> dict[int, ReleaseFacts]:
    ids = list(dict.fromkeys(release_ids))
    found: dict[int, ReleaseFacts] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        rows = session.execute(
            select(
                Release.id,
                Release.title,
                Release.url,
                Release.organisation,
                Release.document_type,
                Release.language,
            ).where(Release.id.in_(ids[start : start + _IN_CHUNK]))
        )
        for row in rows:
            found[row.id] = ReleaseFacts(
                row.title, row.url, row.organisation, row.document_type, row.language
            )
    return found


@dataclass
class BasisTags:
    """Of one version's tags on its bases: the sentences of each basis's evidence, and its label."""

    sentences: dict[str, list[str]]
    labels: dict[str, str]


def basis_tags(session: Session, version_ids: Iterable[int]) -> dict[int, BasisTags]:
    """For each version, the sentences holding the evidence of each of its bases (rule-based
    themes, focus countries) and each basis's label, from the tags table."""
    ids = list(dict.fromkeys(version_ids))
    found: dict[int, BasisTags] = {v: BasisTags({}, {}) for v in ids}
    for start in range(0, len(ids), _IN_CHUNK):
        rows = session.execute(
            select(Tag.version_id, Tag.kind, Tag.value, Tag.label, Tag.evidence).where(
                Tag.version_id.in_(ids[start : start + _IN_CHUNK]),
                or_(_tag_filter("theme", None), _tag_filter("country", None)),
            )
        )
        for row in rows:
            basis = f"{row.kind}:{row.value}"
            entry = found[row.version_id]
            entry.sentences[basis] = [
                e["sentence"]
                for e in row.evidence or []
                if isinstance(e, dict) and isinstance(e.get("sentence"), str)
            ]
            if row.label:
                entry.labels[basis] = row.label
    return found


def basis_shares(
    session: Session, bases: Iterable[str], *, sample: int, minimum: int = 20
) -> dict[str, float]:
    """The share of the archive's newest `sample` versions (all of them when there are fewer)
    that carry each basis; empty while there are fewer than `minimum` versions. Index reads
    only: the sample's versions by id, then per basis a count over the (kind, value,
    version_id) index from the sample's oldest version on."""
    newest = select(ReleaseVersion.id).order_by(ReleaseVersion.id.desc()).limit(sample).subquery()
    size, floor = session.execute(select(func.count(), func.min(newest.c.id))).one()
    if not size or size < minimum:
        return {}
    shares: dict[str, float] = {}
    for basis in dict.fromkeys(bases):
        kind, value = parse_basis(basis)
        carried = session.scalar(
            select(func.count(func.distinct(Tag.version_id))).where(
                _tag_filter(kind, value), Tag.version_id >= floor
            )
        )
        shares[basis] = (carried or 0) / size
    return shares


# -- changes ------------------------------------------------------------------------------------


def add_change(session: Session, **values: Any) -> bool:
    """Store one diff unless the same (version, against version, basis, algorithm) is stored
    already. Returns whether a row was inserted."""
    statement = (
        dialect.insert(session, Change)
        .values(values)
        .on_conflict_do_nothing(
            index_elements=["version_id", "against_version_id", "basis", "algorithm_version"]
        )
        .returning(Change.id)
    )
    return session.execute(statement).first() is not None


def changes_of_version(
    session: Session,
    version_id: int,
    *,
    kind: str | None = None,
    algorithm_version: str | None = None,
) -> list[Change]:
    query = select(Change).where(Change.version_id == version_id)
    if kind is not None:
        query = query.where(Change.kind == kind)
    if algorithm_version is not None:
        query = query.where(Change.algorithm_version == algorithm_version)
    return list(session.scalars(query.order_by(Change.basis, Change.id)))


def changes_of_release(
    session: Session,
    release_id: int,
    *,
    kind: str | None = None,
    algorithm_version: str | None = None,
) -> list[Change]:
    """The release's diffs (index on release_id, kind), newest version first."""
    query = select(Change).where(Change.release_id == release_id)
    if kind is not None:
        query = query.where(Change.kind == kind)
    if algorithm_version is not None:
        query = query.where(Change.algorithm_version == algorithm_version)
    return list(session.scalars(query.order_by(Change.version_id.desc(), Change.basis, Change.id)))


def version_numbers(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    ids = list(dict.fromkeys(version_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ReleaseVersion.id, ReleaseVersion.number).where(ReleaseVersion.id.in_(ids))
    )
    return {row.id: row.number for row in rows}
