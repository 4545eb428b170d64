"""Sentence splitting, word diffs, similarity and key phrases (pure)."""

from __future__ import annotations

import pytest

from diffing import ALGORITHM_VERSION
from diffing.phrases import key_phrases, outermost
from diffing.sentences import split_sentences
from diffing.similarity import cosine, vectors
from diffing.worddiff import changed_words, side, word_diff


def test_algorithm_version_is_a_nonempty_string() -> None:
    assert isinstance(ALGORITHM_VERSION, str) and ALGORITHM_VERSION.strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        (
            "Mr. Smith met Dr. Jones in the U.S. Capitol. They talked.",
            ["Mr. Smith met Dr. Jones in the U.S. Capitol.", "They talked."],
        ),
        (
            "Heading without a stop\nBody text here. More text.",
            ["Heading without a stop", "Body text here.", "More text."],
        ),
        ('He said "we will act." Then he left.', ['He said "we will act."', "Then he left."]),
        (
            "Talks ended at 3 p.m. on Friday. Next week more.",
            ["Talks ended at 3 p.m. on Friday.", "Next week more."],
        ),
        ("The rate was 2.5 per cent. It fell.", ["The rate was 2.5 per cent.", "It fell."]),
        ("J. R. Smith spoke. Fine.", ["J. R. Smith spoke.", "Fine."]),
        ("lower case after stop. stays joined", ["lower case after stop. stays joined"]),
        ("", []),
        ("\n\n  \n", []),
        ("Paragraph one.\n\nParagraph   two.", ["Paragraph one.", "Paragraph two."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("We call for humanitarian pauses.", "We call for a sustainable ceasefire."),
        ("", "Everything is new."),
        ("Everything goes.", ""),
        ("Same text.", "Same text."),
        ("Numbers 30 days, and £5 million.", "Numbers 60 days, and £7.5 million!"),
    ],
)
def test_word_diff_rebuilds_both_sides(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert side(pieces, "+") == new
    assert side(pieces, "-") == old
    assert all(op in ("=", "-", "+") for op, _ in pieces)


def test_word_diff_marks_the_changed_words() -> None:
    pieces = word_diff("We call for humanitarian pauses.", "We call for a sustainable ceasefire.")
    assert ["-", "humanitarian pauses"] in pieces
    assert ["+", "a sustainable ceasefire"] in pieces
    assert changed_words(pieces) == (["humanitarian", "pauses"], ["a", "sustainable", "ceasefire"])


def test_word_diff_ignores_typography() -> None:
    assert word_diff("The UK\u2019s view", "The UK's view") == [["=", "The UK's view"]]


def test_cosine_of_identical_and_disjoint_texts() -> None:
    a, b, c = vectors([["ceasefire", "gaza"], ["ceasefire", "gaza"], ["tariffs", "trade"]])
    assert cosine(a, b) == pytest.approx(1.0)
    assert cosine(a, c) == 0.0
    assert cosine({}, a) == 0.0


def test_cosine_ranks_the_closer_text_higher() -> None:
    new, near, far = vectors(
        [
            ["sustainable", "ceasefire", "gaza", "hostages"],
            ["humanitarian", "pauses", "gaza", "hostages"],
            ["trade", "tariffs", "gaza"],
        ]
    )
    assert cosine(new, near) > cosine(new, far) > 0.0


def test_key_phrases_trim_stop_words_and_keep_two_to_four_words() -> None:
    phrases = key_phrases(
        "The UK calls for a sustainable ceasefire and the release of all hostages."
    )
    assert "sustainable ceasefire" in phrases
    assert not any(p.split()[0] in {"the", "a", "and", "of"} for p in phrases)
    assert not any(p.split()[-1] in {"the", "a", "and", "of"} for p in phrases)
    assert all(2 <= len(p.split()) <= 4 for p in phrases)


def test_key_phrases_keep_inner_of_and_drop_dates_and_numbers() -> None:
    phrases = key_phrases(
        "We uphold the rule of law. On 24 February 2022 we sent 30 armoured vehicles."
    )
    assert "rule of law" in phrases
    assert "armoured vehicles" in phrases
    assert not any(any(ch.isdigit() for ch in p) or "february" in p for p in phrases)


def test_key_phrases_of_a_long_run_include_its_windows() -> None:
    phrases = key_phrases("An immediate humanitarian pause is needed.")
    assert {"immediate humanitarian", "humanitarian pause", "immediate humanitarian pause"} <= set(
        phrases
    )


def test_key_phrases_of_empty_text() -> None:
    assert key_phrases("") == []
    assert key_phrases("The. A. Of and the.") == []


def test_outermost_keeps_the_longest_phrases() -> None:
    assert outermost(
        ["sustainable ceasefire", "immediate sustainable ceasefire", "aid access"]
    ) == [
        "immediate sustainable ceasefire",
        "aid access",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hamas must release all\nhostages. Israel has the right\nto defend itself.",
            ["Hamas must release all hostages.", "Israel has the right to defend itself."],
        ),
        (
            "The agreement with Japan will cut tariffs on whisky and support\nJobs Plus in both countries.",
            [
                "The agreement with Japan will cut tariffs on whisky and support Jobs Plus in both countries."
            ],
        ),
        ("A short heading\nBody text starts here.", ["A short heading", "Body text starts here."]),
        ("A sentence ends here.\nAnother line.", ["A sentence ends here.", "Another line."]),
        ("A heading\n\nlower case paragraph.", ["A heading", "lower case paragraph."]),
    ],
)
def test_hard_wrapped_lines_are_joined(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
