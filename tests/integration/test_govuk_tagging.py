"""The tagger on the 82 real GOV.UK items against the team's labels (tests/gold/govuk_labels.yaml).

The targets hold on the part the rules were tuned on; the holdout part (every third file, set
aside for taxonomy 2026.12, read and tuned on for 2026.12.1) keeps a floor at the figures it
reached, so a change that makes it worse shows. The fresh part (tests/gold/fresh_labels.yaml,
never tuned on) is printed. Run with `-s` to see the parts' figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.corpus_labels import (
    PartScores,
    evaluate_fresh_labels,
    evaluate_govuk_labels,
    load_govuk_labels,
)
from tagging.tagger import get_tagger
from tagging.taxonomy import load_taxonomy
from tests.fixtures.corpus import CORPUS, GOVUK, corpus_path

LABELS = Path(__file__).resolve().parents[1] / "gold" / "govuk_labels.yaml"
FRESH = LABELS.with_name("fresh_labels.yaml")

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def parts() -> dict[str, PartScores]:
    folder = corpus_path(GOVUK)
    labels = load_govuk_labels(LABELS)
    assert len(labels) == 82
    found = evaluate_govuk_labels(get_tagger(load_taxonomy()), folder, labels)
    for part in found.values():
        print(part.as_dict())
    return found


def _errors(part: PartScores) -> list[dict[str, str]]:
    return [e.as_dict() for s in (part.themes, part.focus, part.mentions) for e in s.errors]


def test_the_tuning_part_meets_the_targets(parts: dict[str, PartScores]) -> None:
    tune = parts["tune"]
    assert tune.themes.items + tune.other_language == 55
    assert tune.themes.overall.precision >= 0.85, _errors(tune)
    assert tune.themes.macro_f1 >= 0.85, _errors(tune)
    assert tune.mentions.overall.precision >= 0.97, _errors(tune)
    assert tune.mentions.overall.recall >= 0.97, _errors(tune)
    assert tune.focus.overall.precision >= 0.97, _errors(tune)
    assert tune.focus.overall.recall >= 0.97, _errors(tune)


def test_the_holdout_part_stays_above_its_floor(parts: dict[str, PartScores]) -> None:
    holdout = parts["holdout"]
    assert holdout.themes.items + holdout.other_language == 27
    # measured at 2026.12.1 (tuned on it): theme precision 1.00, macro-F1 1.00, countries
    # precision 1.00 and recall 0.99, focus precision 1.00 and recall 0.80 (2026.12, before it
    # was read: theme precision 0.56, macro-F1 0.71)
    assert holdout.themes.overall.precision >= 0.95, _errors(holdout)
    assert holdout.themes.macro_f1 >= 0.95, _errors(holdout)
    assert holdout.mentions.overall.precision >= 0.95, _errors(holdout)
    assert holdout.mentions.overall.recall >= 0.95, _errors(holdout)
    assert holdout.focus.overall.recall >= 0.75, _errors(holdout)


def test_text_not_in_english_is_left_untagged_with_a_reason(
    parts: dict[str, PartScores],
) -> None:
    for part in parts.values():
        assert part.other_language and part.explained == part.other_language
        assert part.language_errors == []


def test_the_fresh_part_is_reported() -> None:
    """The news entries and statements labelled after the rules were tuned: every key names a
    text of the corpus, and the figures are printed (`-s`), not asserted yet: the floors come
    with the first measurement. Only the totals are printed, never the per-item errors."""
    if not FRESH.is_file():
        pytest.skip("tests/gold/fresh_labels.yaml is not there yet")
    corpus_path(GOVUK)
    labels = load_govuk_labels(FRESH)
    fresh = evaluate_fresh_labels(get_tagger(load_taxonomy()), CORPUS, labels)["fresh"]
    figures = fresh.as_dict()
    print({k: v for k, v in figures.items() if k != "language_errors"})
    assert fresh.themes.items + fresh.other_language == len(labels)
