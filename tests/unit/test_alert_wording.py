"""What moved, in words, and the subject built from it (alerts.wording, alerts.compose): golden
pairs of stored move labels and the words a desk officer reads, written by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.compose import SUBJECT_MAX, AlertItem, subject_for
from alerts.matching import Reason
from alerts.wording import (
    ago,
    baseline_line,
    describe_rule,
    glimpse,
    read_baseline,
    rule_words,
    say,
    say_label,
)
from core.country_names import country_name
from diffing.moves import Label, Move

T0 = datetime(2023, 10, 9, 14, 0, tzinfo=UTC)


def _move(kind: str, *labels: str, before: str | None = None, after: str | None = None) -> Move:
    parsed = tuple(Label(*text.split(": ", 1), weight=1.0, category="") for text in labels)
    return Move(kind, 3.0, parsed, before, after)


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("scale: advice none -> all-but-essential", "now advises against all but essential travel"),
        ("scale: advice all-but-essential -> all", "now advises against all travel"),
        ("scale: advice all -> all-but-essential", "now advises against all but essential travel"),
        ("scale: advice all -> none", "no longer advises against all travel"),
        ("scale: condemnation concern -> condemn", "now condemns (was: expresses concern)"),
        ("scale: modality would -> will", "now says “will” (was: “would”)"),
        ("scale: appeal calls on -> urges", "now says “urges” (was: “calls on”)"),
        ("formula_added: sustainable ceasefire", "now says “sustainable ceasefire”"),
        ("formula_dropped: humanitarian pause", "no longer says “humanitarian pause”"),
        ("negation: do not support -> support", "now says “support” (was: “do not support”)"),
        ("party_added: Hamas", "now names Hamas"),
        ("party_dropped: Iran", "no longer names Iran"),
        ("figure: £5 million -> £10 million", "figure changed: £5 million -> £10 million"),
        ("figure_added: £100 million", "new figure: £100 million"),
        ("scale_reworded: advice all", "reworded; still advises against all travel"),
        ("something_new: value", "something new: value"),
    ],
)
def test_each_label_in_words(label: str, words: str) -> None:
    kind, value = label.split(": ", 1)
    assert say_label(kind, value) == words


def test_a_reworded_pair_that_swaps_formulae_is_said_as_the_swap() -> None:
    move = _move(
        "reworded",
        "formula_added: sustainable ceasefire",
        "formula_dropped: humanitarian pause",
        before="We call for humanitarian pauses.",
        after="We call for a sustainable ceasefire.",
    )
    assert say(move) == "“humanitarian pause” → “sustainable ceasefire”"
    assert say(_move("added")) == "new sentence"  # a move with no label still says something


def _item(title: str, top: str | None, number: int = 5) -> AlertItem:
    reasons = (Reason("theme", "middle-east-escalation", "Middle East escalation"),)
    return AlertItem(1, 2, 3, number, title, T0, "fcdo", None, reasons, top_change=top)


def test_the_subject_names_the_release_and_its_top_change() -> None:
    top = say(_move("scale", "scale: advice none -> all-but-essential"))
    assert subject_for(_item("Israel travel advice", top)) == (
        "[deskwatch] Israel travel advice: now advises against all but essential travel"
    )
    # nothing moved (a first release with nothing to compare): the reason and the title
    assert subject_for(_item("Israel travel advice", None, 1)) == (
        "[deskwatch] Middle East escalation · Israel travel advice"
    )


def test_a_long_title_is_cut_so_the_change_shows_and_the_subject_is_one_safe_line() -> None:
    subject = subject_for(_item("A very long title\r\nBcc: x@example.org " * 10, "now names Hamas"))
    assert "\n" not in subject and "\r" not in subject
    assert subject.endswith(": now names Hamas") and len(subject) <= SUBJECT_MAX
    assert "…" in subject


def test_the_baseline_line_says_what_was_compared_or_why_not() -> None:
    then = T0 - timedelta(days=37)
    assert baseline_line("Middle East escalation", "Earlier statement", then, T0) == (
        "Compared with the last statement on Middle East escalation: Earlier statement, 37 days ago"
    )
    assert baseline_line(
        "Middle East escalation",
        "Earlier statement",
        then,
        T0,
        compared=False,
        reason="the passages on the theme share too little",
    ) == (
        "Last statement on Middle East escalation: Earlier statement, 37 days ago; not compared "
        "because the passages on the theme share too little"
    )
    assert ago(T0 - timedelta(hours=20), T0) == "yesterday" and ago(T0, T0) == "today"


def test_a_stored_baseline_is_read_tolerantly() -> None:
    found = read_baseline(
        {
            "basis": "theme:x",
            "basis_label": "Ukraine support",
            "title": "Earlier",
            "published_at": "2022-02-01T10:00:00+00:00",
            "compared": False,
            "reason": "another locale",
        }
    )
    assert found is not None and found.compared is False and found.reason == "another locale"
    assert found.published_at == datetime(2022, 2, 1, 10, tzinfo=UTC)
    assert read_baseline(None) is None
    odd = read_baseline({"published_at": "not a date", "compared": "yes", "title": 3})
    assert odd is not None and odd.published_at is None and odd.compared and odd.title is None


def test_country_names_are_names_desk_officers_write() -> None:
    assert [country_name(c) for c in ("PS", "GB", "RU", "KR", "IL", "XK", "ps")] == [
        "Palestine",
        "United Kingdom",
        "Russia",
        "South Korea",
        "Israel",
        "Kosovo",
        "Palestine",
    ]


def test_the_rule_that_matched_in_words() -> None:
    assert rule_words(Reason("country", "IL", "Israel (focus)")) == (
        "Your subscription to Israel matched: the release is about Israel."
    )
    assert rule_words(Reason("theme", "t", "Ukraine support")) == (
        "Your subscription to the theme Ukraine support matched."
    )
    assert "earlier version of this release" in rule_words(Reason("release", "7", "x"))


def test_a_change_no_label_names_is_glimpsed_by_its_opening() -> None:
    long = "Flights from Ukraine are suspended until further notice, and land borders are busy."
    assert glimpse(_move("added", after=long)) == (
        "new: “Flights from Ukraine are suspended until further notice…”"
    )
    assert glimpse(_move("removed", before="Short one.")) == "dropped: “Short one.”"
    assert glimpse(_move("reworded", before="a", after="b")) == "reworded: “b”"


def test_a_subscription_is_described_in_names() -> None:
    assert describe_rule(
        themes=("middle-east-escalation", "unknown-theme"),
        countries=("IL", "PS"),
        keywords=("ceasefire",),
        focus_only=True,
        theme_names={"middle-east-escalation": "Middle East escalation"},
    ) == (
        "Middle East escalation, unknown-theme; Israel, Palestine (releases about them); "
        "“ceasefire” · immediate"
    )
    assert describe_rule(countries=("RU",), focus_only=True, frequency="daily") == (
        "Russia (releases about it) · daily"
    )
