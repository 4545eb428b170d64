"""Measured diffing: "what moved", version triage and baseline choice against the gold set of
diffs (tests/gold/diffs.yaml) on the real texts of the shared corpus (`deskwatch eval --diffs`).

- statements: each gold pair's top-3 moves (diffing.significance headlines) scored for precision
  and recall against the shifts a person named, per part (tuning, held-out);
- versions: each travel-advice pair classified (diffing.compare.version_diff); the share of the
  pairs a person labelled trivial or minor that came out substantive, and the exact agreement,
  per part;
- baselines: both statement series replayed as the archive. Each statement is tagged by the real
  tagger (its evidence sentences are its passages on a basis); for each gold case the candidates
  are the earlier statements the tagger gives the case's basis, newest first, within the
  look-back and at most `candidates` of them, as the diff stage reads them from the tags index;
  diffing.baseline chooses among them, and the choice is compared with the person's.

The gold file names corpus files only; no corpus text is in the repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from core.errors import UsageError
from core.normalise import clean_text
from diffing.baseline import Statement, basis_label, choose
from diffing.compare import version_diff
from diffing.evaluation import (
    BaselineCase,
    agreement,
    baseline_accuracy,
    false_substantive_rate,
    top_k,
)
from diffing.significance import significance
from tagging.tagger import Tagger

SERIES = "statement-series"


@dataclass(frozen=True)
class _Item:
    """A statement of the series as the chooser sees it, with its tags' evidence sentences."""

    name: str
    at: datetime
    title: str
    text: str
    organisation: str | None
    document_type: str | None
    url: str | None
    sentences: dict[str, list[str]]


def _body(corpus: Path, relative: str) -> str:
    path = corpus / relative
    if not path.is_file():
        raise UsageError(f"the gold file names {relative}, which is not in {corpus}")
    if path.suffix == ".json":
        return str(json.loads(path.read_text(encoding="utf-8"))["body"])
    return clean_text(path.read_text(encoding="utf-8"))


def _load_gold(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UsageError(f"no gold file {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping of statements, versions and baselines")
    return data


def _series(corpus: Path, tagger: Tagger) -> dict[str, _Item]:
    items: dict[str, _Item] = {}
    for path in sorted((corpus / SERIES).glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        sentences: dict[str, list[str]] = {}
        for tag in tagger.tag(data["body"], data.get("title") or ""):
            if tag.kind == "theme" or (tag.kind == "country" and tag.focus):
                basis = f"{tag.kind}:{tag.value}"
                sentences[basis] = [e.sentence for e in tag.evidence if e.field == "text"]
        name = str(path.relative_to(corpus))
        items[name] = _Item(
            name=name,
            at=datetime.fromisoformat(data["published"]).replace(tzinfo=UTC),
            title=data.get("title") or "",
            text=data["body"],
            organisation=data.get("organisation"),
            document_type=data.get("document_type"),
            url=data.get("govuk_url") or data.get("url"),
            sentences=sentences,
        )
    return items


def _statement(number: int, item: _Item, basis: str) -> Statement:
    from diffing.baseline import passages

    return Statement(
        number,
        number,
        item.at,
        item.title,
        passages(item.sentences.get(basis, []), item.text),
        organisation=item.organisation,
        document_type=item.document_type,
        url=item.url,
    )


def baseline_cases(
    cases: list[dict[str, Any]],
    corpus: Path,
    tagger: Tagger,
    *,
    candidates: int = 10,
    lookback_days: int = 365,
) -> list[BaselineCase]:
    """Each gold baseline case chosen on the replayed series (see the module docstring)."""
    items = _series(corpus, tagger)
    order = sorted(items.values(), key=lambda i: (i.at, i.name), reverse=True)
    numbers = {item.name: n for n, item in enumerate(order, 1)}
    results = []
    for case in cases:
        new = items.get(case["new"])
        if new is None:
            raise UsageError(f"the gold file names {case['new']}, which is not in {corpus}")
        basis = case["basis"]
        earlier = [
            i
            for i in order
            if i.at < new.at
            and i.at >= new.at - timedelta(days=lookback_days)
            and basis in i.sentences
        ][:candidates]
        choice = choose(
            _statement(numbers[new.name], new, basis),
            [_statement(numbers[i.name], i, basis) for i in earlier],
            basis=basis,
            basis_label=basis_label(basis),
            lookback_days=lookback_days,
        )
        chosen = next(
            (
                i.name
                for i in earlier
                if choice.statement and numbers[i.name] == choice.statement.release_id
            ),
            None,
        )
        results.append(
            BaselineCase(Path(new.name).stem, case["expected"], chosen, choice.baseline.reason)
        )
    return results


def diff_evaluation(gold_file: Path, corpus: Path, tagger: Tagger) -> dict[str, Any]:
    """Every diffing figure on the gold file and the corpus: a plain dict (the --json output)."""
    if not corpus.is_dir():
        raise UsageError(f"no corpus folder {corpus}")
    gold = _load_gold(gold_file)
    report: dict[str, Any] = {"gold": str(gold_file), "corpus": str(corpus), "statements": {}}
    for part in sorted({p["part"] for p in gold.get("statements", [])}):
        scored = top_k(
            (
                Path(pair["new"]).stem,
                significance(_body(corpus, pair["old"]), _body(corpus, pair["new"])).headlines(),
                pair["shifts"],
            )
            for pair in gold["statements"]
            if pair["part"] == part
        )
        report["statements"][part] = {
            "pairs": len(scored.pairs),
            "top3_precision": round(scored.precision, 3),
            "top3_recall": round(scored.recall, 3),
            "missed": {p.name: list(p.missed) for p in scored.pairs if p.missed},
        }
    report["versions"] = {}
    for part in sorted({p["part"] for p in gold.get("versions", [])}):
        cases = [
            (
                pair["expected"],
                version_diff(
                    _body(corpus, pair["old"]), _body(corpus, pair["new"]), None
                ).classification
                or "",
            )
            for pair in gold["versions"]
            if pair["part"] == part
        ]
        rate, light = false_substantive_rate(cases)
        report["versions"][part] = {
            "pairs": len(cases),
            "trivial_or_minor": light,
            "false_substantive_rate": round(rate, 4),
            "agreement": round(agreement(cases), 3),
        }
    chosen = baseline_cases(gold.get("baselines", []), corpus, tagger)
    report["baselines"] = {
        "cases": len(chosen),
        "accuracy": round(baseline_accuracy(chosen), 3),
        "choices": [
            {
                "new": c.name,
                "expected": Path(c.expected).stem,
                "chosen": Path(c.chosen).stem if c.chosen else None,
                "right": c.right,
                "reason": c.reason,
            }
            for c in chosen
        ],
    }
    return report
