"""What `deskwatch eval --diffs GOLD_FILE --corpus DIR` prints: the differ's figures from
pipeline.diff_evaluation, as tables (default), one JSON object (--json) or CSV rows (--csv)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from deskwatch.output import Format, emit, print_json


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: dataset, part, measure, value, of how many."""
    out: list[dict[str, Any]] = []
    for part, s in report["statements"].items():
        out.append(_row("statement pairs", part, "top-3 precision", s["top3_precision"], s))
        out.append(_row("statement pairs", part, "top-3 recall", s["top3_recall"], s))
    for part, v in report["versions"].items():
        out.append(
            {
                "dataset": "version pairs",
                "part": part,
                "measure": "trivial-edit false-substantive rate",
                "value": v["false_substantive_rate"],
                "of": v["trivial_or_minor"],
            }
        )
        out.append(_row("version pairs", part, "triage agreement", v["agreement"], v))
    b = report["baselines"]
    out.append(
        {
            "dataset": "baselines",
            "part": "all",
            "measure": "baseline choice accuracy",
            "value": b["accuracy"],
            "of": b["cases"],
        }
    )
    return out


def _row(dataset: str, part: str, measure: str, value: float, of: dict[str, Any]) -> dict[str, Any]:
    return {"dataset": dataset, "part": part, "measure": measure, "value": value, "of": of["pairs"]}


def print_diff_evaluation(
    app: Any, gold_file: Path, corpus: Path, fmt: Format, *, errors: bool = True
) -> None:
    from pipeline.diff_evaluation import diff_evaluation
    from pipeline.stages.tag import tagger_for

    report = diff_evaluation(gold_file, corpus, tagger_for(app))
    if fmt is Format.JSON:
        print_json(report)
        return
    columns = ["dataset", "part", "measure", "value", "of"]
    if fmt is Format.CSV:
        emit(rows(report), columns, fmt)
        return
    emit(rows(report), columns, fmt, title=f"Diffing measured on {gold_file}")
    if not errors:
        return
    console = Console(highlight=False)
    for part, s in report["statements"].items():
        for name, missed in s["missed"].items():
            console.print(f"missed ({part}) {name}: {', '.join(missed)}", markup=False)
    for choice in report["baselines"]["choices"]:
        if not choice["right"]:
            got = choice["chosen"] or f"none ({choice['reason']})"
            console.print(
                f"baseline of {choice['new']}: chose {got}, expected {choice['expected']}",
                markup=False,
            )
