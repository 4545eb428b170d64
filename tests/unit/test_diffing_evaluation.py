"""Scoring "what moved" against gold shifts, and triage against gold classes (diffing.evaluation),
on moves made from short texts written for these tests."""

from __future__ import annotations

import pytest

from diffing.evaluation import agreement, false_substantive_rate, holds, top_k
from diffing.significance import significance

OLD = "The UK calls for humanitarian pauses in Gaza now.\n\nWe remain in close contact."
NEW = (
    "The UK calls for a ceasefire in Gaza now.\n\nWe remain in close contact.\n\n"
    "Sanctions on those responsible will follow."
)


def test_a_move_holds_a_shift_by_any_of_its_labels() -> None:
    reworded = next(m for m in significance(OLD, NEW).moves if m.kind == "reworded")
    assert holds(reworded, "formula_added: ceasefire")
    assert holds(reworded, "Formula_dropped:  humanitarian pause")
    assert not holds(reworded, "formula_added: sanctions")


def test_top_k_precision_and_recall() -> None:
    headlines = significance(OLD, NEW).headlines()
    assert [m.label for m in headlines] == ["formula_added: ceasefire", "formula_added: sanctions"]
    scores = top_k(
        [
            ("pair", headlines, ["formula_added: ceasefire", "party_added: Iran"]),
            ("empty", (), ["formula_added: sanctions"]),
        ]
    )
    assert [p.right for p in scores.pairs] == [1, 0]
    assert scores.precision == pytest.approx(1 / 2)  # one of the two headline moves is gold
    assert scores.recall == pytest.approx(1 / 3)  # one of the three gold shifts was found
    assert scores.pairs[0].missed == ("party_added: Iran",)
    assert top_k([]).precision == 1.0 and top_k([]).recall == 1.0


def test_false_substantive_rate_counts_only_light_changes() -> None:
    cases = [
        ("trivial", "trivial"),
        ("minor", "substantive"),
        ("minor", "trivial"),
        ("substantive", "minor"),
    ]
    assert false_substantive_rate(cases) == (pytest.approx(1 / 3), 3)
    assert false_substantive_rate([("substantive", "substantive")]) == (0.0, 0)
    assert agreement(cases) == pytest.approx(1 / 4)


def test_baseline_accuracy_counts_the_expected_choices() -> None:
    from diffing.evaluation import BaselineCase, baseline_accuracy

    cases = [
        BaselineCase("b", "a", "a"),
        BaselineCase("c", "b", "a"),
        BaselineCase("d", "c", None, "the passages share too little"),
    ]
    assert [c.right for c in cases] == [True, False, False]
    assert baseline_accuracy(cases) == pytest.approx(1 / 3)
    assert baseline_accuracy([]) == 1.0
