"""The one reader of the stored diff payload: Diff.from_payload reads back what Diff.payload
wrote, and reads a malformed payload as the parts it can, never raising."""

from __future__ import annotations

import pytest

from diffing.model import Diff, Reworded


def test_a_payload_reads_back_as_the_diff_that_wrote_it() -> None:
    diff = Diff(
        added=["A new sentence."],
        removed=["An old sentence."],
        changed=[Reworded("We urge calm.", "We demand calm.", [["=", "We "], ["-", "urge"]], 0.8)],
        unchanged=4,
        new_phrases=["demand calm"],
        dropped_phrases=["urge calm"],
        reasons=["a sentence was reworded"],
    )
    assert Diff.from_payload(diff.payload()) == diff


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, Diff()),
        ("text", Diff()),
        ({"added": "not a list", "removed": [1, "Kept.", None]}, Diff(removed=["Kept."])),
        (
            {"changed": ["x", {"old": 3, "new": "New.", "word_diff": [["+", "New."], ["bad"]]}]},
            Diff(changed=[Reworded("", "New.", [["+", "New."]], 0.0)]),
        ),
        ({"unchanged": "many", "new_phrases": [["nested"]]}, Diff()),
    ],
)
def test_a_malformed_payload_reads_as_what_it_can(payload: object, expected: Diff) -> None:
    assert Diff.from_payload(payload) == expected


def test_head_cuts_each_kind() -> None:
    diff = Diff(added=["a", "b", "c"], removed=["d"], changed=[Reworded("o", "n", [], 1.0)] * 3)
    cut = diff.head(2)
    assert (cut.added, cut.removed, len(cut.changed)) == (["a", "b"], ["d"], 2)
    assert len(diff.added) == 3  # the diff itself is unchanged


def test_moves_and_details_read_back_from_json() -> None:
    import json

    from diffing.moves import Detail, Label, Move

    move = Move(
        "reworded",
        4.5,
        (Label("formula_added", "immediate ceasefire", 3.0, "ceasefire"),),
        before="We call for humanitarian pauses.",
        after="We call for an immediate ceasefire.",
        word_diff=(
            ("=", "We call for"),
            ("-", "humanitarian pauses"),
            ("+", "an immediate ceasefire"),
        ),
    )
    diff = Diff(moves=[move], details=[Detail("phone", "020 7008 5001")])
    back = Diff.from_payload(json.loads(json.dumps(diff.payload())))
    assert [m.to_dict() for m in back.moves] == [move.to_dict()]
    assert back.moves[0].label == "formula_added: immediate ceasefire"
    assert back.details == [Detail("phone", "020 7008 5001")]
    # a stored move that is not a mapping, or has no kind, is left out
    assert Diff.from_payload({"moves": ["x", {"score": 2}], "details": [3]}).moves == []
