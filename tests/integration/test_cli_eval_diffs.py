"""`deskwatch eval --diffs` on the real texts of ../shared/corpus (corpus marker): the figures the
README quotes, from the CLI, and the targets they are held to: top-3 precision at least 0.8 on
the tuning statement pairs, a trivial-edit false-substantive rate under 2%, and the baseline
chooser picking the statement a person chose in at least 0.8 of the gold cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import Cli
from tests.fixtures.corpus import CORPUS, corpus_path

pytestmark = pytest.mark.corpus

GOLD = Path(__file__).resolve().parents[1] / "gold" / "diffs.yaml"


def test_eval_diffs_prints_every_figure(cli: Cli) -> None:
    corpus = corpus_path(CORPUS / "statement-series").parent
    result = cli("eval", "--diffs", str(GOLD), "--corpus", str(corpus), "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert set(report["statements"]) == {"tuning", "held-out"}
    tuning = report["statements"]["tuning"]
    assert tuning["pairs"] == 13 and tuning["top3_precision"] >= 0.8
    for part in report["versions"].values():
        assert part["false_substantive_rate"] < 0.02
    baselines = report["baselines"]
    assert baselines["cases"] == 11 and baselines["accuracy"] >= 0.8
    right = {c["new"]: c for c in baselines["choices"]}
    # like with like: the previous explanation of vote, not the readout of a call in between
    assert right["2023-10-25-uk-unsc-eov-us-and-russian-drafts"]["right"]

    table = cli("eval", "--diffs", str(GOLD), "--corpus", str(corpus), "--no-errors")
    assert table.exit_code == 0
    assert "baseline choice accuracy" in table.stdout and "top-3 precision" in table.stdout
    assert "missed" not in table.stdout
    csv = cli("eval", "--diffs", str(GOLD), "--corpus", str(corpus), "--csv")
    assert csv.stdout.splitlines()[0] == "dataset,part,measure,value,of"


def test_eval_diffs_needs_the_corpus(cli: Cli, tmp_path: Path) -> None:
    result = cli("eval", "--diffs", str(GOLD))
    assert result.exit_code == 2 and "--corpus" in result.stderr
    missing = cli("eval", "--diffs", str(tmp_path / "no.yaml"), "--corpus", str(tmp_path))
    assert missing.exit_code == 2 and "no.yaml: no such file or folder" in missing.stderr
