"""The topic pages' own queries (storage.reading_room.tag_timeline, top_phrases) give what the
CLI's general ones give (storage.search.timeline for `kind:value`, storage.phrases'
phrase_history cut at `limit`), on the reading room's test archive with the awkward cases
added: a tag on an older version only, one tag from two origins, phrases tied on weight,
releases and last use. On SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.query import Filter, Query
from storage.models import PhraseUse, Tag
from storage.phrases import phrase_history
from storage.reading_room import tag_timeline, top_phrases
from storage.search import timeline
from tests.fixtures.archive import Archive
from tests.fixtures.reading_room import prepare

T = datetime(2023, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def bases(archive: Archive, db_url: str) -> list[tuple[str, str]]:
    prepare(archive, db_url)  # diffed: phrase uses recorded by the diff stage
    gaza_v1, gaza_v2 = archive.versions["gaza-ceasefire"]
    gaza = archive.ids["gaza-ceasefire"]
    kyiv = archive.ids["kyiv-visit"]
    kyiv_v = archive.versions["kyiv-visit"][-1]
    with archive.db.session() as session:

        def tag(release_id: int, version_id: int, kind: str, value: str, **kw: object) -> None:
            session.add(
                Tag(
                    release_id=release_id,
                    version_id=version_id,
                    kind=kind,
                    value=value,
                    score=0.9,
                    taxonomy_version="t",
                    **kw,
                )
            )

        tag(gaza, gaza_v1, "theme", "old-only")  # not on the latest version: never counted
        tag(kyiv, kyiv_v, "country", "UA", origin="publisher", focus=True)  # a second origin
        tag(kyiv, kyiv_v, "theme", "ties", origin="rule")
        tag(gaza, gaza_v2, "theme", "ties", origin="rule")
        tag(gaza, gaza_v2, "theme", "below-the-bar", status="suggested")
        for phrase in ["beta", "alpha", "gamma", "Émigré", "zeta"]:
            for release_id, version_id, days in ((kyiv, kyiv_v, 0), (gaza, gaza_v2, 3)):
                if phrase == "zeta" and release_id == gaza:
                    continue  # said once, then dropped by the later statement
                session.add(
                    PhraseUse(
                        phrase=phrase,
                        weight=1.0 if phrase == "gamma" else 0.0,
                        release_id=release_id,
                        version_id=version_id,
                        used_at=T + timedelta(days=days),
                    )
                )
        found = session.execute(select(Tag.kind, Tag.value).distinct()).all()
    return sorted({(k, v) for k, v in found if k in ("theme", "country")})


def test_tag_timeline_counts_what_the_timeline_of_the_query_counts(
    archive: Archive, bases: list[tuple[str, str]]
) -> None:
    assert ("theme", "old-only") in bases and ("theme", "below-the-bar") in bases
    with archive.db.session() as session:
        for kind, value in bases:
            whole = timeline(session, Query().with_filter(Filter(kind, (value,))), by="month")
            assert tag_timeline(session, kind, value) == whole, (kind, value)
            since = datetime(2023, 11, 1, tzinfo=UTC)
            assert tag_timeline(session, kind, value, since=since) == {
                month: n for month, n in whole.items() if month >= since.date()
            }
        assert tag_timeline(session, "theme", "old-only") == {}
        assert tag_timeline(session, "theme", "below-the-bar") == {}  # a theme counts if tagged
        assert sum(tag_timeline(session, "country", "UA").values()) == sum(
            timeline(session, Query().with_filter(Filter("country", ("UA",)))).values()
        )
        with pytest.raises(ValueError):
            tag_timeline(session, "person", "Someone")


def test_top_phrases_are_the_first_rows_of_the_phrase_history(
    archive: Archive, bases: list[tuple[str, str]]
) -> None:
    with archive.db.session() as session:
        ties = phrase_history(session, "theme:ties")
        ours = [
            r["phrase"] for r in ties if r["phrase"] in ("alpha", "beta", "gamma", "Émigré", "zeta")
        ]
        # weight, then releases, then the last use, then code points
        assert ours == ["gamma", "alpha", "beta", "Émigré", "zeta"]
        assert {r["phrase"]: r["dropped_since"] for r in ties}["zeta"] == T + timedelta(days=3)
        compared = 0
        for kind, value in bases:
            basis = f"{kind}:{value}"
            history = phrase_history(session, basis)
            for limit in (1, 2, 3, 40):
                assert top_phrases(session, basis, limit=limit) == history[:limit], (basis, limit)
            compared += len(history)
        assert compared > len(ties)  # the diff stage's phrases were compared too
