"""The one table `deskwatch eval` leads with: a row per data set, its figures side by side.

    gold            the team's gold set (tests/gold/*.yaml)
    govuk           the corpus's GOV.UK items against their world_locations links (countries)
    govuk-tune      the team's labels of the same items, the part the rules were tuned on
    govuk-holdout   the part set aside while tuning 2026.12 (read to tune 2026.12.1)
    govuk-fresh     news entries and statements of the corpus labelled later, never tuned on
                    (when the gold folder holds fresh_labels.yaml)

Each row: items, theme precision / recall / macro-F1, country precision / recall (every country
tagged against every country labelled) and focus precision / recall, where the data set has
them (None where it does not), and for the labelled parts the suggested band (suggested themes
the labels hold, and those they do not) and the items not in English left untagged with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.corpus_labels import PartScores
from pipeline.evaluation import Scores

COLUMNS = [
    "dataset",
    "items",
    "theme_precision",
    "theme_recall",
    "theme_macro_f1",
    "country_precision",
    "country_recall",
    "focus_precision",
    "focus_recall",
    "suggested_right",
    "suggested_wrong",
    "untagged_explained",
]
# which Scores kind fills which columns; the gold set's countries are its mentioned countries
_KINDS = {
    "theme": "theme",
    "country": "country",
    "country-mentioned": "country",
    "country-focus": "focus",
}


def summary_rows(scores: Sequence[Scores], parts: Sequence[PartScores]) -> list[dict[str, Any]]:
    """One row per data set, in the order the data sets were scored."""
    rows: dict[str, dict[str, Any]] = {}
    for s in scores:
        prefix = _KINDS.get(s.kind)
        if prefix is None:
            continue  # regions: in the per-label tables only
        row = rows.setdefault(s.dataset, dict.fromkeys(COLUMNS) | {"dataset": s.dataset})
        row["items"] = max(row["items"] or 0, s.items)
        row[f"{prefix}_precision"] = round(s.overall.precision, 3)
        row[f"{prefix}_recall"] = round(s.overall.recall, 3)
        if prefix == "theme":
            row["theme_macro_f1"] = round(s.macro_f1, 3)
    for part in parts:
        labelled = rows.get(part.themes.dataset)
        if labelled is None:
            continue
        labelled["suggested_right"] = part.suggested_right
        labelled["suggested_wrong"] = part.suggested_wrong
        labelled["untagged_explained"] = f"{part.explained}/{part.other_language}"
    return list(rows.values())
