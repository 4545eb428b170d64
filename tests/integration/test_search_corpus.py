"""Search over real GOV.UK Content API items (the shared corpus), ingested by the files source."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.query import parse, tokens
from storage.search import search
from tests.fixtures.corpus import GOVUK, corpus_path

pytestmark = pytest.mark.corpus


@pytest.fixture
def corpus_db(database: object, db_url: str, tmp_path: Path) -> object:
    corpus_path(GOVUK)
    from pipeline import steps
    from pipeline.app import App
    from pipeline.settings import Settings
    from pipeline.stages.ingest import ingest_source

    config = tmp_path / "deskwatch.yaml"
    config.write_text(f"sources:\n  - {{name: govuk, type: files, path: {GOVUK}}}\n")
    app = App.load(config, Settings(database_url=db_url))
    db = steps.prepare(app)
    [source] = app.config.sources
    ingest_source(db, source, now=datetime(2026, 1, 1, tzinfo=UTC))
    return db


def test_every_release_is_found_by_its_title(corpus_db: object) -> None:
    from sqlalchemy import select

    from storage.models import Release

    with corpus_db.session() as session:  # type: ignore[attr-defined]
        titles = list(session.execute(select(Release.id, Release.title)))
        assert len(titles) > 50
        missed = []
        for release_id, title in titles:
            words = tokens(title)[:8]
            if not words:
                continue
            phrase = '"' + " ".join(words) + '"'
            hits = search(session, parse(phrase), limit=100)
            if release_id not in [h.release_id for h in hits]:
                missed.append(title)
    assert missed == []
