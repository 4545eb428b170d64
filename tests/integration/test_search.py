"""Full-text search with facets on SQLite (FTS5) and Postgres (tsvector), over the test archive."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, literal_column, text

from core.errors import QueryError
from core.query import parse
from storage.search import export_rows, fill_periods, matching, newest_first, search, timeline
from tests.fixtures.archive import ITEMS, Archive, Item, at, record


def slugs(archive: Archive, query: str, **kwargs: object) -> list[str]:
    by_id = {v: k for k, v in archive.ids.items()}
    with archive.db.session() as session:
        return [by_id[h.release_id] for h in search(session, parse(query), **kwargs)]


def test_a_word_is_stemmed_and_case_blind(archive: Archive) -> None:
    assert slugs(archive, "SANCTION") == ["russia-sanctions"]
    assert slugs(archive, "sanctioning") == ["russia-sanctions"]
    assert slugs(archive, "nothing-like-this-anywhere") == []


def test_diacritics_are_folded_both_ways(archive: Archive) -> None:
    assert slugs(archive, "cote") == ["cote-divoire"]
    assert slugs(archive, "Côte") == ["cote-divoire"]
    assert slugs(archive, "yoko kamikawa") == ["japan-defence"]


def test_phrases_keep_their_order(archive: Archive) -> None:
    assert slugs(archive, '"sustainable ceasefire"') == ["gaza-ceasefire"]
    assert slugs(archive, '"ceasefire sustainable"') == []
    assert slugs(archive, "co-operation") == ["japan-defence"]


def test_boolean_operators_and_prefixes(archive: Archive) -> None:
    assert set(slugs(archive, "tokyo OR kremlin")) == {"japan-defence", "russia-sanctions"}
    assert slugs(archive, "japan") == ["japan-trade"]  # "Japanese" is another word
    assert set(slugs(archive, "japan*")) == {"japan-defence", "japan-trade"}
    assert slugs(archive, "japan* -tariffs") == ["japan-defence"]
    assert slugs(archive, "japan* NOT tariffs") == ["japan-defence"]
    assert slugs(archive, "japan AND tariffs") == ["japan-trade"]
    assert set(slugs(archive, "sanct*")) == {"russia-sanctions"}
    assert set(slugs(archive, "ukrain*")) == {"russia-sanctions", "kyiv-visit"}
    assert set(slugs(archive, "(tokyo OR kyiv) defence")) == {"japan-defence", "kyiv-visit"}


def test_only_negated_words_mean_everything_else(archive: Archive) -> None:
    found = slugs(archive, "-japan* -ukrain*")
    assert set(found) == {"gaza-ceasefire", "cote-divoire"}


def test_field_filters(archive: Archive) -> None:
    assert set(slugs(archive, "theme:defence-security")) == {"japan-defence", "kyiv-visit"}
    assert set(slugs(archive, "country:jp")) == {"japan-defence", "japan-trade"}
    assert set(slugs(archive, "country:JP,UA")) == {
        "japan-defence",
        "japan-trade",
        "russia-sanctions",
        "kyiv-visit",
    }
    assert slugs(archive, "country:JP -theme:trade-economic-security") == ["japan-defence"]
    assert slugs(archive, 'person:"Yoko Kamikawa"') == ["japan-defence"]
    assert slugs(archive, "person:kamikawa") == ["japan-defence"]
    assert slugs(archive, 'person:"Grant Shapps" defence') == ["kyiv-visit"]
    assert slugs(archive, "person:nobody") == []
    assert slugs(archive, "source:FEEDS") == ["cote-divoire"]
    assert set(slugs(archive, "type:news-story")) == {"russia-sanctions", "japan-trade"}
    assert slugs(archive, "type:no_such_type") == []
    assert slugs(archive, "defence theme:defence-security country:UA") == ["kyiv-visit"]


def test_dates_are_inclusive_and_sort_newest_first(archive: Archive) -> None:
    assert slugs(archive, "since:2024-03") == ["kyiv-visit", "japan-trade"]
    assert slugs(archive, "until:2023-12") == ["gaza-ceasefire", "japan-defence"]
    assert slugs(archive, "since:2024-01-15 until:2024-02-01") == [
        "cote-divoire",
        "russia-sanctions",
    ]
    assert slugs(archive, "japan since:2024-01-01") == ["japan-trade"]


def test_ranking_puts_title_matches_first(archive: Archive) -> None:
    # "defence secretary" is in the title of kyiv-visit and only in the body of japan-trade
    assert slugs(archive, '"defence secretary"') == ["kyiv-visit", "japan-trade"]
    with archive.db.session() as session:
        hits = search(session, parse('"defence secretary"'))
    assert hits[0].score is not None and hits[0].score > hits[1].score


def test_hits_carry_tags_and_a_highlighted_snippet(archive: Archive) -> None:
    with archive.db.session() as session:
        [hit] = search(session, parse("ceasefire"))
    assert hit.title == "UK statement on the situation in Gaza"
    assert hit.themes == ["middle-east-escalation", "humanitarian"]
    assert hit.countries == ["PS", "IL"]
    assert "**ceasefire**" in hit.snippet
    assert hit.version_number == 2
    assert hit.url == "https://www.gov.uk/government/news/gaza-ceasefire"
    assert hit.published_at == at("2023-12-10")


def test_a_filter_only_search_shows_the_opening_as_snippet(archive: Archive) -> None:
    with archive.db.session() as session:
        [hit] = search(session, parse("source:feeds"))
    assert hit.snippet.startswith("The United Kingdom welcomes the peaceful conduct")
    assert hit.score is None


def test_limit_and_offset(archive: Archive) -> None:
    everything = slugs(archive, "since:2000")
    assert len(everything) == len(ITEMS)
    assert slugs(archive, "since:2000", limit=2) == everything[:2]
    assert slugs(archive, "since:2000", limit=2, offset=2) == everything[2:4]
    assert slugs(archive, "since:2000", limit=10, offset=10) == []


def test_as_of_searches_the_archive_as_it_was(archive: Archive) -> None:
    # the second Gaza version (fetched 12 December) replaced "humanitarian pauses"
    assert slugs(archive, '"humanitarian pauses"') == []
    assert slugs(archive, '"humanitarian pauses"', as_of=date(2023, 12, 11)) == ["gaza-ceasefire"]
    assert slugs(archive, '"sustainable ceasefire"', as_of=date(2023, 12, 11)) == []
    assert slugs(archive, '"sustainable ceasefire"', as_of=date(2023, 12, 12)) == ["gaza-ceasefire"]
    # releases first fetched after the date are not in the archive yet
    assert slugs(archive, "since:2000", as_of=date(2023, 12, 31)) == [
        "gaza-ceasefire",
        "japan-defence",
    ]
    with archive.db.session() as session:
        [hit] = search(session, parse("gaza"), as_of=date(2023, 12, 11))
    assert hit.version_number == 1 and "**Gaza**" in hit.snippet


def test_new_versions_are_indexed_as_they_are_stored(archive: Archive) -> None:
    from storage.models import Source
    from storage.releases import store_record

    item = ITEMS[4]
    with archive.db.session() as session:
        source = session.query(Source).filter_by(name="seeds").one()
        store_record(
            session,
            source,
            record(item, item.text + " Whisky exports will double."),
            now=at("2024-03-06"),
        )
    assert slugs(archive, "whisky") == ["japan-trade"]
    assert slugs(archive, "whisky", as_of=date(2024, 3, 5)) == []


def test_ranking_the_best_candidates_first_finds_the_same_pages(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [
        "civilians",
        "gaza",
        "defence OR tariffs",
        "released",
        "ukrain* OR japan*",
        "(defence OR civilians) country:UA,JP,IL",
        "the since:2023-12-01",
    ]
    expected = {
        (q, offset): slugs(archive, q, limit=2, offset=offset) for q in queries for offset in (0, 2)
    }
    # one candidate, then two, then all: the old Gaza version and thin pages force widening
    monkeypatch.setattr("storage.search.candidate_tops", lambda need: (1, 2, None))
    for (q, offset), page in expected.items():
        assert slugs(archive, q, limit=2, offset=offset) == page, q
    assert expected[("defence OR tariffs", 0)] == ["japan-trade", "kyiv-visit"]
    assert len(expected[("ukrain* OR japan*", 2)]) == 2  # a second page of four hits
    # and the pages are those of one query ranking every match (on SQLite, search() streams
    # matches best first from the index and stops after the page and its ties)
    with archive.db.session() as session:
        for (q, offset), page in expected.items():
            everything = (
                matching(session, parse(q))
                .order_by(literal_column("score").desc(), *newest_first())
                .limit(2)
                .offset(offset)
            )
            by_id = {v: k for k, v in archive.ids.items()}
            assert [by_id[row.release_id] for row in session.execute(everything)] == page, q


def test_hostile_input_is_only_text(archive: Archive) -> None:
    for query in [
        "'; DROP TABLE releases; --",
        '" OR 1=1 --"',
        "country:\"JP' OR '1'='1\"",
        "source:seeds'--",
        "NEAR(japan tokyo)",
        "title:japan",
    ]:
        try:
            with archive.db.session() as session:
                search(session, parse(query))
        except QueryError:
            pass
    assert slugs(archive, "country:\"JP' OR '1'='1\"") == []
    assert slugs(archive, '"OR 1=1 --"') == []
    with archive.db.session() as session:
        assert session.execute(text("SELECT count(*) FROM releases")).scalar() == len(ITEMS)


def test_an_empty_query_is_refused(archive: Archive) -> None:
    with archive.db.session() as session, pytest.raises(QueryError, match="empty"):
        search(session, parse("  "))


def test_export_streams_every_release_with_tags_and_text(archive: Archive) -> None:
    with archive.db.session() as session:
        rows = list(export_rows(session, parse(""), chunk=2))
    assert [r["id"] for r in rows] == sorted(archive.ids.values())
    gaza = next(r for r in rows if r["id"] == archive.ids["gaza-ceasefire"])
    assert gaza["version"] == 2
    assert "sustainable ceasefire" in gaza["text"]
    assert gaza["themes"] == ["middle-east-escalation", "humanitarian"]
    assert gaza["url"].endswith("/gaza-ceasefire")
    with archive.db.session() as session:
        japan = list(export_rows(session, parse("country:JP"), chunk=1))
    assert {r["id"] for r in japan} == {archive.ids["japan-defence"], archive.ids["japan-trade"]}
    kamikawa = next(r for r in japan if r["id"] == archive.ids["japan-defence"])
    assert kamikawa["people"] == ["Yōko Kamikawa"]


def test_timeline_counts_per_month_and_week(archive: Archive) -> None:
    with archive.db.session() as session:
        months = timeline(session, parse(""), by="month")
        weeks = timeline(session, parse("theme:defence-security"), by="week")
    assert months == {
        date(2023, 11, 1): 1,
        date(2023, 12, 1): 1,
        date(2024, 1, 1): 1,
        date(2024, 2, 1): 1,
        date(2024, 3, 1): 2,
    }
    # 2023-11-07 is a Tuesday, 2024-03-20 a Wednesday: their Mondays
    assert weeks == {date(2023, 11, 6): 1, date(2024, 3, 18): 1}
    rows = fill_periods({"all": months}, "month")
    assert [r["period"] for r in rows][:2] == [date(2023, 11, 1), date(2023, 12, 1)]
    assert len(fill_periods({"d": weeks}, "week")) == 20  # 6 Nov 2023 .. 18 Mar 2024


def test_the_search_index_exists_beside_the_model_tables(database: object) -> None:
    names = set(inspect(database.engine).get_table_names())  # type: ignore[attr-defined]
    assert {"search_fts", "search_documents"} & names


def test_ties_on_score_follow_the_publication_date_even_when_it_changes(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three releases with the same words tie on score: newest first, cut exactly by the page
    even when the candidates are fewer than the ties (on Postgres the ranked candidates are
    taken in the page's order inside the index, which keeps a copy of each release's date)."""
    from sqlalchemy import update

    from storage.models import Release, Source
    from storage.releases import store_record

    days = {"tie-a": "2024-04-01", "tie-b": "2024-04-03", "tie-c": "2024-04-02"}
    with archive.db.session() as session:
        source = session.query(Source).filter_by(name="seeds").one()
        for slug, day in days.items():
            item = Item(slug, "Marmalade exports", "Marmalade exports grew again.", day)
            archive.ids[slug] = store_record(session, source, record(item), now=at(day)).release_id
    monkeypatch.setattr("storage.search.candidate_tops", lambda need: (need, None))
    assert slugs(archive, "marmalade") == ["tie-b", "tie-c", "tie-a"]
    assert slugs(archive, "marmalade", limit=1, offset=1) == ["tie-c"]
    with archive.db.session() as session:
        session.execute(
            update(Release)
            .where(Release.id == archive.ids["tie-a"])
            .values(published_at=at("2024-04-05"))
        )
    assert slugs(archive, "marmalade", limit=2) == ["tie-a", "tie-b"]
    assert slugs(archive, "marmalade since:2024-04-04") == ["tie-a"]


def test_snippets_highlight_stemmed_and_folded_words(archive: Archive) -> None:
    with archive.db.session() as session:
        sanctions = search(session, parse("sanctioning"))[0]
        cote = search(session, parse("COTE"))[0]
        prefix = search(session, parse("ukrain* -japan"))
        stemmed_prefix = search(session, parse("ukraine*"))
    assert "**sanctioned**" in sanctions.snippet
    assert "**Côte**" in cote.snippet
    assert len(prefix) == 2 and all("**Ukrain" in hit.snippet for hit in prefix)
    # "ukraine*" is the prefix of a stem ('ukrain':* on Postgres): "Ukrainian" matches
    kyiv = next(h for h in stemmed_prefix if h.release_id == archive.ids["kyiv-visit"])
    assert "**Ukrainian**" in kyiv.snippet and "**Ukraine**" in kyiv.snippet


def test_the_index_follows_a_version_moved_to_another_release(archive: Archive) -> None:
    """Postgres keeps each indexed version's release and date (migration 0003): a version moved
    to another release by hand takes the new release's id and date into the index."""
    if archive.db.dialect != "postgresql":
        pytest.skip("SQLite's FTS5 index holds no release or date")
    moved = archive.versions["cote-divoire"][-1]
    target = archive.ids["japan-trade"]
    with archive.db.session() as session:
        session.execute(
            text("UPDATE release_versions SET release_id = :r, number = 99 WHERE id = :v"),
            {"r": target, "v": moved},
        )
        row = session.execute(
            text(
                "SELECT d.release_id, d.published_at = r.published_at FROM search_documents d "
                "JOIN releases r ON r.id = :r WHERE d.version_id = :v"
            ),
            {"r": target, "v": moved},
        ).one()
        session.rollback()
    assert tuple(row) == (target, True)
