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
