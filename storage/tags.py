"""Repository functions for tags. They take a Session and never commit.

Tags are derived data: `replace_tags` deletes a version's tags and writes the new ones, so
retagging is idempotent, and marks the version `tagged_with` the taxonomy version.

What other stages may rely on (kept stable):

- Theme tags are `kind='theme', origin='rule'`, `value` the theme id of seeds/taxonomy.yaml,
  `score` in [0.5, 1) for every stored theme (raw / (raw + threshold)), `focus` True when the
  theme is signalled in the title.
- Country tags are `kind='country'`, `value` an ISO 3166-1 alpha-2 code (Kosovo `XK`). Rule tags
  (`origin='rule'`) carry `focus=True` when the release is about the country (named in the title,
  or mentioned at least twice with at least half the top country's weight); `origin='publisher'`
  tags come from GOV.UK world_location links and sit beside the rule tags.
- Region tags are `kind='region'` (ids of seeds/places.yaml: middle-east, indo-pacific, ...).
- Person tags are `kind='person'`, `value` the name as written (with diacritics),
  `attributes` holding `ascii` (the name without diacritics), `search` (its folded lower-case
  form) and, where written, `role`, `country` and `counterpart_of`.
- `evidence` is a list of {text, start, end, sentence, sentence_start, field}: offsets are into
  the version's `text` (or its `title` when field == "title"), and the match inside the sentence
  is sentence[start - sentence_start : end - sentence_start], for highlighting.

Read the tags of many versions with `tags_for_versions` (one query), not one query per release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.tags import TagResult
from storage import dialect
from storage.models import Release, ReleaseVersion, Tag

THEME, COUNTRY, RULE = "theme", "country", "rule"


@dataclass(frozen=True)
class VersionText:
    """What the tagger needs of one stored version."""

    id: int
    release_id: int
    title: str
    text: str
    publisher_links: list[Any]


def versions_to_tag(
    session: Session,
    taxonomy_version: str,
    *,
    limit: int,
    after_id: int = 0,
    everything: bool = False,
    since: datetime | None = None,
) -> list[VersionText]:
    """The next batch of versions (by id, after `after_id`): those not yet tagged with
    `taxonomy_version`, or all of them with `everything` (retag). `since` keeps versions of
    releases published (else first seen) on or after it. On Postgres the rows are locked and
    rows another runner holds are skipped, so overlapping runs share the work."""
    query = (
        select(
            ReleaseVersion.id,
            ReleaseVersion.release_id,
            ReleaseVersion.title,
            ReleaseVersion.text,
            ReleaseVersion.publisher_links,
        )
        .where(ReleaseVersion.id > after_id)
        .order_by(ReleaseVersion.id)
        .limit(limit)
    )
    if not everything:
        query = query.where(
            or_(
                ReleaseVersion.tagged_with.is_(None),
                ReleaseVersion.tagged_with != taxonomy_version,
            )
        )
    if since is not None:
        published = func.coalesce(Release.published_at, Release.first_seen_at)
        query = query.join(Release, Release.id == ReleaseVersion.release_id).where(
            published >= since
        )
    query = dialect.skip_locked(session, query, ReleaseVersion)
    return [VersionText(*row) for row in session.execute(query)]


def replace_tags(
    session: Session,
    results: Mapping[int, tuple[int, Sequence[TagResult]]],
    taxonomy_version: str,
    *,
    now: datetime,
) -> int:
    """Replace the tags of each version in `results` ({version_id: (release_id, tags)}) and mark
    it tagged with `taxonomy_version`. Returns the number of tag rows written."""
    if not results:
        return 0
    ids = list(results)
    session.execute(delete(Tag).where(Tag.version_id.in_(ids)))
    rows: list[dict[str, Any]] = []
    for version_id, (release_id, tags) in results.items():
        seen: set[tuple[str, str, str]] = set()
        for tag in tags:
            key = (tag.kind, tag.value[:300], tag.origin)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "release_id": release_id,
                    "version_id": version_id,
                    "kind": tag.kind,
                    "value": tag.value[:300],
                    "label": tag.label[:300] if tag.label else None,
                    "score": float(tag.score),
                    "origin": tag.origin,
                    "focus": bool(tag.focus),
                    "evidence": [e.as_dict() for e in tag.evidence],
                    "attributes": tag.attributes,
                    "taxonomy_version": taxonomy_version,
                    "created_at": now,
                }
            )
    if rows:
        session.execute(cast(Table, Tag.__table__).insert(), rows)
    session.execute(
        update(ReleaseVersion)
        .where(ReleaseVersion.id.in_(ids))
        .values(tagged_with=taxonomy_version)
        .execution_options(synchronize_session=False)
    )
    return len(rows)


def tags_for_versions(session: Session, version_ids: Iterable[int]) -> dict[int, list[Tag]]:
    """The tags of many versions in one query: {version_id: [Tag, ...]} (every id present),
    each list ordered by kind, then score (highest first)."""
    ids = sorted(set(version_ids))
    found: dict[int, list[Tag]] = {i: [] for i in ids}
    if not ids:
        return found
    query = (
        select(Tag)
        .where(Tag.version_id.in_(ids))
        .order_by(Tag.version_id, Tag.kind, Tag.score.desc(), Tag.value)
    )
    for tag in session.scalars(query):
        found[tag.version_id].append(tag)
    return found


def latest_version_ids(session: Session, release_ids: Iterable[int]) -> dict[int, int]:
    """{release_id: id of its latest version}."""
    ids = sorted(set(release_ids))
    if not ids:
        return {}
    latest = (
        select(ReleaseVersion.release_id, func.max(ReleaseVersion.number).label("number"))
        .where(ReleaseVersion.release_id.in_(ids))
        .group_by(ReleaseVersion.release_id)
        .subquery()
    )
    query = select(ReleaseVersion.release_id, ReleaseVersion.id).join(
        latest,
        and_(
            ReleaseVersion.release_id == latest.c.release_id,
            ReleaseVersion.number == latest.c.number,
        ),
    )
    return {release_id: version_id for release_id, version_id in session.execute(query)}


def tags_for_releases(session: Session, release_ids: Iterable[int]) -> dict[int, list[Tag]]:
    """The tags of each release's latest version: {release_id: [Tag, ...]}."""
    latest = latest_version_ids(session, release_ids)
    by_version = tags_for_versions(session, latest.values())
    return {release_id: by_version.get(version_id, []) for release_id, version_id in latest.items()}


def release_ids_tagged(
    session: Session, *, themes: Sequence[str] = (), countries: Sequence[str] = ()
) -> list[int]:
    """Releases whose latest version has every given theme and country as a rule tag."""
    latest = (
        select(ReleaseVersion.release_id, func.max(ReleaseVersion.number).label("number"))
        .group_by(ReleaseVersion.release_id)
        .subquery()
    )
    latest_ids = select(ReleaseVersion.id).join(
        latest,
        and_(
            ReleaseVersion.release_id == latest.c.release_id,
            ReleaseVersion.number == latest.c.number,
        ),
    )
    wanted = [(THEME, t) for t in themes] + [(COUNTRY, c.upper()) for c in countries]
    result: set[int] | None = None
    for kind, value in wanted:
        query = select(Tag.release_id).where(
            Tag.kind == kind,
            Tag.value == value,
            Tag.origin == RULE,
            Tag.version_id.in_(latest_ids),
        )
        ids = set(session.scalars(query))
        result = ids if result is None else result & ids
    return sorted(result or set())


def tag_as_dict(tag: Tag) -> dict[str, Any]:
    """A stored tag as the CLI and exports print it."""
    return {
        "kind": tag.kind,
        "value": tag.value,
        "label": tag.label,
        "score": tag.score,
        "origin": tag.origin,
        "focus": tag.focus,
        "evidence": tag.evidence,
        "attributes": tag.attributes,
        "taxonomy_version": tag.taxonomy_version,
    }
