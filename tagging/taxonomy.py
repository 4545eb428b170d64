"""The taxonomy and gazetteer files as validated data, and the version they make together.

`load_taxonomy(taxonomy_path, places_path)` reads `seeds/taxonomy.yaml` (themes, roles) and
`seeds/places.yaml` (the gazetteer on top of pycountry) and returns a `Taxonomy`. Its `version`
is the declared version plus a hash of both files and of the tagger's own rules version, so any
edit to either file gives a new version and the pipeline retags the archive. Problems become a
ConfigError naming the file, the entry and what is wrong.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import ConfigError
from core.yamlfile import read_mapping, validate

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_TAXONOMY_PATH = SEEDS_DIR / "taxonomy.yaml"
DEFAULT_PLACES_PATH = SEEDS_DIR / "places.yaml"
# bump when the tagger's code changes what it produces from the same files
RULES_VERSION = "5"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PhraseSpec(_Strict):
    text: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    near: list[str] = Field(default_factory=list)
    window: int | None = Field(default=None, ge=1)


class IptcSpec(_Strict):
    code: str = Field(pattern=r"^medtop:\d{8}$")
    label: str


class ContextSpec(_Strict):
    """Countries whose being the release's focus supports a theme (one piece of evidence)."""

    countries: list[str] = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)


class ThemeSpec(_Strict):
    id: str
    label: str
    description: str
    iptc: IptcSpec
    threshold: float | None = Field(default=None, gt=0)
    phrases: list[PhraseSpec] = Field(min_length=1)
    weak: list[PhraseSpec] = Field(default_factory=list)
    weak_needed: int | None = Field(default=None, ge=1)
    context: ContextSpec | None = None
    # foreign policy only: weak cues alone carry it only in a release that names a place abroad
    abroad: bool = False
    not_: list[str] = Field(default_factory=list, alias="not")

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"theme id {value!r} must be lower-case words joined by hyphens")
        return value

    @field_validator("phrases", "weak", mode="before")
    @classmethod
    def _plain_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value


class TaxonomySpec(_Strict):
    version: str = Field(min_length=1, max_length=40)
    threshold: float = Field(default=2.0, gt=0)
    suggest_threshold: float = Field(default=1.0, gt=0)
    weak_needed: int = Field(default=2, ge=1)
    length_words: int = Field(default=300, ge=1)
    title_weight: float = Field(default=2.0, gt=0)
    lead_weight: float = Field(default=1.5, gt=0)
    max_repeats: int = Field(default=3, ge=1)
    window: int = Field(default=12, ge=1)
    roles: list[str] = Field(default_factory=list)
    themes: list[ThemeSpec] = Field(min_length=1)

    @field_validator("themes")
    @classmethod
    def _unique(cls, themes: list[ThemeSpec]) -> list[ThemeSpec]:
        seen: set[str] = set()
        for theme in themes:
            if theme.id in seen:
                raise ValueError(f"two themes have the id {theme.id!r}")
            seen.add(theme.id)
        return themes


class CountryPlaces(_Strict):
    names: list[str] = Field(default_factory=list)
    demonyms: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)


class AmbiguousName(_Strict):
    code: str
    reject: list[str] = Field(default_factory=list)
    confirm: list[str] = Field(default_factory=list)


class RegionSpec(_Strict):
    label: str
    names: list[str] = Field(min_length=1)


class PlacesSpec(_Strict):
    version: int | str
    drop_names: list[str] = Field(default_factory=list)
    exact: list[str] = Field(default_factory=list)
    countries: dict[str, CountryPlaces] = Field(default_factory=dict)
    ambiguous: dict[str, AmbiguousName] = Field(default_factory=dict)
    country_cues: list[str] = Field(default_factory=list)
    regions: dict[str, RegionSpec] = Field(default_factory=dict)
    not_places: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Taxonomy:
    """Both files, validated, and the version string stored with every tag."""

    spec: TaxonomySpec
    places: PlacesSpec
    version: str
    paths: tuple[Path, Path] = field(default=(DEFAULT_TAXONOMY_PATH, DEFAULT_PLACES_PATH))

    def theme(self, theme_id: str) -> ThemeSpec | None:
        return next((t for t in self.spec.themes if t.id == theme_id), None)

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.spec.themes]


def load_taxonomy(
    taxonomy_path: Path | str | None = None, places_path: Path | str | None = None
) -> Taxonomy:
    """Read and validate the taxonomy and the gazetteer (the bundled ones by default)."""
    tpath = Path(taxonomy_path) if taxonomy_path is not None else DEFAULT_TAXONOMY_PATH
    ppath = Path(places_path) if places_path is not None else DEFAULT_PLACES_PATH
    traw, tdata = read_mapping(tpath)
    praw, pdata = read_mapping(ppath)
    spec = validate(TaxonomySpec, tdata, tpath)
    places = validate(PlacesSpec, pdata, ppath)
    digest = hashlib.sha256(traw + b"\0" + praw + b"\0" + RULES_VERSION.encode()).hexdigest()
    return Taxonomy(spec, places, f"{spec.version}+{digest[:10]}", (tpath, ppath))


def expand(pattern: str) -> list[str]:
    """`sanction{,s,ed}` -> sanction, sanctions, sanctioned (nested braces allowed)."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        if pattern[end] == "{":
            depth += 1
        elif pattern[end] == "}":
            depth -= 1
            if depth == 0:
                break
    else:
        raise ConfigError(f"unbalanced braces in phrase {pattern!r}")
    options: list[str] = []
    depth, piece = 0, ""
    for ch in pattern[start + 1 : end]:
        if ch == "," and depth == 0:
            options.append(piece)
            piece = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        piece += ch
    options.append(piece)
    head, tail = pattern[:start], pattern[end + 1 :]
    results: list[str] = []
    for option in options:
        for expanded in expand(head + option + tail):
            if expanded not in results:
                results.append(expanded)
    return results
