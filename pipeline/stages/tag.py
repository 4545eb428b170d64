"""Tag stage: tag every stored version not yet tagged with the current taxonomy.

gather (a batch of versions whose `tagged_with` differs from the taxonomy version) -> tag (pure,
tagging.tagger `tag_with_reason`: tags with their status, the text's language, why a text was
left untagged) -> apply (replace their tags, record language and reason, mark them tagged), one
transaction per batch. A crash loses at most the batch in hand; the next run picks it up again.
`retag` does the same over every version (or those since a date), whatever they were tagged with.

Translations: a text the rules cannot read (not English) whose publisher links its English
original (a GOV.UK `translation_of` link, ingest.govuk) takes the tags of that original's latest
version, worked out from its stored text as any version's are (so the order the two were stored
in does not matter), with origin "translation" and the evidence in the original's text. Without
a linked original in the archive the version is left untagged, and the reason says which.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from core.tags import PUBLISHER, TagResult
from pipeline.summary import UNTAGGED_IN
from storage.tags import (
    VersionTags,
    VersionText,
    latest_version_ids,
    releases_by_key,
    replace_tags,
    version_texts,
    versions_to_tag,
)
from tagging.tagger import Tagger, Tagging, get_tagger
from tagging.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from pipeline.app import App
    from storage.db import Database

log = logging.getLogger("deskwatch.tag")


def _resolve(app: App, path: Path | None) -> Path | None:
    if path is None or path.is_absolute():
        return path
    base = app.config.path.parent if app.config.path is not None else Path.cwd()
    return (base / path).resolve()


def taxonomy_for(app: App) -> Taxonomy:
    """The taxonomy and gazetteer the config names (the bundled ones by default)."""
    settings = app.config.tagging
    return load_taxonomy(_resolve(app, settings.taxonomy), _resolve(app, settings.places))


def tagger_for(app: App) -> Tagger:
    return get_tagger(taxonomy_for(app))


TRANSLATION = "translation"
TRANSLATION_LINK = "translation_of"
"""The publisher link kind naming a translation's English original (ingest.govuk)."""
UNTAGGED = "untagged"
"""The count of versions left untagged; per language, `untagged:<code>` (UNTAGGED_IN)."""


def translation_of(links: list[Any]) -> str | None:
    """The release key of the English original a version's publisher links name, if any."""
    for link in links or ():
        if isinstance(link, dict) and link.get("kind") == TRANSLATION_LINK and link.get("value"):
            return str(link["value"])
    return None


def language_name(code: str | None) -> str:
    """The English name of a language code, "Arabic" for "ar" (pycountry's ISO 639 names);
    the code itself when unknown."""
    if not code:
        return "unknown language"
    import pycountry

    found = pycountry.languages.get(alpha_2=code)
    return found.name.split(" (")[0] if found is not None else code


def translated(tags: list[TagResult], original: VersionText, key: str) -> list[TagResult]:
    """The original's own tags (not its publisher links') as a translation's: origin
    "translation", status and evidence kept, `attributes.original` naming the original."""
    ref = {"release_id": original.release_id, "version_id": original.id, "key": key}
    return [
        TagResult(
            kind=t.kind,
            value=t.value,
            label=t.label,
            score=t.score,
            origin=TRANSLATION,
            focus=t.focus,
            evidence=t.evidence,
            attributes={**t.attributes, "original": ref},
            status=t.status,
        )
        for t in tags
        if t.origin != PUBLISHER
    ]


def tag_batch(session: Session, tagger: Tagger, batch: list[VersionText]) -> dict[int, VersionTags]:
    """What the tagger makes of each version of the batch, translations through their original."""
    found: dict[int, VersionTags] = {}
    pending: dict[int, str] = {}  # version id -> its original's key
    for v in batch:
        tagging = tagger.tag_with_reason(v.text, title=v.title, links=v.publisher_links)
        key = translation_of(v.publisher_links)
        reason = tagging.untagged_reason
        if reason is not None:
            if key is None:
                reason = f"{language_name(tagging.language)} text; no English original linked"
            else:
                pending[v.id] = key
        found[v.id] = VersionTags(v.release_id, tagging.tags, tagging.language, reason)
    if not pending:
        return found
    release_ids = releases_by_key(session, pending.values())
    latest = latest_version_ids(session, release_ids.values())
    texts = version_texts(session, latest.values())
    originals: dict[str, Tagging] = {}  # two translations of one original: tagged once
    for version_id, key in pending.items():
        mine = found[version_id]
        release_id = release_ids.get(key)
        original = texts.get(latest.get(release_id, -1)) if release_id is not None else None
        name = language_name(mine.language)
        if original is None:
            reason = f"{name} text; its English original {key} is not in the archive"
            found[version_id] = VersionTags(mine.release_id, mine.tags, mine.language, reason)
            continue
        theirs = originals.get(key)
        if theirs is None:
            theirs = originals[key] = tagger.tag_with_reason(
                original.text, title=original.title, links=original.publisher_links
            )
        if theirs.untagged_reason is not None:
            reason = f"{name} text; its original {key} is untagged too ({theirs.untagged_reason})"
            found[version_id] = VersionTags(mine.release_id, mine.tags, mine.language, reason)
            continue
        tags = list(mine.tags) + translated(theirs.tags, original, key)
        found[version_id] = VersionTags(mine.release_id, tags, mine.language, None)
    return found


def tag_versions(
    app: App,
    db: Database,
    *,
    now: datetime,
    everything: bool = False,
    since: datetime | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Tag versions in batches; returns {"tagged_versions": n, "tags_written": m} and, when
    some were left untagged, "untagged": u and per language `untagged:<code>` (`unknown`)."""
    tagger = tagger_for(app)
    batch_size = app.config.tagging.batch_size
    tagged = written = 0
    untagged: Counter[str] = Counter()
    after_id = 0
    while True:
        with db.session() as session:
            batch = versions_to_tag(
                session,
                tagger.version,
                limit=batch_size,
                after_id=after_id,
                everything=everything,
                since=since,
            )
            if not batch:
                break
            results = tag_batch(session, tagger, batch)
            written += replace_tags(session, results, tagger.version, now=now)
        untagged.update(r.language or "unknown" for r in results.values() if r.untagged_reason)
        tagged += len(batch)
        after_id = batch[-1].id
        if on_batch is not None:
            on_batch(len(batch))
    if tagged:
        log.info("tagged %d versions (%d tags) with taxonomy %s", tagged, written, tagger.version)
    counts = {"tagged_versions": tagged, "tags_written": written}
    if untagged:
        counts[UNTAGGED] = untagged.total()
        counts.update({UNTAGGED_IN + code: n for code, n in sorted(untagged.items())})
    return counts


def tag_pending(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    """Tag every version whose `tagged_with` is not the current taxonomy version."""
    return tag_versions(app, db, now=now)
