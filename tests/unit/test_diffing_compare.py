"""Alignment, version-change classification and statement diffs (pure), on statements written for
these tests."""

from __future__ import annotations

import pytest

from diffing.align import align
from diffing.classify import announced, is_date_line
from diffing.compare import sentence_diff, statement_diff, version_diff

PAUSES = """The United Kingdom is gravely concerned by the humanitarian situation in Gaza.

We call for humanitarian pauses to allow aid to reach civilians. Hostages must be released.

The UK supports Israel's right to self-defence in line with international humanitarian law."""

CEASEFIRE = """The United Kingdom is gravely concerned by the humanitarian situation in Gaza.

We now call for a sustainable ceasefire. Hostages must be released without delay.

The UK supports Israel's right to defend itself in line with international humanitarian law.

A two-state solution remains the only path to lasting peace."""


def test_align_pairs_same_reworded_added_and_removed_sentences() -> None:
    old = [
        "Aid must reach Gaza.",
        "We call for humanitarian pauses in Gaza.",
        "Trade talks resume.",
    ]
    new = ["Aid must reach Gaza.", "We call for longer humanitarian pauses in Gaza.", "A new line."]
    result = align(old, new)
    assert result.unchanged == [(0, 0)]
    assert [(i, j) for i, j, _ in result.changed] == [(1, 1)]
    assert result.added == [2]
    assert result.removed == [2]


def test_align_is_one_to_one() -> None:
    old = ["Aid must reach Gaza now."]
    new = ["Aid must reach Gaza now!", "Aid must reach Gaza soon."]
    result = align(old, new)
    assert len(result.changed) == 1 and result.changed[0][1] == 0
    assert result.added == [1]


def test_align_of_empty_texts() -> None:
    assert align([], ["New."]).added == [0]
    assert align(["Old."], []).removed == [0]
    empty = align([], [])
    assert not (empty.added or empty.removed or empty.changed or empty.unchanged)


def test_statement_diff_reports_new_and_dropped_language() -> None:
    diff = statement_diff(PAUSES, CEASEFIRE)
    assert "sustainable ceasefire" in diff.new_phrases
    assert "humanitarian pauses" in diff.dropped_phrases
    assert "A two-state solution remains the only path to lasting peace." in diff.added
    assert "We call for humanitarian pauses to allow aid to reach civilians." in diff.removed
    reworded = {c.old: c for c in diff.changed}
    pair = reworded["Hostages must be released."]
    assert pair.new == "Hostages must be released without delay."
    assert ["+", " without delay"] in pair.word_diff
    assert diff.unchanged == 1
    assert 0.0 < diff.similarity < 1.0


def test_statement_diff_leaves_out_phrases_the_history_has_used() -> None:
    diff = statement_diff(
        PAUSES, CEASEFIRE, used_before=lambda phrases: {"sustainable ceasefire"} & set(phrases)
    )
    assert "sustainable ceasefire" not in diff.new_phrases
    assert "two-state solution" in diff.new_phrases or "lasting peace" in diff.new_phrases


def test_identical_statements_have_an_empty_diff() -> None:
    diff = statement_diff(PAUSES, PAUSES)
    assert diff.is_empty and diff.new_phrases == [] and diff.dropped_phrases == []
    assert diff.similarity == 1.0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("We advise against travel.", "we advise against travel!", "trivial"),
        ("We advise against \u201call\u201d travel.", 'We advise against "all" travel.', "trivial"),
        ("Updated: 4 March 2022\nStay safe.", "Updated: 5 March 2022\nStay safe.", "trivial"),
        ("Stay safe.", "Last updated 5 March 2022\nStay safe.", "trivial"),
        (
            "We recieve the report from the minister.",
            "We receive a report from the minister.",
            "minor",
        ),
        ("The embassy is open to the public.", "The embassy is open for the public.", "minor"),
        ("Advise against all but essential travel.", "Advise against all travel.", "substantive"),
        (
            "Ukraine extended the scheme for 30 days.",
            "Ukraine extended the scheme for 60 days.",
            "substantive",
        ),
        (
            "The minister met officials in Kyiv.",
            "The minister met officials in Lviv.",
            "substantive",
        ),
        ("You should leave now.", "You should not leave now.", "substantive"),
        ("Stay safe.", "Stay safe.\nBritish nationals should leave Ukraine now.", "substantive"),
        ("Stay safe.\nThe border is open.", "Stay safe.", "substantive"),
    ],
)
def test_version_change_classification(old: str, new: str, expected: str) -> None:
    diff = version_diff(old, new, "a note")
    assert diff.classification == expected, diff.reasons
    assert diff.reasons


def test_a_substantive_change_without_a_note_is_a_silent_edit() -> None:
    edit = ("Advise against all but essential travel.", "Advise against all travel.")
    assert version_diff(*edit, None).silent_edit
    assert version_diff(*edit, "   ").silent_edit
    assert version_diff(
        *edit, "Changes discovered which weren't announced on the atom feed"
    ).silent_edit
    announced_edit = version_diff(*edit, "The FCDO now advises against all travel.")
    assert announced_edit.has_change_note and not announced_edit.silent_edit
    assert not version_diff("Stay safe.", "stay safe!", None).silent_edit  # trivial: not an edit


def test_announced_notes() -> None:
    assert announced("Ukraine: updated advice on travel.")
    assert not announced(None)
    assert not announced("")
    assert not announced("Changes discovered which weren't announced on the atom feed")
    assert not announced("Missed some updates as they happened, catching up")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Updated: 4 March 2022", True),
        ("Still current at: 5 March 2022", True),
        ("Friday 7 November 2025, 10:30am GMT", True),
        ("2022-03-04", True),
        ("The border closed on 4 March 2022.", False),
        ("Updated", False),
        ("", False),
    ],
)
def test_date_lines(sentence: str, expected: bool) -> None:
    assert is_date_line(sentence) is expected


def test_sentence_diff_payload_is_json_shaped() -> None:
    payload = sentence_diff(PAUSES, CEASEFIRE).payload()
    assert set(payload) >= {
        "added",
        "removed",
        "changed",
        "new_phrases",
        "dropped_phrases",
        "moves",
        "details",
    }
    assert "baseline" not in payload  # only a statement diff the stage made has one
    assert all(set(c) >= {"old", "new", "word_diff"} for c in payload["changed"])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Straße gesperrt.", "STRASSE GESPERRT.", "trivial"),  # case folding, not a new word
        ("", "A first sentence.", "substantive"),
        ("", "", "trivial"),
        ("code4 code5 code6.", "code7 code8 code9.", "substantive"),  # words with digits: no date
        ("日本は声明を発表した。", "日本は新しい声明を発表した。", "substantive"),
    ],
)
def test_classification_edge_cases(old: str, new: str, expected: str) -> None:
    assert version_diff(old, new, None).classification == expected


def test_very_long_sentences_stay_fast_and_exact() -> None:
    from diffing.worddiff import side, word_diff

    blob = " ".join(f"w{i % 500}" for i in range(20000))
    other = " ".join(f"x{i % 700}" for i in range(20000))
    pieces = word_diff(blob, blob + " extra")
    assert pieces[-1] == ["+", " extra"] and side(pieces, "-") == blob
    rewrite = word_diff(blob, other)  # too long for a word diff: one replacement
    assert rewrite == [["-", blob], ["+", other]]
    assert version_diff(blob, other, None).classification == "substantive"
