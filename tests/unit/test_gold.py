"""The accuracy targets on the team's gold set (tests/gold): a real check, not a timed one."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from pipeline.evaluation import Scores, evaluate, load_gold
from tagging.tagger import get_tagger
from tagging.taxonomy import load_taxonomy

GOLD = Path(__file__).resolve().parents[1] / "gold"


@pytest.fixture(scope="module")
def scores() -> dict[str, Scores]:
    taxonomy = load_taxonomy()
    items = load_gold(GOLD, taxonomy.theme_ids, taxonomy.places.regions)
    assert len(items) >= 60
    return {s.kind: s for s in evaluate(get_tagger(taxonomy), items, "gold")}


def test_gold_set_covers_every_default_theme() -> None:
    taxonomy = load_taxonomy()
    items = load_gold(GOLD, taxonomy.theme_ids, taxonomy.places.regions)
    labelled = {t for item in items for t in item.themes or ()}
    assert labelled == set(taxonomy.theme_ids)
    assert sum(1 for item in items if not item.themes) >= 8  # near-misses


def test_country_precision_and_recall(scores: dict[str, Scores]) -> None:
    overall = scores["country"].overall
    assert overall.precision >= 0.95, scores["country"].errors
    assert overall.recall >= 0.95, scores["country"].errors


def test_theme_macro_f1(scores: dict[str, Scores]) -> None:
    assert scores["theme"].macro_f1 >= 0.85, scores["theme"].errors


def test_scores_count_what_they_should() -> None:
    from core.tags import TagResult

    s = Scores("t", "theme")
    s.add(
        "a",
        {"x", "y"},
        {"x": TagResult("theme", "x", "x", 0.6), "z": TagResult("theme", "z", "z", 0.6)},
    )
    assert (s.labels["x"].tp, s.labels["y"].fn, s.labels["z"].fp) == (1, 1, 1)
    assert s.overall.precision == 0.5 and s.overall.recall == 0.5
    assert [e.error for e in s.errors] == ["miss", "false positive"]


def test_bad_gold_files_are_clear_errors(tmp_path: Path) -> None:
    taxonomy = load_taxonomy()
    (tmp_path / "a.yaml").write_text("- id: x\n  text: hi\n  themes: [no-such-theme]\n")
    with pytest.raises(ConfigError, match="unknown theme"):
        load_gold(tmp_path, taxonomy.theme_ids, taxonomy.places.regions)
    (tmp_path / "a.yaml").write_text("- id: x\n  text: hi\n  countries: [NO]\n")
    with pytest.raises(ConfigError, match="quote it"):
        load_gold(tmp_path, taxonomy.theme_ids, taxonomy.places.regions)


def test_corpus_labels_load_and_bad_ones_are_clear_errors(tmp_path: Path) -> None:
    from pipeline.corpus_labels import load_govuk_labels

    labels = load_govuk_labels(GOLD / "govuk_labels.yaml")
    assert len(labels) == 82 and sum(1 for lab in labels.values() if lab.part == "holdout") == 27
    names = sorted(labels)
    assert all((labels[n].part == "holdout") == (i % 3 == 2) for i, n in enumerate(names))
    bad = tmp_path / "labels.yaml"
    bad.write_text("items:\n  a.json: {part: maybe}\n")
    with pytest.raises(ConfigError, match="needs `part`"):
        load_govuk_labels(bad)
    bad.write_text("items:\n  a.json: {part: tune, focus: [XX]}\n")
    with pytest.raises(ConfigError, match="unknown country code"):
        load_govuk_labels(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="a mapping with `items`"):
        load_govuk_labels(bad)
