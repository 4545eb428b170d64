"""Country and region names: pycountry's names plus seeds/places.yaml, in one phrase index.

Payloads are `Place` records: a country code or region id, how the name refers to it (name,
demonym, place) and, for names that need context, the `AmbiguousName` rules. `not_places`
phrases are in the index with kind "none" so they hide the shorter names inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry

from core.folding import fold
from tagging.matcher import CAPITALISED, EXACT, PhraseIndex
from tagging.taxonomy import AmbiguousName, PlacesSpec
from tagging.text import phrase_keys

COUNTRY, REGION, NONE = "country", "region", "none"
_LEADING_THE = re.compile(r"^(?:the|The)\s+")
# codes pycountry lacks
EXTRA_CODES = {"XK": "Kosovo"}


@dataclass(frozen=True)
class Place:
    kind: str  # country, region, none
    value: str  # ISO code or region id
    via: str  # name, demonym, place, region, none
    ambiguous: AmbiguousName | None = None


@dataclass
class Gazetteer:
    index: PhraseIndex
    labels: dict[str, str]  # code or region id -> display name
    by_name: dict[tuple[str, ...], str]  # folded country name -> code (publisher links)
    cue_keys: list[tuple[str, ...]]


def _pycountry_names(country: object) -> list[str]:
    names: list[str] = []
    for attr in ("name", "official_name", "common_name"):
        value = getattr(country, attr, None)
        if not value:
            continue
        names.append(value)
        if value.endswith(")") and " (" in value:  # "Falkland Islands (Malvinas)"
            names.append(value[: value.index(" (")])
        if ", " in value:  # "Korea, Republic of" -> "Republic of Korea"
            head, tail = value.split(", ", 1)
            names.append(f"{tail} {head}")
    return names


def country_label(code: str) -> str:
    if code in EXTRA_CODES:
        return EXTRA_CODES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def build_gazetteer(spec: PlacesSpec) -> Gazetteer:
    index = PhraseIndex()
    labels: dict[str, str] = {}
    by_name: dict[tuple[str, ...], str] = {}
    dropped = {phrase_keys(n) for n in spec.drop_names}
    exact = {phrase_keys(n) for n in spec.exact}
    ambiguous_keys = {phrase_keys(n) for n in spec.ambiguous}

    def add(name: str, place: Place) -> None:
        # "the Gulf", "The Hague": the article adds nothing, and leaving it out keeps the most
        # common English word from being a candidate at every occurrence
        name = _LEADING_THE.sub("", name)
        keys = phrase_keys(name)
        if not keys or (keys in ambiguous_keys and place.ambiguous is None):
            return
        case = EXACT if keys in exact else CAPITALISED
        index.add(name, place, case)
        if place.kind == COUNTRY and place.via == "name":
            by_name.setdefault(keys, place.value)

    for country in pycountry.countries:
        code = country.alpha_2
        labels[code] = country_label(code)
        for name in _pycountry_names(country):
            if phrase_keys(name) in dropped or name in spec.drop_names:
                continue
            add(name, Place(COUNTRY, code, "name"))
    for code, label in EXTRA_CODES.items():
        labels[code] = label
    for code, extra in spec.countries.items():
        if code not in labels:
            raise ValueError(f"places: unknown country code {code!r}")
        for name in extra.names:
            add(name, Place(COUNTRY, code, "name"))
        for name in extra.demonyms:
            add(name, Place(COUNTRY, code, "demonym"))
        for name in extra.places:
            add(name, Place(COUNTRY, code, "place"))
    for name, rule in spec.ambiguous.items():
        add(name, Place(COUNTRY, rule.code, "name", rule))
        by_name.setdefault(phrase_keys(name), rule.code)
    for region_id, region in spec.regions.items():
        labels[region_id] = region.label
        for name in region.names:
            add(name, Place(REGION, region_id, "region"))
    for name in spec.not_places:
        add(name, Place(NONE, "", "none"))
    # publisher links also name places in GOV.UK's own spelling
    for alias, code in {
        "Occupied Palestinian Territories": "PS",
        "The Occupied Palestinian Territories": "PS",
        "Burma": "MM",
        "Turkey": "TR",
        "Georgia": "GE",
        "Jordan": "JO",
        "Chad": "TD",
    }.items():
        by_name.setdefault(phrase_keys(alias), code)
    return Gazetteer(index.compile(), labels, by_name, [phrase_keys(c) for c in spec.country_cues])


def resolve_location(gazetteer: Gazetteer, name: str) -> str | None:
    """A GOV.UK world location title or slug ("Japan", "south-korea", "/world/japan") -> code."""
    text = name.strip().rsplit("/", 1)[-1] if "/" in name else name
    keys = tuple(fold(k) for k in phrase_keys(text.replace("-", " ")))
    if keys in gazetteer.by_name:
        return gazetteer.by_name[keys]
    for token in (keys, keys[1:] if keys[:1] == ("the",) else ()):
        if token and token in gazetteer.by_name:
            return gazetteer.by_name[token]
    return None
