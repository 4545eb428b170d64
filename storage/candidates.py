"""Which earlier statements a new version may be compared with: the bases of each version (its
rule themes and focus countries, with the evidence sentences), how common each basis is, and the
newest earlier statements on a basis, found through the tags index (never by reading the
look-back window). Repository functions: they take a Session and never commit; the choice among
the candidates is diffing.baseline's (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from core.tags import TAGGED
from storage.changes import IN_CHUNK, basis_tag_filter, parse_basis
from storage.models import Release, ReleaseVersion, Tag
from storage.tags import tags_for_versions
from storage.types import UTCDateTime


@dataclass(frozen=True)
class Candidate:
    """An earlier statement on a basis: its release, the version to compare with, its time."""

    release_id: int
    version_id: int
    at: datetime


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


_MORE_TAGS = {
    kind: text(
        f"SELECT COUNT(*) FROM (SELECT id FROM tags WHERE {tags.format(n=0)} LIMIT :over) AS t"
    )
    for kind, tags in _TAGS_OF_BASIS.items()
}
"""Whether a basis has more than a number of tags: plain SQL prepared once, like the candidates'
query (it runs for most new releases, and building the ORM query cost more than running it)."""


def _more_tags_than(session: Session, basis: str, count: int) -> bool:
    kind, value = parse_basis(basis)
    tagged = session.scalar(_MORE_TAGS[kind], {"value0": value, "over": count + 1})
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
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(
                Release.id,
                Release.title,
                Release.url,
                Release.organisation,
                Release.document_type,
                Release.language,
            ).where(Release.id.in_(ids[start : start + IN_CHUNK]))
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
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(Tag.version_id, Tag.kind, Tag.value, Tag.label, Tag.evidence).where(
                Tag.version_id.in_(ids[start : start + IN_CHUNK]),
                or_(basis_tag_filter("theme", None), basis_tag_filter("country", None)),
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
                basis_tag_filter(kind, value), Tag.version_id >= floor
            )
        )
        shares[basis] = (carried or 0) / size
    return shares
