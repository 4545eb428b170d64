"""The baseline chooser (pure): which bases drive a comparison, which earlier statement is
compared with, and the reason when none is. Short statements written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diffing.baseline import (
    Statement,
    basis_label,
    choose,
    content_path,
    eligible_bases,
    not_comparable,
    passages,
    publisher_country,
)
from diffing.model import Baseline, Diff

NOW = datetime(2024, 3, 1, tzinfo=UTC)
LABEL = "Middle East escalation"
BASIS = "theme:middle-east-escalation"


def statement(
    n: int,
    about: str,
    *,
    days: int = 0,
    organisation: str | None = "FCDO",
    document_type: str | None = "press_release",
    language: str | None = "en",
    url: str | None = None,
) -> Statement:
    return Statement(
        n,
        n * 10,
        NOW - timedelta(days=days),
        f"statement {n}",
        about,
        organisation=organisation,
        document_type=document_type,
        language=language,
        url=url or f"https://www.gov.uk/government/news/statement-{n}",
    )


NEW = statement(1, "The UK calls for a sustainable ceasefire in Gaza and the release of hostages.")
PAUSES = statement(
    2, "The UK calls for humanitarian pauses in Gaza and the release of hostages.", days=30
)
TRADE = statement(3, "Tariffs on whisky and cars will fall under the Japan trade deal.", days=2)


def pick(new: Statement, candidates: list[Statement]) -> tuple[int | None, Baseline]:
    choice = choose(new, candidates, basis=BASIS, basis_label=LABEL, lookback_days=365)
    return (choice.statement.release_id if choice.statement else None), choice.baseline


def test_the_closest_passages_win_over_the_newest_statement() -> None:
    chosen, baseline = pick(NEW, [TRADE, PAUSES])
    assert chosen == 2
    assert baseline.compared and baseline.release_id == 2 and baseline.title == "statement 2"
    assert baseline.published_at == (NOW - timedelta(days=30)).isoformat()


def test_same_publisher_and_type_break_a_near_tie() -> None:
    text = "The UK calls for humanitarian pauses in Gaza."
    other_org = statement(4, text, days=1, organisation="Cabinet Office", document_type="speech")
    same_org = statement(5, text, days=3)
    assert pick(NEW, [other_org, same_org])[0] == 5
    assert (
        pick(NEW, [other_org, statement(6, text, days=3, organisation=None, document_type=None)])[0]
        == 4
    )


def test_nothing_earlier_says_so() -> None:
    chosen, baseline = pick(NEW, [])
    assert chosen is None and not baseline.compared and baseline.release_id is None
    assert baseline.reason == "no earlier statement on Middle East escalation in the last 365 days"


def test_passages_sharing_too_little_are_not_compared_and_the_latest_is_named() -> None:
    chosen, baseline = pick(NEW, [TRADE])
    assert chosen is None and not baseline.compared
    assert baseline.release_id == 3 and baseline.title == "statement 3"
    assert baseline.reason == "the passages on Middle East escalation share too little to compare"


def test_a_translation_or_another_language_is_never_the_baseline() -> None:
    english = statement(7, NEW.passages, url="https://www.gov.uk/government/news/ceasefire")
    spanish = statement(
        8, PAUSES.passages, days=1, url="https://www.gov.uk/government/news/ceasefire.es-419"
    )
    assert not_comparable(english, spanish) == "the earlier statement is this release's translation"
    chosen, baseline = pick(english, [spanish])
    assert chosen is None and baseline.release_id == 8
    assert baseline.reason == "the earlier statement is this release's translation"
    arabic = statement(9, PAUSES.passages, days=1, language="ar")
    assert not_comparable(NEW, arabic) == "the earlier statement is in another language (ar)"
    assert pick(NEW, [arabic, PAUSES])[0] == 2  # the English statement behind it is compared
    assert not_comparable(NEW, statement(10, "x", language="en-GB")) is None


def test_content_path_strips_a_locale_suffix_only() -> None:
    assert content_path("https://www.gov.uk/government/news/x.fr") == (
        "www.gov.uk",
        "/government/news/x",
    )
    assert content_path("https://www.gov.uk/government/news/x.zh-tw") == content_path(
        "https://www.gov.uk/government/news/x"
    )
    assert content_path("https://example.org/page.html")[1] == "/page.html"
    assert content_path("file:seeds/releases/a.txt") is None


def test_gb_and_common_tags_never_drive_a_comparison() -> None:
    bases = ["country:GB", "country:IL", "theme:climate-change", BASIS]
    assert publisher_country("https://www.gov.uk/government/news/x") == "GB"
    assert publisher_country("file:seeds/releases/a.txt") == "GB"
    assert publisher_country("https://www.state.gov/x") is None
    shares = {"theme:climate-change": 0.62, BASIS: 0.2}
    assert eligible_bases(bases, publisher="GB", shares=shares) == ["country:IL", BASIS]
    assert eligible_bases(bases, publisher=None, shares={}) == bases


def test_passages_are_the_evidence_sentences_else_the_text() -> None:
    assert passages(["A ceasefire now. ", "A ceasefire now.", "Aid."], "whole") == (
        "A ceasefire now.\nAid."
    )
    assert passages([], "whole text") == "whole text"


def test_basis_labels_are_names_never_codes() -> None:
    assert basis_label("country:IL") == "Israel"
    assert basis_label("country:PS") == "Palestine"
    assert basis_label("country:PS", "Palestine, State of") == "Palestine"
    assert basis_label("country:IR") == "Iran"
    assert basis_label(BASIS, "Middle East escalation") == LABEL
    assert basis_label("theme:climate-change") == "Climate change"


def test_baseline_round_trips_through_the_payload_and_tolerates_junk() -> None:
    baseline = Baseline(BASIS, LABEL, 2, "statement 2", NOW.isoformat(), True, "")
    back = Diff.from_payload(Diff(baseline=baseline).payload())
    assert back.baseline == baseline
    assert Diff.from_payload({"baseline": "x"}).baseline is None
    junk = Diff.from_payload({"baseline": {"basis": BASIS, "release_id": "2", "compared": 1}})
    assert junk.baseline == Baseline(BASIS, BASIS, None, None, None, False, "")
