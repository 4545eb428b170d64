"""Tag stage: tag every stored version not yet tagged with the current taxonomy.

gather (a batch of versions whose `tagged_with` differs from the taxonomy version) -> tag (pure,
tagging.tagger) -> apply (replace their tags, mark them tagged), one transaction per batch. A
crash loses at most the batch in hand; the next run picks it up again. `retag` does the same
over every version (or those since a date), whatever they were tagged with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storage.tags import replace_tags, versions_to_tag
from tagging.tagger import Tagger, get_tagger
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


def tag_versions(
    app: App,
    db: Database,
    *,
    now: datetime,
    everything: bool = False,
    since: datetime | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Tag versions in batches; returns {"tagged_versions": n, "tags_written": m}."""
    tagger = tagger_for(app)
    batch_size = app.config.tagging.batch_size
    tagged = written = 0
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
            results = {
                v.id: (v.release_id, tagger.tag(v.text, title=v.title, links=v.publisher_links))
                for v in batch
            }
            written += replace_tags(session, results, tagger.version, now=now)
        tagged += len(batch)
        after_id = batch[-1].id
        if on_batch is not None:
            on_batch(len(batch))
    if tagged:
        log.info("tagged %d versions (%d tags) with taxonomy %s", tagged, written, tagger.version)
    return {"tagged_versions": tagged, "tags_written": written}


def tag_pending(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    """Tag every version whose `tagged_with` is not the current taxonomy version."""
    return tag_versions(app, db, now=now)
