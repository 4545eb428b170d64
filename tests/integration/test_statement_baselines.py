"""Which earlier statement the real diff stage compares a new one with, on SQLite and Postgres:
like with like on the theme's passages, never via the publisher's own country (GB) or a tag
most releases carry, never a translation; the reason stored when nothing is comparable; and a
phrase history dated by each version's own time. Tags rows are written here as the tag stage
would, evidence sentences included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.records import ReleaseRecord
from diffing.model import Diff
from pipeline.app import App
from pipeline.config import Config
from pipeline.settings import Settings
from pipeline.stages.diff import diff_pending
from storage.changes import changes_of_release
from storage.db import Database
from storage.models import Change, Tag
from storage.phrases import phrase_history
from storage.releases import store_record, sync_source

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
THEME = "middle-east-escalation"
GOVUK = "https://www.gov.uk/government/news/"
PAUSES = (
    "The Foreign Secretary spoke to his Israeli counterpart today. "
    "The UK calls for humanitarian pauses in Gaza so that aid can reach civilians. "
    "All hostages must be released."
)
CEASEFIRE = (
    "The Foreign Secretary met G7 partners today. "
    "The UK now calls for a sustainable ceasefire in Gaza so that aid can reach civilians. "
    "All hostages must be released."
)
TRADE = (
    "The UK and Japan signed a trade agreement today. Tariffs on whisky and cars will fall. "
    "The agreement supports jobs across the United Kingdom."
)


def app_for(db: Database) -> App:
    return App(settings=Settings(database_url=db.url), config=Config())


def add(
    db: Database,
    key: str,
    text: str,
    at: datetime,
    *,
    themes: dict[str, list[str]] | None = None,
    countries: tuple[str, ...] = (),
    language: str = "en",
    updated_at: datetime | None = None,
    now: datetime = NOW,
    suggested: tuple[str, ...] = (),
) -> int:
    """A gov.uk release (or a new version of it), tagged: `themes` maps a theme to the sentences
    of its evidence."""
    with db.session() as session:
        source = sync_source(session, "test", "files", {})
        record = ReleaseRecord(
            key=key,
            title=key,
            text=text,
            raw=text.encode(),
            content_type="text/plain",
            url=GOVUK + key,
            published_at=at,
            updated_at=updated_at,
            language=language,
            organisation="Foreign, Commonwealth & Development Office",
            document_type="press_release",
        )
        stored = store_record(session, source, record, now=now)
        for theme, sentences in (themes or {}).items():
            session.add(
                Tag(
                    release_id=stored.release_id,
                    version_id=stored.version_id,
                    kind="theme",
                    value=theme,
                    label="Middle East escalation" if theme == THEME else None,
                    origin="rule",
                    taxonomy_version="test",
                    evidence=[
                        {"text": s[:10], "start": 0, "end": 10, "sentence": s} for s in sentences
                    ],
                )
            )
        for theme in suggested:  # below the tagger's bar
            session.add(
                Tag(
                    release_id=stored.release_id,
                    version_id=stored.version_id,
                    kind="theme",
                    value=theme,
                    origin="rule",
                    status="suggested",
                    taxonomy_version="test",
                )
            )
        for code in countries:
            session.add(
                Tag(
                    release_id=stored.release_id,
                    version_id=stored.version_id,
                    kind="country",
                    value=code,
                    focus=True,
                    taxonomy_version="test",
                )
            )
        return stored.release_id


def statement_changes(db: Database, release_id: int) -> dict[str, Change]:
    with db.session() as session:
        changes = changes_of_release(session, release_id, kind="statement")
        session.expunge_all()
    return {c.basis: c for c in changes}


def test_pauses_then_ceasefire_compares_on_the_theme_never_via_gb(database: Database) -> None:
    pauses = add(
        database,
        "pauses",
        PAUSES,
        NOW - timedelta(days=37),
        themes={THEME: [PAUSES.split(". ")[1]]},
        countries=("GB", "IL"),
    )
    add(database, "japan-trade", TRADE, NOW - timedelta(days=3), countries=("GB", "JP"))
    ceasefire = add(
        database,
        "ceasefire",
        CEASEFIRE,
        NOW,
        themes={THEME: [CEASEFIRE.split(". ")[1]]},
        countries=("GB", "IL"),
    )
    diff_pending(app_for(database), database, now=NOW)
    found = statement_changes(database, ceasefire)
    assert sorted(found) == ["country:IL", f"theme:{THEME}"]  # GB drives nothing
    change = found[f"theme:{THEME}"]
    assert change.against_release_id == pauses
    diff = Diff.from_payload(change.payload)
    assert diff.baseline is not None and diff.baseline.compared
    assert diff.baseline.basis_label == "Middle East escalation"
    assert diff.baseline.title == "pauses"
    assert diff.moves[0].kind == "reworded"  # one move: the sentence before -> after
    assert "pauses" in (diff.moves[0].before or "") and "ceasefire" in (diff.moves[0].after or "")
    assert "formula_added: sustainable ceasefire" in [str(x) for x in diff.moves[0].labels]
    assert Diff.from_payload(found["country:IL"].payload).baseline.basis_label == "Israel"
    with database.session() as session:
        bases = {c.basis for c in session.query(Change).filter(Change.kind == "statement")}
    assert "country:GB" not in bases


def test_the_passages_on_the_theme_choose_not_the_whole_text(database: Database) -> None:
    # newer: mostly about Gaza aid in the same words, but its theme sentence is about Iran
    decoy_theme = "Iran must stop its nuclear escalation."
    decoy = add(
        database,
        "decoy",
        CEASEFIRE.replace("sustainable ceasefire", "aid convoy") + " " + decoy_theme,
        NOW - timedelta(days=2),
        themes={THEME: [decoy_theme]},
    )
    pauses = add(
        database,
        "pauses",
        PAUSES,
        NOW - timedelta(days=20),
        themes={THEME: [PAUSES.split(". ")[1]]},
    )
    new = add(database, "ceasefire", CEASEFIRE, NOW, themes={THEME: [CEASEFIRE.split(". ")[1]]})
    diff_pending(app_for(database), database, now=NOW)
    assert statement_changes(database, new)[f"theme:{THEME}"].against_release_id == pauses
    decoy_change = statement_changes(database, decoy)[f"theme:{THEME}"]
    assert Diff.from_payload(decoy_change.payload).baseline.compared is False  # Iran vs pauses


def test_a_translation_is_never_the_baseline(database: Database) -> None:
    spanish = (
        "El Reino Unido pide una pausa humanitaria en Gaza. Todos los rehenes deben ser liberados."
    )
    add(
        database,
        "ceasefire.es",
        spanish,
        NOW - timedelta(days=1),
        themes={THEME: []},
        language="es",
    )
    english = add(database, "ceasefire", CEASEFIRE, NOW, themes={THEME: []})
    diff_pending(app_for(database), database, now=NOW)
    change = statement_changes(database, english)[f"theme:{THEME}"]
    baseline = Diff.from_payload(change.payload).baseline
    assert baseline is not None and not baseline.compared
    assert baseline.title == "ceasefire.es"
    assert baseline.reason == "the earlier statement is this release's translation"
    assert change.payload["added"] == [] and change.similarity is None
    # with an earlier English statement on the theme, that one is compared, not the translation
    add(database, "pauses", PAUSES, NOW - timedelta(days=9), themes={THEME: []})
    later = add(
        database, "later", CEASEFIRE + " More aid.", NOW + timedelta(hours=1), themes={THEME: []}
    )
    diff_pending(app_for(database), database, now=NOW + timedelta(hours=2))
    assert statement_changes(database, later)[f"theme:{THEME}"].against_release_id == english


def test_a_tag_most_releases_carry_drives_no_comparison(database: Database) -> None:
    for day in range(24):
        themes = {"government": []} if day % 6 else {"government": [], THEME: []}
        add(
            database,
            f"r{day}",
            f"{PAUSES} Day {day}.",
            NOW - timedelta(days=30 - day),
            themes=themes,
        )
    new = add(database, "ceasefire", CEASEFIRE, NOW, themes={"government": [], THEME: []})
    diff_pending(app_for(database), database, now=NOW)
    assert sorted(statement_changes(database, new)) == [f"theme:{THEME}"]


def test_phrase_history_is_dated_by_each_version(database: Database) -> None:
    published = NOW - timedelta(days=400)  # an old page, edited since
    page = add(database, "advice", PAUSES, published, themes={THEME: []})
    edited = NOW - timedelta(days=2)
    add(
        database,
        "advice",
        CEASEFIRE,
        published,
        themes={THEME: []},
        updated_at=edited,
        now=NOW - timedelta(days=1),
    )
    diff_pending(app_for(database), database, now=NOW)
    with database.session() as session:
        history = {row["phrase"]: row for row in phrase_history(session, f"theme:{THEME}")}
    assert history["sustainable ceasefire"]["first_used"] == edited  # not the page's 400 days
    assert history["sustainable ceasefire"]["first_release_id"] == page
    assert history["humanitarian pause"]["first_used"] == published
    assert history["humanitarian pause"]["last_used"] == published
    assert history["humanitarian pause"]["dropped_since"] == edited
    assert history["sustainable ceasefire"]["dropped_since"] is None
    assert list(history)[0] in ("sustainable ceasefire", "humanitarian pause")  # lexicon first


def test_a_suggested_tag_neither_drives_nor_offers_a_comparison(database: Database) -> None:
    add(database, "pauses", PAUSES, NOW - timedelta(days=5), suggested=(THEME,))
    new = add(database, "ceasefire", CEASEFIRE, NOW, themes={THEME: []}, suggested=("sanctions",))
    diff_pending(app_for(database), database, now=NOW)
    found = statement_changes(database, new)
    assert sorted(found) == [f"theme:{THEME}"]
    baseline = Diff.from_payload(found[f"theme:{THEME}"].payload).baseline
    assert baseline is not None and not baseline.compared and baseline.release_id is None
