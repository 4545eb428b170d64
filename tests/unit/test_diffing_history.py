"""What a version records in the history of language (diffing.history, pure), on short texts
written for these tests."""

from __future__ import annotations

from diffing.history import PHRASE_BASE, budget, phrase_uses
from diffing.text import Text


def phrases(text: str) -> list[str]:
    return [use.phrase for use in phrase_uses(text)]


def test_lexicon_formulae_come_first_heaviest_first_and_once() -> None:
    uses = phrase_uses(
        "The UK calls for humanitarian pauses. Humanitarian pauses must allow aid workers in. "
        "We advise against all but essential travel to the border area."
    )
    weighted = [u for u in uses if u.weight > 0]
    assert [u.phrase for u in weighted][:2] == ["all but essential travel", "humanitarian pause"]
    assert [u.weight for u in weighted] == sorted((u.weight for u in weighted), reverse=True)
    assert [u.phrase for u in uses].count("humanitarian pause") == 1
    assert uses[len(weighted) :] and all(u.weight == 0 for u in uses[len(weighted) :])


def test_the_formula_is_not_recorded_again_as_a_key_phrase() -> None:
    found = phrases("We call for a sustainable ceasefire. A sustainable ceasefire is needed.")
    assert found.count("sustainable ceasefire") == 1
    assert "ceasefire" not in found  # inside the longer formula, never a second entry


def test_names_modal_steps_and_parties_are_not_history() -> None:
    found = phrases(
        "Foreign Secretary James Cleverly met Hamas negotiators. The talks will continue "
        "and the delegation would return with detailed proposals for regional reconstruction."
    )
    assert not [p for p in found if "cleverly" in p or "james" in p]
    assert "will" not in found and "would" not in found and "Hamas" not in found
    assert "regional reconstruction" in found or "detailed proposals" in found


def test_windows_slid_along_one_run_are_kept_once() -> None:
    found = phrases("Both countries share many closely held democratic values.")
    run = [p for p in found if "closely" in p or "values" in p]
    assert len(run) == 1


def test_key_phrases_are_bounded_by_the_length_of_the_text() -> None:
    def word(i: int) -> str:  # distinct words of letters only (a digit breaks a phrase)
        return "".join("bcdfghjklm"[int(d)] for d in f"{i:04d}") + "ex"

    text = " ".join(f"{word(3 * i)} {word(3 * i + 1)} {word(3 * i + 2)}." for i in range(400))
    assert budget(Text(text)) == PHRASE_BASE + 1200 // 100
    assert len(phrase_uses(text)) == budget(Text(text))
    assert len(phrase_uses("Short text with sustained diplomatic engagement.")) <= PHRASE_BASE
