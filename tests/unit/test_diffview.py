"""The HTML rendering of a stored diff (pure): escaped, inline <ins>/<del>, never raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.diffview import MAX_ITEMS, render_diff, word_diff_html
from diffing.compare import statement_diff
from diffing.model import Diff

GOLDEN = Path(__file__).parent / "golden" / "diffview"
EARLIER = (
    "We call for humanitarian pauses to allow aid into Gaza.\n\n"
    "All hostages must be released.\n\nThe UK & its partners <stand> together."
)
NEW = (
    "We call for a sustainable ceasefire.\n\n"
    "All hostages must be released without delay.\n\nThe UK & its partners <stand> together."
)


def test_rendering_matches_the_golden_file() -> None:
    html = render_diff(statement_diff(EARLIER, NEW))
    assert html == (GOLDEN / "ceasefire.html").read_text(encoding="utf-8").rstrip("\n")


def test_every_text_is_escaped() -> None:
    payload = {
        "added": ["<script>alert('x')</script> & more"],
        "removed": ['"quoted" <b>bold</b>'],
        "changed": [
            {
                "old": "a <i>",
                "new": "b <i>",
                "word_diff": [["-", "a"], ["+", "b<img src=x>"], ["=", " <i>"]],
            }
        ],
        "new_phrases": ["<new> phrase"],
        "dropped_phrases": ["old & phrase"],
    }
    html = render_diff(Diff.from_payload(payload))
    assert "<script>" not in html and "<img" not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    assert "&lt;new&gt; phrase" in html and "old &amp; phrase" in html
    assert html.count("<ins ") == 3 and html.count("<del ") == 3


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        [],
        "text",
        {"added": "not a list", "changed": [None, 3, {"word_diff": "x"}]},
        {"changed": [{"word_diff": [["=", 1], ["?", "x"], ["+"]]}]},
    ],
)
def test_malformed_payloads_render_without_raising(payload: object) -> None:
    html = render_diff(Diff.from_payload(payload))  # the one reader drops what is malformed
    assert html.startswith('<div class="deskwatch-diff">') and html.endswith("</div>")


def test_an_empty_diff_says_so() -> None:
    assert "No change in the wording." in render_diff(statement_diff(NEW, NEW))


def test_long_lists_are_cut_and_counted() -> None:
    html = render_diff(Diff(added=[f"Sentence {i}." for i in range(MAX_ITEMS + 7)]))
    assert html.count("<ins ") == MAX_ITEMS
    assert "… and 7 more" in html


def test_word_diff_html_keeps_kept_text_plain() -> None:
    html = word_diff_html([["=", "The UK "], ["-", "urges"], ["+", "demands"], ["=", " <calm>."]])
    assert html.startswith("The UK <del ") and html.endswith("&lt;calm&gt;.")
    assert ">urges</del>" in html and ">demands</ins>" in html


def test_a_diff_with_moves_leaves_the_phrases_to_them() -> None:
    payload = {
        "added": ["We call for a sustainable ceasefire."],
        "new_phrases": ["sustainable ceasefire"],
        "moves": [
            {
                "kind": "added",
                "label": "formula_added: sustainable ceasefire",
                "labels": ["formula_added: sustainable ceasefire"],
                "score": 3.5,
                "after": "We call for a sustainable ceasefire.",
            }
        ],
    }
    html = render_diff(Diff.from_payload(payload))
    assert "New language" not in html and "We call for a sustainable ceasefire." in html
    without = render_diff(Diff.from_payload({**payload, "moves": []}))
    assert "New language" in without
