"""core.folding: the one "lower case without diacritics" that the tagger, the snippets and the
search's person and document-type filters share."""

from __future__ import annotations

import pytest

from core.folding import ascii_fold, fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yōko  KAMIKAWA", "yoko  kamikawa"),
        ("Türkiye", "turkiye"),
        ("Jonas Gahr Støre", "jonas gahr store"),
        ("Łódź", "lodz"),
        ("press_release", "press_release"),
    ],
)
def test_fold_is_lower_case_without_diacritics(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_keeps_every_letter_at_its_offset_when_no_combining_mark_is_written() -> None:
    text = "Zelenskyy met Erdoğan in Ankara; Støre spoke later."
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded[text.index("Erdoğan") :].startswith("erdogan")


def test_a_written_combining_mark_is_dropped() -> None:
    assert fold("Co\u0302te d\u2019Ivoire") == "cote d\u2019ivoire"


def test_ascii_fold_keeps_case() -> None:
    assert ascii_fold("Yōko Kamikawa") == "Yoko Kamikawa"
