"""A search of one word ranks only its title matches when they fill the page's candidates
(Postgres, storage.search_tsvector): the pages are those of ranking every match; and a search
without words reads its newest matches once for the page and the facets (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import literal_column, text

from core.query import parse
from storage.search import matching, newest_first, search, search_page
from storage.search_tsvector import ranks_titles_first
from tests.fixtures.archive import Archive, Item, at, record

# "quince" in the title of four releases, and in the text only of five, up to 40 times each
TITLED = [f"Quince harvest report {i}" for i in range(4)]
UNTITLED = [" ".join(["Quince orchards grew."] * (8 * (i + 1))) for i in range(5)]


def _add_quinces(archive: Archive) -> None:
    from storage.models import Source
    from storage.releases import store_record

    with archive.db.session() as session:
        source = session.query(Source).filter_by(name="seeds").one()
        made = [
            Item(f"quince-title-{i}", title, "The harvest was good this year.", f"2024-05-0{i + 1}")
            for i, title in enumerate(TITLED)
        ] + [
            Item(f"quince-text-{i}", f"Orchard note {i}", body, f"2024-06-0{i + 1}")
            for i, body in enumerate(UNTITLED)
        ]
        for item in made:
            stored = store_record(session, source, record(item), now=at(item.published))
            archive.ids[item.slug] = stored.release_id


def _ranked_every_match(archive: Archive, q: str, limit: int, offset: int) -> list[int]:
    with archive.db.session() as session:
        every = (
            matching(session, parse(q))
            .order_by(literal_column("score").desc(), *newest_first())
            .limit(limit)
            .offset(offset)
        )
        return [row.release_id for row in session.execute(every)]


def test_one_word_is_ranked_title_matches_first(archive: Archive) -> None:
    assert ranks_titles_first(parse("quince").text)  # type: ignore[arg-type]
    for q in ("quince*", '"quince harvest"', "quince OR pear", "quince pear", "-quince"):
        assert not ranks_titles_first(parse(q).text), q  # type: ignore[arg-type]


@pytest.mark.parametrize("tops", [(1, None), (3, None), (4, None), (6, None), (None,)])
def test_title_matches_first_give_the_pages_of_ranking_every_match(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, tops: tuple[int | None, ...]
) -> None:
    """Fewer, as many or more candidates than title matches: the same pages either way (on
    Postgres the four title matches first, although the text-only ones use the word up to 40
    times)."""
    _add_quinces(archive)
    expected = {
        (limit, offset): _ranked_every_match(archive, "quince", limit, offset)
        for limit, offset in ((2, 0), (2, 2), (3, 3), (9, 0))
    }
    assert len(expected[(9, 0)]) == 9
    if archive.db.url.startswith("postgresql"):  # ts_rank (SQLite's bm25 weighs uses more)
        titled = [archive.ids[f"quince-title-{i}"] for i in range(4)]
        assert set(expected[(9, 0)][:4]) == set(titled)
    monkeypatch.setattr("storage.search.candidate_tops", lambda need: tops)
    with archive.db.session() as session:
        for (limit, offset), page in expected.items():
            found = search(session, parse("quince"), limit=limit, offset=offset)
            assert [h.release_id for h in found] == page, (limit, offset)
            kept = search_page(session, parse("quince"), limit=limit, offset=offset, sample=5)
            assert [h.release_id for h in kept.hits] == page, (limit, offset)
    # with a filter among the matches (Postgres applies it before ranking)
    dated = "quince since:2024-05-03"
    with archive.db.session() as session:
        found = [h.release_id for h in search(session, parse(dated), limit=4)]
    assert found == _ranked_every_match(archive, dated, 4, 0)


@pytest.mark.postgres
def test_every_title_match_outscores_every_text_only_match(archive: Archive) -> None:
    """The bound the title-first ranking rests on, on Postgres's own ts_rank: a title match
    scores at least 1 / (pi^2 / 6), a text-only match under 0.4, however often it has the
    word."""
    if not archive.db.url.startswith("postgresql"):
        pytest.skip("ts_rank is Postgres's")
    _add_quinces(archive)
    scores = (
        "SELECT ts_filter(d.document, '{a}') @@ q AS titled, ts_rank(d.document, q) AS score "
        "FROM search_documents d, to_tsquery('deskwatch', :q) AS q WHERE d.document @@ q"
    )
    with archive.db.session() as session:
        rows: list[Any] = session.execute(text(scores), {"q": "quince"}).all()
        titled = [r.score for r in rows if r.titled]
        untitled = [r.score for r in rows if not r.titled]
        assert len(titled) == 4 and len(untitled) == 5
        assert min(titled) >= 0.6079 > 0.4 > max(untitled)


def test_a_search_without_words_cuts_its_page_from_the_newest_sample(archive: Archive) -> None:
    """search_page(sample=) reads the newest sample + 1 matches once; the page is the CLI's,
    and the facets over them count what facets() counts by itself."""
    from storage.reading_room import facets

    q = parse("since:2000")
    with archive.db.session() as session:
        every = search(session, q, limit=50)
        for limit, offset, sample in ((2, 0, 3), (2, 2, 3), (1, 3, 3), (2, 0, 50)):
            page = search_page(session, q, limit=limit, offset=offset, sample=sample)
            assert [h.release_id for h in page.hits] == [
                h.release_id for h in every[offset : offset + limit]
            ]
            assert page.ranked is not None
            assert [r for r, _ in page.ranked] == [h.release_id for h in every[: sample + 1]]
            assert page.every == (len(every) <= sample)
            shared = facets(session, q, sample=sample, ranked=page.ranked, every=page.every)
            alone = facets(session, q, sample=sample)
            assert shared.as_dict() == alone.as_dict()
        # a page beyond the sample is read by itself
        beyond = search_page(session, q, limit=2, offset=4, sample=3)
        assert beyond.ranked is None
        assert [h.release_id for h in beyond.hits] == [h.release_id for h in every[4:6]]


def test_migration_0012_indexes_title_words_and_dates_and_is_undone(db_url: str) -> None:
    """Postgres gets a GIN index of each version's title words (the title-first ranking) and a
    B-tree of the index table's dates; SQLite nothing. Down to 0011 and up again leaves the
    archive current."""
    from alembic import command

    from storage.db import alembic_config, open_database, pending_migrations

    def made() -> dict[str, str]:
        if not db_url.startswith("postgresql"):
            return {}
        with db.engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                    "'search_documents' AND indexname IN ('search_documents_title', "
                    "'search_documents_published_at') AND schemaname = current_schema()"
                )
            )
            return {name: definition for name, definition in found}

    db = open_database(db_url, upgrade=True)
    try:
        indexes = made()
        if db_url.startswith("postgresql"):
            assert "USING gin (ts_filter(document" in indexes["search_documents_title"]
            assert "USING btree (published_at)" in indexes["search_documents_published_at"]
        else:
            assert indexes == {}
        command.downgrade(alembic_config(db), "0011")
        assert made() == {}
        assert min(pending_migrations(db)) == "0012"  # and any migration after it
        command.upgrade(alembic_config(db), "head")
        assert made() == indexes
        assert pending_migrations(db) == []
    finally:
        db.dispose()
