"""The diff stage on SQLite and Postgres: version diffs, statement diffs (the baseline chosen on
the passages about the basis, never via the publisher's country or a translation, or none with
the reason) and the phrase history, stored once however often it runs. Tags rows are written
here directly (the tag stage's output)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.records import ReleaseRecord
from diffing import ALGORITHM_VERSION
from diffing.model import Diff
from diffing.moves import HEADLINES
from pipeline.app import App
from pipeline.config import Config, DiffingConfig
from pipeline.settings import Settings
from pipeline.stages.diff import diff_pending
from storage.candidates import statement_candidates
from storage.changes import changes_of_release
from storage.db import Database
from storage.models import Change, PhraseUse, ReleaseVersion, Tag
from storage.phrases import phrase_history
from storage.releases import store_record, sync_source

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
PAUSES = (
    "The Foreign Secretary is gravely concerned by the humanitarian situation in Gaza.\n\n"
    "The United Kingdom calls for humanitarian pauses to allow aid to reach civilians. "
    "All hostages must be released."
)
CEASEFIRE = (
    "The Foreign Secretary is gravely concerned by the humanitarian situation in Gaza.\n\n"
    "The United Kingdom now calls for a sustainable ceasefire. "
    "All hostages must be released without delay."
)
TRADE = "A new trade agreement with Japan will cut tariffs on whisky and cars."


def make_app(db: Database, **diffing: int) -> App:
    return App(
        settings=Settings(database_url=db.url), config=Config(diffing=DiffingConfig(**diffing))
    )


def add_statement(
    db: Database,
    key: str,
    text: str,
    published_at: datetime,
    *,
    themes: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    change_note: str | None = None,
    now: datetime = NOW,
    url: str | None = None,
) -> tuple[int, int]:
    """Store a release (or a new version of it) and tag it like the tag stage would."""
    with db.session() as session:
        source = sync_source(session, "test", "files", {})
        record = ReleaseRecord(
            key=key,
            title=key,
            text=text,
            raw=text.encode(),
            content_type="text/plain",
            published_at=published_at,
            change_note=change_note,
            url=url,
        )
        stored = store_record(session, source, record, now=now)
        for theme in themes:
            session.add(
                Tag(
                    release_id=stored.release_id,
                    version_id=stored.version_id,
                    kind="theme",
                    value=theme,
                    origin="rule",
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
        return stored.release_id, stored.version_id


def test_statement_diff_finds_new_and_dropped_language(database: Database) -> None:
    first, _ = add_statement(
        database,
        "pauses",
        PAUSES,
        NOW - timedelta(weeks=5),
        themes=("middle-east",),
        countries=("IL",),
    )
    add_statement(
        database, "trade", TRADE, NOW - timedelta(weeks=4), themes=("trade",), countries=("JP",)
    )
    second, second_v = add_statement(
        database, "ceasefire", CEASEFIRE, NOW, themes=("middle-east",), countries=("IL",)
    )
    counts = diff_pending(make_app(database), database, now=NOW)
    assert counts == {"version_diffs": 0, "statement_diffs": 2, "silent_edits": 0}

    with database.session() as session:
        changes = changes_of_release(session, second, kind="statement")
        assert sorted(c.basis for c in changes) == ["country:IL", "theme:middle-east"]
        for change in changes:
            assert change.against_release_id == first
            assert change.version_id == second_v
            assert change.algorithm_version == ALGORITHM_VERSION
            assert "sustainable ceasefire" in change.payload["new_phrases"]
            assert "humanitarian pauses" in change.payload["dropped_phrases"]
            assert 0 < change.similarity < 1
            # what moved leads with the shift from pauses to a ceasefire
            diff = Diff.from_payload(change.payload)
            top = [str(label) for move in diff.moves[:HEADLINES] for label in move.labels]
            assert "formula_added: sustainable ceasefire" in top
            assert "formula_dropped: humanitarian pause" in top
            assert diff.baseline is not None and diff.baseline.compared
            assert diff.baseline.release_id == first and diff.baseline.title == "pauses"
        # nothing earlier on its themes: stored as not compared, with the reason
        [on_theme] = [
            c for c in changes_of_release(session, first) if c.basis == "theme:middle-east"
        ]
        baseline = Diff.from_payload(on_theme.payload).baseline
        assert baseline is not None and not baseline.compared and baseline.release_id is None
        assert baseline.reason == "no earlier statement on Middle east in the last 365 days"
        assert on_theme.against_version_id == on_theme.version_id and on_theme.similarity is None
        history = {row["phrase"]: row for row in phrase_history(session, "theme:middle-east")}
        assert history["humanitarian pause"]["last_used"] == NOW - timedelta(weeks=5)
        assert history["humanitarian pause"]["dropped_since"] == NOW
        assert history["sustainable ceasefire"]["first_used"] == NOW
        assert history["sustainable ceasefire"]["dropped_since"] is None
        assert history["humanitarian situation"]["releases"] == 2
        assert history["humanitarian situation"]["first_release_id"] == first
        assert history["humanitarian situation"]["last_release_id"] == second
        assert history["humanitarian situation"]["last_title"] == "ceasefire"
        ranked = list(history)
        assert ranked.index("sustainable ceasefire") < ranked.index("humanitarian situation")
        assert "trade agreement" not in history  # the trade release is not on the theme
        assert phrase_history(session, "theme:trade")[0]["releases"] == 1
        pending = session.scalar(
            select(func.count())
            .select_from(ReleaseVersion)
            .where(ReleaseVersion.diffed_with.is_distinct_from(ALGORITHM_VERSION))
        )
        assert pending == 0


def test_reruns_store_nothing_twice(database: Database) -> None:
    add_statement(database, "pauses", PAUSES, NOW - timedelta(weeks=5), themes=("middle-east",))
    add_statement(database, "ceasefire", CEASEFIRE, NOW, themes=("middle-east",))
    app = make_app(database)
    diff_pending(app, database, now=NOW)
    with database.session() as session:
        before = (
            session.scalar(select(func.count()).select_from(Change)),
            session.scalar(select(func.count()).select_from(PhraseUse)),
        )
        # as if an overlapping run had read the same versions before this one marked them
        session.execute(ReleaseVersion.__table__.update().values(diffed_with=None))
    assert diff_pending(app, database, now=NOW)["statement_diffs"] == 0
    assert diff_pending(app, database, now=NOW)["statement_diffs"] == 0
    with database.session() as session:
        after = (
            session.scalar(select(func.count()).select_from(Change)),
            session.scalar(select(func.count()).select_from(PhraseUse)),
        )
    # one compared diff, one "nothing earlier" for the first statement
    assert after == before and before[0] == 2 and before[1] > 0


def test_phrases_used_earlier_in_the_theme_are_not_new(database: Database) -> None:
    older = "We first called for a sustainable ceasefire in 2023. Aid must reach Gaza."
    add_statement(database, "older", older, NOW - timedelta(weeks=30), themes=("middle-east",))
    pauses, _ = add_statement(
        database, "pauses", PAUSES, NOW - timedelta(weeks=5), themes=("middle-east",)
    )
    ceasefire, _ = add_statement(database, "ceasefire", CEASEFIRE, NOW, themes=("middle-east",))
    diff_pending(make_app(database), database, now=NOW)
    with database.session() as session:
        [change] = changes_of_release(session, ceasefire, kind="statement")
        assert change.against_release_id == pauses  # the closest passages on the theme
        assert "sustainable ceasefire" not in change.payload["new_phrases"]  # used in the older one
        assert "humanitarian pauses" in change.payload["dropped_phrases"]


def test_lookback_and_candidate_limit_bound_the_search(database: Database) -> None:
    add_statement(database, "old", PAUSES, NOW - timedelta(days=400), themes=("middle-east",))
    add_statement(database, "new", CEASEFIRE, NOW, themes=("middle-east",))
    assert diff_pending(make_app(database), database, now=NOW)["statement_diffs"] == 0
    for i in range(5):
        add_statement(
            database, f"c{i}", PAUSES + f" Note {i}.", NOW - timedelta(days=i + 1), themes=("t",)
        )
    with database.session() as session:
        found = statement_candidates(
            session,
            "theme:t",
            before=NOW,
            since=NOW - timedelta(days=365),
            exclude_release_id=0,
            limit=3,
        )
        assert [c.at for c in found] == [NOW - timedelta(days=d) for d in (1, 2, 3)]
        longer = make_app(database, lookback_days=500)
    with database.session() as session:
        session.execute(ReleaseVersion.__table__.update().values(diffed_with=None))
    assert diff_pending(longer, database, now=NOW)["statement_diffs"] >= 1


def test_version_diff_is_classified_and_silent_edits_flagged(database: Database) -> None:
    # a GOV.UK page: its publisher gives change notes, so an edit without one is silent
    # (tests/integration/test_silent_edits.py has the sources that give none)
    text = "British nationals should leave Ukraine now.\n\nThe embassy in Kyiv is open."
    url = "https://www.gov.uk/foreign-travel-advice/ukraine"
    rid, _ = add_statement(database, "advice", text, NOW - timedelta(days=2), url=url)
    diff_pending(make_app(database), database, now=NOW)
    edited = text.replace("Kyiv is open", "Kyiv is closed")
    add_statement(
        database, "advice", edited, NOW - timedelta(days=2), now=NOW + timedelta(hours=1), url=url
    )
    later = text.replace("Kyiv is open", "Kyiv is closed") + "\n\nA new sentence about Lviv."
    add_statement(
        database,
        "advice",
        later,
        NOW - timedelta(days=2),
        change_note="New office in Lviv",
        now=NOW + timedelta(hours=2),
        url=url,
    )
    counts = diff_pending(make_app(database), database, now=NOW + timedelta(hours=3))
    assert counts["version_diffs"] == 2 and counts["silent_edits"] == 1
    with database.session() as session:
        changes = changes_of_release(session, rid, kind="version")
        by_number = {session.get(ReleaseVersion, c.version_id).number: c for c in changes}
        assert by_number[2].classification == "substantive" and by_number[2].silent_edit
        assert by_number[2].payload["changed"][0]["word_diff"] == [
            ["=", "The embassy in Kyiv is "],
            ["-", "open"],
            ["+", "closed"],
            ["=", "."],
        ]
        assert by_number[3].has_change_note and not by_number[3].silent_edit
        assert by_number[3].payload["added"] == ["A new sentence about Lviv."]


def test_candidates_of_a_backfilled_release_come_from_beyond_the_recent_tags(
    database: Database,
) -> None:
    for days in (30, 25):
        add_statement(
            database, f"old{days}", PAUSES + f" {days}.", NOW - timedelta(days=days), themes=("t",)
        )
    for days in range(10, 0, -1):
        add_statement(
            database,
            f"recent{days}",
            PAUSES + f" {days}.",
            NOW - timedelta(days=days),
            themes=("t",),
        )
    with database.session() as session:
        newest = statement_candidates(
            session,
            "theme:t",
            before=NOW,
            since=NOW - timedelta(days=365),
            exclude_release_id=0,
            limit=2,
        )
        assert [c.at for c in newest] == [NOW - timedelta(days=1), NOW - timedelta(days=2)]
        backfilled = statement_candidates(
            session,
            "theme:t",
            before=NOW - timedelta(days=20),
            since=NOW - timedelta(days=365),
            exclude_release_id=0,
            limit=2,
        )
        assert [c.at for c in backfilled] == [NOW - timedelta(days=25), NOW - timedelta(days=30)]
