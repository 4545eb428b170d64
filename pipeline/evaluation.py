"""Measured accuracy: precision, recall and F1 of the tagger against labelled statements.

Two kinds of labelled data:
- the gold set (tests/gold/*.yaml, written by the team): countries, themes and regions;
- GOV.UK Content API items with their published `world_locations` links (LABELS.json in the
  shared corpus) as the truth for countries. The tagger sees only the title and text, never the
  links. Labels that name no country ("UK Mission to the United Nations, New York",
  "Another location") are set aside and listed.

Per label: tp, fp, fn, precision, recall, F1. Overall: micro-averaged precision / recall / F1
and the macro-F1 over labels. Every miss and false positive is listed with the evidence
sentence (for a false positive) so a person can read why.

`evaluation_report(taxonomy, gold=..., corpus=...)` runs all of it on the folders it is given
(`deskwatch eval`): nothing is looked for in a default place.

Over 400 lines on purpose: the scores, the two loaders and the report share the LabelledItem and
Scores records and are read together when a figure looks wrong; the team's GOV.UK labels are
scored apart (pipeline/corpus_labels.py) and the summary table is pipeline/eval_table.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml

from core.errors import ConfigError, UsageError
from core.tags import COUNTRY, REGION, RULE, THEME, TagResult
from tagging.gazetteer import EXTRA_CODES, resolve_location
from tagging.tagger import Tagger, get_tagger
from tagging.taxonomy import Taxonomy


@dataclass(frozen=True)
class LabelledItem:
    id: str
    text: str
    title: str = ""
    countries: frozenset[str] | None = None
    themes: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    focus: frozenset[str] | None = None
    note: str | None = None
    set_aside: tuple[str, ...] = ()  # labels that name no country (corpus only)


@dataclass
class LabelScore:
    label: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Error:
    item: str
    kind: str  # country, theme, region
    label: str
    error: str  # "miss" or "false positive"
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "kind": self.kind,
            "label": self.label,
            "error": self.error,
            "detail": self.detail,
        }


@dataclass
class Scores:
    """The scores of one kind (country, theme or region) on one data set."""

    dataset: str
    kind: str
    labels: dict[str, LabelScore] = field(default_factory=dict)
    errors: list[Error] = field(default_factory=list)
    items: int = 0

    def _label(self, label: str) -> LabelScore:
        return self.labels.setdefault(label, LabelScore(label))

    @property
    def overall(self) -> LabelScore:
        total = LabelScore("overall")
        for score in self.labels.values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total

    @property
    def macro_f1(self) -> float:
        scored = [s.f1 for s in self.labels.values() if s.tp + s.fp + s.fn]
        return sum(scored) / len(scored) if scored else 1.0

    def add(
        self,
        item: str,
        truth: Iterable[str],
        predicted: dict[str, TagResult],
        mentioned: dict[str, TagResult] | None = None,
    ) -> None:
        truth = set(truth)
        self.items += 1
        for label in sorted(truth | set(predicted)):
            score = self._label(label)
            if label in truth and label in predicted:
                score.tp += 1
            elif label in truth:
                score.fn += 1
                seen = mentioned.get(label) if mentioned else None
                detail = (
                    f"mentioned ({seen.attributes.get('mentions', 1)}x) but not the focus"
                    if seen is not None
                    else "not found in the text"
                )
                self.errors.append(Error(item, self.kind, label, "miss", detail))
            else:
                score.fp += 1
                tag = predicted[label]
                ev = tag.evidence[0] if tag.evidence else None
                detail = f"{ev.text!r} in: {ev.sentence}" if ev else ""
                if len(detail) > 300:
                    detail = detail[:297] + "..."
                self.errors.append(Error(item, self.kind, label, "false positive", detail))

    def rows(self) -> list[dict[str, Any]]:
        rows = [
            {"dataset": self.dataset, "kind": self.kind, **s.as_dict()}
            for s in sorted(self.labels.values(), key=lambda s: s.label)
        ]
        overall = self.overall.as_dict()
        overall["label"] = "(overall, micro)"
        rows.append({"dataset": self.dataset, "kind": self.kind, **overall})
        rows.append(
            {
                "dataset": self.dataset,
                "kind": self.kind,
                "label": "(macro-F1)",
                "tp": None,
                "fp": None,
                "fn": None,
                "precision": None,
                "recall": None,
                "f1": round(self.macro_f1, 4),
            }
        )
        return rows

    def as_dict(self) -> dict[str, Any]:
        overall = self.overall
        return {
            "dataset": self.dataset,
            "kind": self.kind,
            "items": self.items,
            "precision": round(overall.precision, 4),
            "recall": round(overall.recall, 4),
            "f1": round(overall.f1, 4),
            "macro_f1": round(self.macro_f1, 4),
            "labels": [s.as_dict() for s in sorted(self.labels.values(), key=lambda s: s.label)],
            "errors": [e.as_dict() for e in self.errors],
        }


def _rule(
    tags: Sequence[TagResult],
    kind: str,
    focus_only: bool = False,
    ignore: frozenset[str] = frozenset(),
) -> dict[str, TagResult]:
    return {
        t.value: t
        for t in tags
        if t.kind == kind
        and t.origin == RULE
        and (t.focus or not focus_only)
        and t.value not in ignore
    }


def evaluate(
    tagger: Tagger,
    items: Sequence[LabelledItem],
    dataset: str,
    *,
    ignore_countries: frozenset[str] = frozenset(),
) -> list[Scores]:
    """Scores per kind, for each kind the items are labelled with. Countries in
    `ignore_countries` are neither truth nor prediction."""
    countries = Scores(dataset, COUNTRY)
    themes = Scores(dataset, THEME)
    regions = Scores(dataset, REGION)
    for item in items:
        tags = tagger.tag(item.text, title=item.title)
        if item.countries is not None:
            countries.add(
                item.id,
                item.countries - ignore_countries,
                _rule(tags, COUNTRY, ignore=ignore_countries),
            )
        if item.themes is not None:
            themes.add(item.id, item.themes, _rule(tags, THEME))
        if item.regions is not None:
            regions.add(item.id, item.regions, _rule(tags, REGION))
    return [s for s in (countries, themes, regions) if s.items]


def evaluate_focus(
    tagger: Tagger,
    items: Sequence[LabelledItem],
    dataset: str,
    *,
    ignore_countries: frozenset[str] = frozenset(),
) -> Scores:
    """Countries the tagger marks as the focus, against the labels (the corpus's view)."""
    scores = Scores(dataset, "country-focus")
    for item in items:
        if item.countries is None:
            continue
        tags = tagger.tag(item.text, title=item.title)
        predicted = _rule(tags, COUNTRY, focus_only=True, ignore=ignore_countries)
        mentioned = _rule(tags, COUNTRY, ignore=ignore_countries)
        scores.add(item.id, item.countries - ignore_countries, predicted, mentioned)
    return scores


# GOV.UK world locations are places abroad: the UK itself is never one
GOVUK_IGNORED = frozenset({"GB"})


def evaluate_govuk(tagger: Tagger, items: Sequence[LabelledItem]) -> list[Scores]:
    """On the items that carry at least one country label: focus countries (the main figure,
    as a world location link says what a page is about) and every country mentioned."""
    labelled = [i for i in items if i.countries]
    focus = evaluate_focus(tagger, labelled, "govuk", ignore_countries=GOVUK_IGNORED)
    mentions = evaluate(tagger, labelled, "govuk", ignore_countries=GOVUK_IGNORED)
    for scores in mentions:
        scores.kind = "country-mentioned"
    return [focus, *mentions]


# -- the gold set ---------------------------------------------------------------------------
def _codes(values: Any, where: str) -> frozenset[str]:
    if any(isinstance(v, bool) for v in values or []):
        raise ConfigError(f'{where}: a country code reads as true/false: quote it ("NO")')
    codes = frozenset(str(v).upper() for v in values or [])
    for code in codes:
        if code not in EXTRA_CODES and pycountry.countries.get(alpha_2=code) is None:
            raise ConfigError(f"{where}: unknown country code {code!r}")
    return codes


# the GOV.UK corpus labels in the gold folder (a mapping, not a list of items: see
# pipeline/corpus_labels.py), and the other files there that are not the tagger's items
GOVUK_LABELS = "govuk_labels.yaml"
FRESH_LABELS = "fresh_labels.yaml"  # corpus-relative keys, part `fresh`
NOT_TAGGER_GOLD = frozenset({GOVUK_LABELS, FRESH_LABELS, "diffs.yaml"})  # diffs: diffing/


def load_gold(
    folder: Path, theme_ids: Iterable[str], region_ids: Iterable[str]
) -> list[LabelledItem]:
    """Every item of every *.yaml file in `folder`, validated against the taxonomy."""
    known_themes, known_regions = set(theme_ids), set(region_ids)
    items: list[LabelledItem] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        if path.name in NOT_TAGGER_GOLD:
            continue  # the corpus labels, the diffing gold set: read elsewhere
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read the gold file: {exc}") from None
        if not isinstance(data, list):
            raise ConfigError(f"{path}: a gold file is a list of items")
        for n, raw in enumerate(data):
            where = f"{path.name}: item {n} ({raw.get('id') if isinstance(raw, dict) else '?'})"
            if not isinstance(raw, dict) or not raw.get("id") or not raw.get("text"):
                raise ConfigError(f"{where}: needs an id and a text")
            if raw["id"] in seen:
                raise ConfigError(f"{where}: duplicate id")
            seen.add(raw["id"])
            themes = frozenset(raw.get("themes") or [])
            if themes - known_themes:
                raise ConfigError(f"{where}: unknown theme(s) {sorted(themes - known_themes)}")
            regions = frozenset(raw["regions"]) if "regions" in raw else None
            if regions and regions - known_regions:
                raise ConfigError(f"{where}: unknown region(s) {sorted(regions - known_regions)}")
            items.append(
                LabelledItem(
                    id=str(raw["id"]),
                    title=str(raw.get("title") or ""),
                    text=str(raw["text"]),
                    countries=_codes(raw.get("countries"), where),
                    themes=themes,
                    regions=regions,
                    focus=_codes(raw["focus"], where) if "focus" in raw else None,
                    note=raw.get("note"),
                )
            )
    return items


# -- the GOV.UK corpus ----------------------------------------------------------------------
def load_govuk_corpus(folder: Path, tagger: Tagger) -> list[LabelledItem]:
    """GOV.UK Content API items with their `world_locations` labels as country truth. The text
    is what deskwatch's own GOV.UK parser stores; the links are not passed to the tagger."""
    from ingest.govuk import parse_content_item

    labels = json.loads((folder / "LABELS.json").read_text(encoding="utf-8"))
    items: list[LabelledItem] = []
    for entry in labels.get("items", []):
        path = folder / Path(entry["file"]).name
        if not path.exists():
            continue
        try:
            record = parse_content_item(path.read_bytes(), url=str(path))
        except Exception:  # noqa: BLE001 - an unreadable item is skipped, not fatal
            continue
        truth: set[str] = set()
        aside: list[str] = []
        for name in entry.get("links", {}).get("world_locations", []):
            code = resolve_location(tagger.gazetteer, name)
            if code is None:
                aside.append(name)
            else:
                truth.add(code)
        items.append(
            LabelledItem(
                id=path.name,
                title=record.title,
                text=record.text,
                countries=frozenset(truth),
                set_aside=tuple(aside),
            )
        )
    return items


# -- the whole report -----------------------------------------------------------------------
GOVUK_FOLDER = "govuk-content-api"


def evaluation_report(
    taxonomy: Taxonomy,
    *,
    gold: Path | None = None,
    corpus: Path | None = None,
    labels: Path | None = None,
) -> dict[str, Any]:
    """Every score of the tagger on the gold set in `gold` and on the GOV.UK items of `corpus`
    (the shared corpus folder, or its govuk-content-api folder), as `scores` (Scores) beside
    what was read. At least one of the two; a folder without its files is a UsageError.

    With the corpus, the team's labels of its items (`labels`, else `govuk_labels.yaml` of the
    gold folder) are scored per part, tune and holdout (pipeline.corpus_labels), as `parts`
    (PartScores), their Scores added to `scores`; so is the `fresh` part when the gold folder
    holds fresh_labels.yaml (its keys are paths in the corpus folder). `summary` is one row per
    data set (pipeline.eval_table)."""
    if gold is None and corpus is None:
        raise UsageError("nothing to measure: give a gold set folder, a corpus folder or both")
    tagger = get_tagger(taxonomy)
    report: dict[str, Any] = {
        "taxonomy_version": taxonomy.version,
        "scores": [],
        "notes": [],
        "gold": None,
        "corpus": None,
    }
    if gold is not None:
        if not gold.is_dir() or not any(gold.glob("*.yaml")):
            raise UsageError(f"no gold files (*.yaml) in {gold}")
        items = load_gold(gold, taxonomy.theme_ids, taxonomy.places.regions)
        report["gold"] = {"path": str(gold), "items": len(items)}
        report["scores"] += evaluate(tagger, items, "gold")
    else:
        report["notes"].append("no gold set given: reporting the GOV.UK corpus only")
    if corpus is not None:
        folder = corpus / GOVUK_FOLDER if (corpus / GOVUK_FOLDER).is_dir() else corpus
        if not (folder / "LABELS.json").is_file():
            raise UsageError(f"no {GOVUK_FOLDER}/LABELS.json in {corpus}")
        labelled_items = load_govuk_corpus(folder, tagger)
        report["corpus"] = {
            "path": str(folder),
            "items": len(labelled_items),
            "labelled_items": sum(1 for i in labelled_items if i.countries),
            "labels_set_aside": sorted({a for i in labelled_items for a in i.set_aside}),
        }
        report["scores"] += evaluate_govuk(tagger, labelled_items)
        labels = labels or (gold / GOVUK_LABELS if gold is not None else None)
        if labels is not None and labels.is_file():
            from pipeline.corpus_labels import evaluate_govuk_labels, load_govuk_labels

            found = evaluate_govuk_labels(tagger, folder, load_govuk_labels(labels))
            fresh = gold / FRESH_LABELS if gold is not None else None
            if fresh is not None and fresh.is_file():
                from pipeline.corpus_labels import evaluate_fresh_labels

                root = folder.parent if folder.name == GOVUK_FOLDER else folder
                found |= evaluate_fresh_labels(tagger, root, load_govuk_labels(fresh))
            report["parts"] = list(found.values())
            report["scores"] += [s for p in found.values() for s in (p.themes, p.focus, p.mentions)]
        else:
            report["notes"].append(
                "no GOV.UK labels (give --gold DIR holding govuk_labels.yaml, or --labels FILE): "
                "the tune and holdout parts are not reported"
            )
    else:
        report["notes"].append("no GOV.UK corpus given: reporting the gold set only")
    from pipeline.eval_table import summary_rows

    report["summary"] = summary_rows(report["scores"], report.get("parts", []))
    return report
