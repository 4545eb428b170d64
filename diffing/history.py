"""What one version adds to the history of language: its phrase uses, ranked. Pure.

A version records each phrase once (not once per theme: the themes are the version's tags,
joined at query time), and only the phrases worth a history:

- every formula of the lexicon the text uses and every step of a whole-text scale (the advice
  level, condemnation), named as the lexicon names it ("humanitarian pause", "all but essential
  travel") and weighted as the lexicon weighs it; sentence-level steps (would, urge, closed) and
  parties are not phrases of a history;
- then its key phrases (diffing.phrases, the longest of each run only, and of the windows slid
  along a longer run only the first kept), most repeated first, longer before shorter, in
  order of first use, with weight 0, up to a budget that grows with the text: PHRASE_BASE plus
  one per PHRASE_WORDS words. A key phrase with a word of a name (a
  run of capitalised words: "Foreign Secretary James Cleverly", "Middle East") is a detail, not
  language, and one inside or around a formula the text uses is that formula already.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffing.details import names
from diffing.lexicon import FORMULA, STEP, Lexicon, default_lexicon, expand, phrase_key
from diffing.phrases import MAX_WORDS, outermost
from diffing.text import Text, prepare
from diffing.tokens import words

PHRASE_BASE = 50
"""Key phrases a version may record whatever its length."""
PHRASE_WORDS = 100
"""One more key phrase per this many words of text."""


@dataclass(frozen=True)
class PhraseUse:
    """A phrase a version used and its weight (the lexicon's, 0 for a plain key phrase)."""

    phrase: str
    weight: float


def budget(text: Text) -> int:
    """How many key phrases a text of this length records."""
    return PHRASE_BASE + len(text.text.split()) // PHRASE_WORDS


def phrase_uses(text: str | Text, lexicon: Lexicon | None = None) -> list[PhraseUse]:
    """The phrases `text` records, lexicon formulae and steps first (heaviest first), then its
    top key phrases; each phrase once."""
    lexicon = lexicon or default_lexicon()
    prepared = prepare(text)
    found: dict[str, float] = {}
    matched: set[str] = set()  # the formulae as written, " spaced " for containment tests
    named: set[str] = set()
    for sentence in prepared.sentences:
        for name in names(sentence):
            named.update(w.lower() for w in words(name))
        for hit in lexicon.hits(sentence):
            if hit.kind == FORMULA:
                phrase = lexicon.label(hit.key)
            elif hit.kind == STEP and lexicon.is_text_step(hit.key):
                phrase = _step_name(lexicon, hit.key)
            else:
                continue
            found[phrase] = max(found.get(phrase, 0.0), lexicon.weight(hit))
            matched.add(f" {phrase_key(hit.text.lower())} ")
    uses = [PhraseUse(p, w) for p, w in sorted(found.items(), key=lambda item: -item[1])]
    counts = prepared.phrase_counts
    first = {phrase: i for i, phrase in enumerate(counts)}
    ranked = sorted(
        (
            p
            for p in outermost(counts)
            if p not in found and not named.intersection(p.split()) and not _overlaps(p, matched)
        ),
        key=lambda p: (-counts[p], -len(p.split()), first[p]),
    )
    kept: list[str] = []
    for phrase in ranked:
        if len(kept) >= budget(prepared):
            break
        if not any(_slid(phrase, other) for other in kept):
            kept.append(phrase)
    uses += [PhraseUse(p, 0.0) for p in kept]
    return uses


def _step_name(lexicon: Lexicon, key: str) -> str:
    scale_id, _, step_id = key.partition(":")
    step = next(s for s in lexicon.scales[scale_id].steps if s.id == step_id)
    return expand(step.phrases[0])[0]


def _slid(a: str, b: str) -> bool:
    """Whether two phrases are windows slid along one longer run ("countries share many
    closely", "closely held democratic values"): the end of one begins the other, by a word or
    more when both are as long as a key phrase gets (only a longer run makes such windows), else
    by two words or more."""
    x, y = a.split(), b.split()
    least = 1 if len(x) == len(y) == MAX_WORDS else 2
    return any(x[-k:] == y[:k] or y[-k:] == x[:k] for k in range(least, min(len(x), len(y))))


def _overlaps(phrase: str, matched: set[str]) -> bool:
    spaced = f" {phrase} "
    return any(spaced in m or m in spaced for m in matched)
