"""The tagger against the team's own labels of real GOV.UK text in the shared corpus.

    labels = load_govuk_labels(GOLD / "govuk_labels.yaml")
    report = evaluate_govuk_labels(tagger, CORPUS / "govuk-content-api", labels)
    report["tune"].themes.macro_f1, report["holdout"].focus.overall.precision, ...

    fresh = load_govuk_labels(GOLD / "fresh_labels.yaml")
    report |= evaluate_fresh_labels(tagger, CORPUS, fresh)   # report["fresh"]

`govuk_labels.yaml` labels the Content API items of `govuk-content-api`, keyed by file name.
`fresh_labels.yaml` (part `fresh`, labelled after the rules were last tuned, never tuned on)
keys each item by its path relative to the corpus folder: a statement-series JSON
(`statement-series/<series>/<file>.json`: the tagger sees its `title` and `body`) or a
feed-entries JSON, `#` and the path of the entry's link
(`feeds/<feed>/<file>.entries.json#/government/news/...`: its `title` and `body_text`). A key
that names no file or no entry is a ConfigError, one line naming the key.

Each part (`tune`, `holdout`, `fresh`) is scored apart: themes (precision, recall, macro-F1 over the
"tagged" themes), focus countries and mentioned countries (every country the tagger tags against
focus + mentions), with GB ignored as in `evaluate_govuk`. The "suggested" band is counted
beside them: how many suggested themes the labels hold (a person would accept) and how many they
do not. Items not in English are scored on language only: did the tagger leave them untagged and
say why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from core.errors import ConfigError
from core.tags import COUNTRY, RULE, SUGGESTED, THEME
from pipeline.evaluation import GOVUK_IGNORED, Scores, _codes
from tagging.tagger import Tagger

PARTS = ("tune", "holdout", "fresh")
GOVUK_PARTS = ("tune", "holdout")  # govuk_labels.yaml; fresh_labels.yaml is all `fresh`


@dataclass(frozen=True)
class CorpusLabel:
    file: str
    part: str
    language: str
    themes: frozenset[str]
    focus: frozenset[str]
    mentions: frozenset[str]


@dataclass
class PartScores:
    part: str
    themes: Scores
    focus: Scores
    mentions: Scores
    suggested_right: int = 0
    suggested_wrong: int = 0
    other_language: int = 0  # items not in English
    explained: int = 0  # of those, left untagged with a reason
    language_errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "items": self.themes.items,
            "theme_precision": round(self.themes.overall.precision, 4),
            "theme_recall": round(self.themes.overall.recall, 4),
            "theme_macro_f1": round(self.themes.macro_f1, 4),
            "focus_precision": round(self.focus.overall.precision, 4),
            "focus_recall": round(self.focus.overall.recall, 4),
            "country_precision": round(self.mentions.overall.precision, 4),
            "country_recall": round(self.mentions.overall.recall, 4),
            "suggested_right": self.suggested_right,
            "suggested_wrong": self.suggested_wrong,
            "other_language": self.other_language,
            "explained": self.explained,
            "language_errors": self.language_errors,
        }


def load_govuk_labels(path: Path) -> dict[str, CorpusLabel]:
    """The labels file, validated: file name -> label."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the corpus labels: {exc}") from None
    items = data.get("items") if isinstance(data, Mapping) else None
    if not isinstance(items, Mapping):
        raise ConfigError(f"{path}: the corpus labels are a mapping with `items`")
    labels: dict[str, CorpusLabel] = {}
    for name, raw in items.items():
        where = f"{path.name}: {name}"
        if not isinstance(raw, Mapping) or raw.get("part") not in PARTS:
            raise ConfigError(f"{where}: needs `part` (one of {', '.join(PARTS)})")
        labels[str(name)] = CorpusLabel(
            file=str(name),
            part=str(raw["part"]),
            language=str(raw.get("language") or "en"),
            themes=frozenset(raw.get("themes") or ()),
            focus=_codes(raw.get("focus"), where),
            mentions=_codes(raw.get("mentions"), where),
        )
    return labels


def _part(part: str) -> PartScores:
    return PartScores(
        part,
        Scores(f"govuk-{part}", THEME),
        Scores(f"govuk-{part}", "country-focus"),
        Scores(f"govuk-{part}", "country-mentioned"),
    )


def evaluate_govuk_labels(
    tagger: Tagger, folder: Path, labels: Mapping[str, CorpusLabel]
) -> dict[str, PartScores]:
    """Scores per part on the labelled items found in `folder` (the corpus's GOV.UK folder)."""
    from ingest.govuk import parse_content_item

    parts = {part: _part(part) for part in GOVUK_PARTS}
    for name in sorted(labels):
        label = labels[name]
        _known_themes(tagger, name, label)
        path = folder / name
        if not path.is_file():
            continue
        record = parse_content_item(path.read_bytes(), url=str(path))
        if label.part not in parts:
            raise ConfigError(f"{name}: part {label.part!r} in the GOV.UK labels")
        _score(tagger, parts[label.part], name, label, record.title, record.text)
    return parts


def evaluate_fresh_labels(
    tagger: Tagger, corpus: Path, labels: Mapping[str, CorpusLabel]
) -> dict[str, PartScores]:
    """Scores of the `fresh` part: each key read from the corpus folder `corpus` (see the
    module's docstring). A key that names nothing there is a ConfigError."""
    part = _part("fresh")
    for name in sorted(labels):
        label = labels[name]
        _known_themes(tagger, name, label)
        if label.part != "fresh":
            raise ConfigError(f"{name}: part {label.part!r} in the fresh labels (only `fresh`)")
        title, text = read_labelled_text(corpus, name)
        _score(tagger, part, name, label, title, text)
    return {"fresh": part}


def read_labelled_text(corpus: Path, key: str) -> tuple[str, str]:
    """The title and text a fresh label's key names in the corpus folder."""
    name, _hash, link = key.partition("#")
    path = corpus / name
    if not name or ".." in Path(name).parts or not path.is_file():
        raise ConfigError(f"fresh label {key!r}: no file {name!r} in the corpus {corpus}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"fresh label {key!r}: cannot read {name}: {exc}") from None
    if link:
        entries = data.get("entries") if isinstance(data, Mapping) else data
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and urlsplit(str(entry.get("link", ""))).path == link:
                return str(entry.get("title") or ""), str(entry.get("body_text") or "")
        raise ConfigError(f"fresh label {key!r}: no entry with the link path {link!r} in {name}")
    if not isinstance(data, Mapping) or not isinstance(data.get("body"), str):
        raise ConfigError(f"fresh label {key!r}: {name} is not a statement (title and body)")
    return str(data.get("title") or ""), data["body"]


def _known_themes(tagger: Tagger, name: str, label: CorpusLabel) -> None:
    unknown = label.themes - set(tagger.taxonomy.theme_ids)
    if unknown:
        raise ConfigError(f"{name}: unknown theme(s) {sorted(unknown)}")


def _score(
    tagger: Tagger, scores: PartScores, name: str, label: CorpusLabel, title: str, text: str
) -> None:
    """Tag one labelled text and count it in its part's scores."""
    outcome = tagger.tag_with_reason(text, title=title)
    if label.language != "en":
        scores.other_language += 1
        rule_tags = [t for t in outcome.tags if t.origin == RULE]
        if outcome.untagged_reason and not rule_tags:
            scores.explained += 1
        if outcome.language != label.language:
            scores.language_errors.append(f"{name}: {outcome.language} for {label.language}")
        return
    themes = {t.value: t for t in outcome.tags if t.kind == THEME and t.origin == RULE}
    tagged = {v: t for v, t in themes.items() if t.status != SUGGESTED}
    for value, tag in themes.items():
        if tag.status == SUGGESTED:
            if value in label.themes:
                scores.suggested_right += 1
            else:
                scores.suggested_wrong += 1
    scores.themes.add(name, label.themes, tagged)
    countries = {
        t.value: t
        for t in outcome.tags
        if t.kind == COUNTRY and t.origin == RULE and t.value not in GOVUK_IGNORED
    }
    focus = {v: t for v, t in countries.items() if t.focus}
    scores.focus.add(name, label.focus - GOVUK_IGNORED, focus, countries)
    scores.mentions.add(name, (label.focus | label.mentions) - GOVUK_IGNORED, countries)
