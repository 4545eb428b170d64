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
- `status` is "tagged" (the evidence is enough) or "suggested" (some evidence, below the bar).
  Suggested tags are shown and searchable (`suggested:<id>`) but only `status='tagged'` ones
  filter `--theme`/`--country` and alert, unless a subscription asks for suggested ones.
- `origin='translation'` tags are those of a GOV.UK translation's English original (the release
  the Content API links), copied with their status and evidence; the evidence's offsets are
  into the original's text, and `attributes.original` names it ({release_id, version_id, key}).
- The version itself records the `language` the tag stage detected and, when the rules left
  it untagged on purpose, `untagged_reason`.

Read the tags of many versions with `tags_for_versions` (one query), not one query per release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from core.tags import TagResult
from storage import dialect
from storage.models import Release, ReleaseVersion, Tag

THEME, COUNTRY, RULE = "theme", "country", "rule"
TAGGED = "tagged"
OWN_ORIGINS = (RULE, "translation")
"""The origins of the tags the rules found, in the text or in its English original's."""


@dataclass(frozen=True)
class VersionText:
    """What the tagger needs of one stored version."""

    id: int
    release_id: int
    title: str
    text: str
    publisher_links: list[Any]


@dataclass(frozen=True)
class VersionTags:
    """What the tag stage found for one version: its tags, the language of its text and, when
    the rules left it untagged on purpose, why."""

    release_id: int
    tags: Sequence[TagResult]
    language: str | None = None
    untagged_reason: str | None = None


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
    results: Mapping[int, VersionTags],
    taxonomy_version: str,
    *,
    now: datetime,
) -> int:
    """Replace the tags of each version in `results` ({version_id: VersionTags}), record its
    language and untagged reason, and mark it tagged with `taxonomy_version`. Returns the
    number of tag rows written."""
    if not results:
        return 0
    ids = list(results)
    session.execute(delete(Tag).where(Tag.version_id.in_(ids)))
    rows: list[dict[str, Any]] = []
    for version_id, found in results.items():
        seen: set[tuple[str, str, str]] = set()
        for tag in found.tags:
            key = (tag.kind, tag.value[:300], tag.origin)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "release_id": found.release_id,
                    "version_id": version_id,
                    "kind": tag.kind,
                    "value": tag.value[:300],
                    "label": tag.label[:300] if tag.label else None,
                    "score": float(tag.score),
                    "origin": tag.origin,
                    "focus": bool(tag.focus),
                    "status": tag.status,
                    "evidence": [e.as_dict() for e in tag.evidence],
                    "attributes": tag.attributes,
                    "taxonomy_version": taxonomy_version,
                    "created_at": now,
                }
            )
    if rows:
        session.execute(cast(Table, Tag.__table__).insert(), rows)
    version_table = cast(Table, ReleaseVersion.__table__)
    session.execute(
        version_table.update()
        .where(version_table.c.id == bindparam("version_id"))
        .values(
            tagged_with=taxonomy_version,
            language=bindparam("found_language"),
            untagged_reason=bindparam("found_reason"),
        ),
        [
            {
                "version_id": version_id,
                "found_language": found.language,
                "found_reason": found.untagged_reason,
            }
            for version_id, found in results.items()
        ],
    )
    return len(rows)


def versions_tagging(
    session: Session, version_ids: Iterable[int]
) -> dict[int, tuple[str | None, str | None]]:
    """{version_id: (language, untagged_reason)} of many versions, in one query."""
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    query = select(
        ReleaseVersion.id, ReleaseVersion.language, ReleaseVersion.untagged_reason
    ).where(ReleaseVersion.id.in_(ids))
    return {row.id: (row.language, row.untagged_reason) for row in session.execute(query)}


def releases_by_key(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """{key: release id} of the releases stored under these keys (those present)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    query = select(Release.key, Release.id).where(Release.key.in_(wanted))
    return {key: release_id for key, release_id in session.execute(query)}


def version_texts(session: Session, version_ids: Iterable[int]) -> dict[int, VersionText]:
    """{version_id: VersionText} of these versions."""
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    query = select(
        ReleaseVersion.id,
        ReleaseVersion.release_id,
        ReleaseVersion.title,
        ReleaseVersion.text,
        ReleaseVersion.publisher_links,
    ).where(ReleaseVersion.id.in_(ids))
    return {row[0]: VersionText(*row) for row in session.execute(query)}


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
    """Releases whose latest version has every given theme and country as a tag over the
    tagger's bar (status "tagged"), its own (origin rule) or its English original's (origin
    translation). Publisher links and suggested tags do not count."""
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
            Tag.origin.in_(OWN_ORIGINS),
            Tag.status == TAGGED,
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
        "status": tag.status,
        "evidence": tag.evidence,
        "attributes": tag.attributes,
        "taxonomy_version": tag.taxonomy_version,
    }
