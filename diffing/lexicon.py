"""The significance lexicon (`seeds/lexicon.yaml`) as validated data, compiled once for matching.

`load_lexicon(path)` reads and validates the file (problems become one-line ConfigErrors naming
the file and the entry) and compiles every phrase into two word tries: one, ignoring case, for
the formulae, the steps of the scales and the negators; one, keeping case, for the parties ("US"
is a party, "us" is not). `Lexicon.hits(sentence)` splits the sentence into words once and walks
each trie from each word, keeping the longest phrase that starts there (leftmost, longest), so
matching costs time linear in the text whatever the size of the lexicon; the hits of a sentence
are kept in a bounded cache (diffing.memo), since the scorer, the classifier and the phrase
history all ask for them. `default_lexicon()` is the bundled file, read on first use.

The format is documented at the top of the file and in docs/lexicon.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.errors import ConfigError
from core.yamlfile import read_mapping, validate
from diffing.memo import per_sentence

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_LEXICON_PATH = SEEDS_DIR / "lexicon.yaml"

FORMULA, STEP, NEGATOR, PARTY = "formula", "step", "negator", "party"
TEXT, SENTENCE = "text", "sentence"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FormulaSpec(_Strict):
    id: str = Field(min_length=1)
    label: str | None = Field(default=None, min_length=1)
    category: str = Field(min_length=1)
    weight: float = Field(gt=0)
    phrases: list[str] = Field(min_length=1)


class StepSpec(_Strict):
    id: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)


class ScaleSpec(_Strict):
    id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    weight: float = Field(gt=0)
    scope: Literal["text", "sentence"]
    steps: list[StepSpec] = Field(min_length=2)


class PartySpec(_Strict):
    id: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)


class LexiconSpec(_Strict):
    version: str = Field(min_length=1, max_length=40)
    negation_weight: float = Field(default=3.0, gt=0)
    figure_weight: float = Field(default=2.5, gt=0)
    party_weight: float = Field(default=1.5, gt=0)
    formulae: list[FormulaSpec] = Field(min_length=1)
    scales: list[ScaleSpec] = Field(default_factory=list)
    negators: list[str] = Field(default_factory=list)
    parties: list[PartySpec] = Field(default_factory=list)
    figure_context: list[str] = Field(default_factory=list)
    boilerplate: list[str] = Field(default_factory=list)

    @field_validator("boilerplate")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"boilerplate pattern {pattern!r} is not a regex: {exc}") from None
        return patterns

    @model_validator(mode="after")
    def _unique(self) -> LexiconSpec:
        ids: set[str] = set()
        entries: list[FormulaSpec | ScaleSpec | PartySpec] = [
            *self.formulae,
            *self.scales,
            *self.parties,
        ]
        for entry in entries:
            if entry.id in ids:
                raise ValueError(f"two entries have the id {entry.id!r}")
            ids.add(entry.id)
        return self


def expand(pattern: str) -> list[str]:
    """`condemn{,s,ed}` -> condemn, condemns, condemned (braces may nest); spaces collapsed."""
    open_at = pattern.find("{")
    if open_at < 0:
        return [" ".join(pattern.split())]
    depth, options, piece = 0, [], ""
    for close_at in range(open_at, len(pattern)):
        char = pattern[close_at]
        if char == "{":
            depth += 1
            if depth == 1:
                continue
        elif char == "}":
            depth -= 1
            if depth == 0:
                options.append(piece)
                break
        elif char == "," and depth == 1:
            options.append(piece)
            piece = ""
            continue
        piece += char
    else:
        raise ConfigError(f"unbalanced braces in phrase {pattern!r}")
    head, tail = pattern[:open_at], pattern[close_at + 1 :]
    found: dict[str, None] = {}
    for option in options:
        for phrase in expand(head + option + tail):
            if phrase:
                found.setdefault(phrase, None)
    return list(found)


_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
"""A word of a sentence or a phrase (on straightened text): hyphens and spaces separate words."""
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-", "‐": "-", "\u00a0": " "})


def plain(text: str) -> str:
    """Curly quotes and dashes straightened, one character for one (offsets are kept)."""
    return text.translate(_TYPOGRAPHY)


def phrase_key(text: str) -> str:
    """The form a phrase and a matched text share: words joined by one space."""
    return " ".join(_TOKEN.findall(plain(text)))


_GAP = re.compile(r"[\s\-‐–—]+")
_END = ""
"""The key under which a trie node holds what the phrase ending there is."""

Trie = dict[str, Any]


def _trie(phrases: dict[str, tuple[str, str]]) -> Trie:
    """A trie of words: each phrase's words a path, (kind, key) at its end."""
    root: Trie = {}
    for phrase, value in phrases.items():
        node = root
        for word in _TOKEN.findall(plain(phrase)):
            node = node.setdefault(word, {})
        node[_END] = value
    return root


def _walk(trie: Trie, words: list[str], spans: list[tuple[int, int]], sentence: str) -> list[Hit]:
    """The longest phrase of `trie` starting at each word, leftmost first, not overlapping."""
    found: list[Hit] = []
    i = 0
    while i < len(words):
        node, longest, j = trie, None, i
        while j < len(words):
            step = node.get(words[j])
            if step is None or (
                j > i and not _GAP.fullmatch(sentence[spans[j - 1][1] : spans[j][0]])
            ):
                break  # a phrase's words are apart by spaces or hyphens only
            node, j = step, j + 1
            if _END in node:
                longest = (j, node[_END])
        if longest is None:
            i += 1
            continue
        end, (kind, key) = longest
        start, stop = spans[i][0], spans[end - 1][1]
        found.append(Hit(kind, key, start, stop, sentence[start:stop]))
        i = end
    return found


@dataclass(frozen=True)
class Hit:
    """One match in a sentence: `kind` is formula, step, negator or party; `key` the formula id,
    `scale:step`, the negator or the party id; `text` as written in the sentence."""

    kind: str
    key: str
    start: int
    end: int
    text: str


class Lexicon:
    """The validated file and its compiled matchers. `version` is the declared version plus a
    hash of the file, so any edit gives a new version."""

    def __init__(self, spec: LexiconSpec, version: str, path: Path | None = None) -> None:
        self.spec, self.version, self.path = spec, version, path
        self.formulae = {f.id: f for f in spec.formulae}
        self.scales = {s.id: s for s in spec.scales}
        self.parties = {p.id: p for p in spec.parties}
        self.rank: dict[str, int] = {}  # "scale:step" -> position on its scale, lowest 0
        folded: dict[str, tuple[str, str]] = {}  # phrase key (lower case) -> (kind, key)
        cased: dict[str, str] = {}  # party phrase key -> party id

        def claim(phrase: str, kind: str, key: str) -> None:
            lowered = phrase_key(phrase.lower())
            if folded.get(lowered, (kind, key)) != (kind, key):
                other = folded[lowered][1]
                raise ConfigError(f"phrase {phrase!r} is in both {other!r} and {key!r}")
            folded[lowered] = (kind, key)

        for formula in spec.formulae:
            for pattern in formula.phrases:
                for phrase in expand(pattern):
                    claim(phrase, FORMULA, formula.id)
        for scale in spec.scales:
            for position, step in enumerate(scale.steps):
                key = f"{scale.id}:{step.id}"
                self.rank[key] = position
                for pattern in step.phrases:
                    for phrase in expand(pattern):
                        claim(phrase, STEP, key)
        for pattern in spec.negators:
            for phrase in expand(pattern):
                claim(phrase, NEGATOR, phrase_key(phrase.lower()))
        for party in spec.parties:
            for pattern in party.phrases:
                for phrase in expand(pattern):
                    cased[phrase_key(phrase)] = party.id
        self._folded = _trie(folded)
        self._cased = _trie({phrase: (PARTY, party) for phrase, party in cased.items()})
        self._boilerplate = (
            re.compile("|".join(f"(?:{p})" for p in spec.boilerplate), re.IGNORECASE)
            if spec.boilerplate
            else None
        )
        self._context = frozenset(w.lower() for w in spec.figure_context)

    def hits(self, sentence: str) -> list[Hit]:
        """Every formula, scale step, negator and party in `sentence`, in text order."""
        return list(_hits(self, sentence))

    def match(self, sentence: str) -> tuple[Hit, ...]:
        """`hits` computed afresh (the cached `hits` calls this once per sentence)."""
        matches = list(_TOKEN.finditer(plain(sentence)))
        spans = [m.span() for m in matches]
        cased = [m.group() for m in matches]
        found = _walk(self._folded, [w.lower() for w in cased], spans, sentence)
        found += _walk(self._cased, cased, spans, sentence)
        found.sort(key=lambda h: h.start)
        return tuple(found)

    def is_boilerplate(self, sentence: str) -> bool:
        """A sentence of readout or page furniture ("The Prime Minister spoke to ...")."""
        return (
            self._boilerplate is not None and self._boilerplate.match(sentence.strip()) is not None
        )

    def is_text_step(self, key: str) -> bool:
        """Whether `scale:step` is on a scale compared across whole texts."""
        return self.scales[key.split(":", 1)[0]].scope == TEXT

    def is_figure_context(self, word: str) -> bool:
        return word in self._context

    def weight(self, hit: Hit) -> float:
        if hit.kind == FORMULA:
            return self.formulae[hit.key].weight
        if hit.kind == STEP:
            return self.scales[hit.key.split(":", 1)[0]].weight
        if hit.kind == NEGATOR:
            return self.spec.negation_weight
        return self.spec.party_weight

    def category(self, hit: Hit) -> str:
        if hit.kind == FORMULA:
            return self.formulae[hit.key].category
        if hit.kind == STEP:
            return self.scales[hit.key.split(":", 1)[0]].category
        return "negation" if hit.kind == NEGATOR else "party"

    def label(self, formula_id: str) -> str:
        """How a formula is named in a move: its label, else its first phrase expanded."""
        formula = self.formulae[formula_id]
        return formula.label or expand(formula.phrases[0])[0]


@per_sentence
def _hits(lexicon: Lexicon, sentence: str) -> tuple[Hit, ...]:
    return lexicon.match(sentence)


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Read, validate and compile the lexicon (the bundled one by default)."""
    where = Path(path) if path is not None else DEFAULT_LEXICON_PATH
    raw, data = read_mapping(where, "lexicon file")
    spec = validate(LexiconSpec, data, where)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        return Lexicon(spec, f"{spec.version}+{digest[:10]}", where)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The bundled lexicon, read and compiled once per process."""
    return load_lexicon()
