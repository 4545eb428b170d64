"""`deskwatch eval` with the gold set and the corpus: the summary table, one row per data set,
and the tune and holdout parts of the team's GOV.UK labels scored apart with the suggested band."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import Cli
from tests.fixtures.corpus import CORPUS, GOVUK, corpus_path

GOLD = Path(__file__).resolve().parents[1] / "gold"

pytestmark = pytest.mark.corpus


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli({"DESKWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"})


def test_eval_reports_the_gold_set_and_both_parts_apart(cli: Cli) -> None:
    corpus_path(GOVUK / "LABELS.json")
    result = cli("eval", "--gold", str(GOLD), "--corpus", str(CORPUS), "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    rows = {row["dataset"]: row for row in report["summary"]}
    fresh = ["govuk-fresh"] if (GOLD / "fresh_labels.yaml").is_file() else []
    assert list(rows) == ["gold", "govuk", "govuk-tune", "govuk-holdout", *fresh]
    parts = {part["part"]: part for part in report["parts"]}
    assert set(parts) == {"tune", "holdout"} | ({"fresh"} if fresh else set())
    for name in parts:
        row, part = rows[f"govuk-{name}"], parts[name]
        # the summary row is the part's own figures, rounded
        assert row["theme_precision"] == round(part["theme_precision"], 3)
        assert row["country_recall"] == round(part["country_recall"], 3)
        assert row["focus_precision"] == round(part["focus_precision"], 3)
        assert (row["suggested_right"], row["suggested_wrong"]) == (
            part["suggested_right"],
            part["suggested_wrong"],
        )
        assert row["untagged_explained"] == f"{part['explained']}/{part['other_language']}"
    assert (
        rows["govuk-tune"]["items"] + rows["govuk-holdout"]["items"] == 76
    )  # 82 less 6 not English
    assert rows["gold"]["suggested_right"] is None and rows["govuk"]["theme_precision"] is None
    # the parts' misses and false positives are listed with the others
    datasets = {s["dataset"] for s in report["scores"]}
    assert {"govuk-tune", "govuk-holdout"} <= datasets

    table = cli("eval", "--gold", str(GOLD), "--corpus", str(CORPUS), "--no-errors")
    assert table.exit_code == 0, table.stderr
    assert "Summary per data set" in table.stdout
    assert "govuk-holdout" in table.stdout


def test_without_labels_the_parts_are_left_out_and_a_note_says_so(cli: Cli) -> None:
    corpus_path(GOVUK / "LABELS.json")
    report = cli("eval", "--corpus", str(CORPUS), "--json").json()
    assert report["parts"] == []
    assert any("no GOV.UK labels" in note for note in report["notes"])
    labelled = cli(
        "eval", "--corpus", str(CORPUS), "--labels", str(GOLD / "govuk_labels.yaml"), "--json"
    ).json()
    assert [p["part"] for p in labelled["parts"]] == ["tune", "holdout"]


def test_a_fresh_label_naming_nothing_is_one_error_line(cli: Cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "govuk-content-api").mkdir(parents=True)
    (corpus / "govuk-content-api" / "LABELS.json").write_text('{"items": []}')
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "items.yaml").write_text("- id: a\n  text: A short statement.\n  themes: []\n")
    (gold / "govuk_labels.yaml").write_text("version: 1\nitems: {}\n")
    (gold / "fresh_labels.yaml").write_text(
        "version: 1\nitems:\n  statement-series/x/missing.json: {part: fresh}\n"
    )
    result = cli("eval", "--gold", str(gold), "--corpus", str(corpus), "--no-errors")
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "missing.json" in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
