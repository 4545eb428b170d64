"""Themes from evidence: the theme phrases of the taxonomy, compiled once, and the scoring.

`ThemeScorer(spec).index` is the phrase index (one channel of the tagger's trie); `score(scans,
focus)` turns a release's theme matches into theme tags. A cue is one line of the taxonomy
("visa{,s}" is one cue, however many of its forms match). A theme is "tagged" when its raw score
reaches the threshold (raised for long texts), the evidence is enough and the text is about it:

- evidence: two distinct specific cues (`phrases`), or one in the opening (the title and the
  text's first two sentences; all of a text of ten sentences or fewer), in two sentences or in a
  paragraph of its own (one or two sentences, twelve words or more: not a heading); or
  `weak_needed` pieces among the distinct cues, a weak cue in the headline and the context (a
  focus country among the theme's `context` countries), from two distinct sources (cues or the
  context) unless a weak cue is in the headline;
- about: a cue in the opening, a specific cue in a paragraph of its own, or cues in two
  sentences or more and in at least one sentence in fifteen (a passing mention in a long speech
  is not what it is about).

Below that, with a raw score of at least `suggest_threshold`, it is "suggested". A lower-case
phrase written inside a capitalised name does not count (tagging/names.py). See
seeds/taxonomy.yaml for the data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from core.tags import RULE, SUGGESTED, TAGGED, THEME, Evidence, TagResult
from tagging.matcher import ANY, EXACT, Entry, Match, PhraseIndex
from tagging.names import inside_name
from tagging.taxonomy import TaxonomySpec, expand
from tagging.text import Document, phrase_keys

MAX_EVIDENCE = 10
# What a text is about: its title and opening sentences (the whole of a short text), or a share
# of its sentences. A theme's cues must be in the opening, or in ABOUT_SENTENCES sentences (a
# paragraph) and at least one sentence in ABOUT_SHARE; a single specific cue counts alone only in
# the opening (or in two sentences).
OPENING_SENTENCES = 2
SHORT_TEXT = 10  # sentences: in a text this short every sentence is the opening
ABOUT_SENTENCES = 2
OWN_PARAGRAPH_WORDS = 12  # a paragraph of one or two sentences this long holding a cue is on it
ABOUT_SHARE = 15


@dataclass(frozen=True)
class ThemePhrase:
    theme: str
    phrase: str
    weight: float
    near: tuple[tuple[str, ...], ...] = ()
    window: int = 12
    weak: bool = False  # alone it never carries the theme
    generic: bool = False  # written in lower case: does not count inside a capitalised name
    cue: str = ""  # the phrase as written in the taxonomy ("visa{,s}"): one piece of evidence

    @property
    def near_words(self) -> frozenset[str]:
        return frozenset(n[0] for n in self.near if len(n) == 1)

    @property
    def near_phrases(self) -> tuple[tuple[str, ...], ...]:
        return tuple(n for n in self.near if len(n) > 1)


@dataclass(frozen=True)
class ThemeNot:
    theme: str
    phrase: str


@dataclass
class _Tally:
    raw: float = 0.0
    count: int = 0
    in_title: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    phrases: dict[str, int] = field(default_factory=dict)
    cues: dict[str, int] = field(default_factory=dict)
    specific: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)
    headline: int = 0  # pieces a weak cue in the headline adds: 2 in the title, 1 in the lead
    opening: bool = False  # a cue in the title or the text's opening sentences
    sentences: set[int] = field(default_factory=set)  # of a long text, after the opening, a cue in
    specific_sentences: set[int] = field(default_factory=set)
    specific_spots: list[int] = field(default_factory=list)  # in a long text, after the opening
    specific_opening: bool = False


# Evidence(...) without the named tuple's Python-level __new__ (a dense release makes hundreds)
_new_evidence = partial(tuple.__new__, Evidence)


def evidence(doc: Document, match: Match) -> Evidence:
    start, end = doc.tokens.starts[match.first], doc.tokens.ends[match.last]
    sentence, s_start = doc.sentence_at(start)
    return _new_evidence((doc.text[start:end], start, end, sentence, s_start, doc.field))


class ThemeScorer:
    def __init__(self, spec: TaxonomySpec) -> None:
        self.spec = spec
        themes = PhraseIndex()
        for theme in spec.themes:
            for phrases, weak in ((theme.phrases, False), (theme.weak, True)):
                for phrase in phrases:
                    near = tuple(k for n in phrase.near for e in expand(n) if (k := phrase_keys(e)))
                    window = phrase.window or spec.window
                    for text in expand(phrase.text):
                        generic = text == text.lower()
                        payload = ThemePhrase(
                            theme.id, text, phrase.weight, near, window, weak, generic, phrase.text
                        )
                        themes.add(text, payload, EXACT if _acronym(text) else ANY)
            for negative in theme.not_:
                for text in expand(negative):
                    themes.add(text, ThemeNot(theme.id, text))
        self.index = themes.compile()
        self._near_cache: dict[int, tuple[frozenset[str], tuple[tuple[str, ...], ...]]] = {}
        self._entry_phrases: dict[int, tuple[ThemePhrase, ...]] = {}

    def score(
        self, scans: list[tuple[Document, list[Match]]], focus: set[str], abroad: bool = True
    ) -> list[TagResult]:
        """The theme tags of a release's matches; `focus`: its focus countries; `abroad`: whether
        it names a place abroad (a theme with `abroad` set needs one unless a specific cue
        carries it)."""
        spec = self.spec
        words = sum(len(doc.tokens) for doc, _m in scans if doc.field == "text")
        length_factor = max(1.0, (words / spec.length_words) ** 0.5)
        max_repeats, title_weight, lead_weight = (
            spec.max_repeats,
            spec.title_weight,
            spec.lead_weight,
        )
        tallies: dict[str, _Tally] = defaultdict(_Tally)
        body = next((doc for doc, _m in scans if doc.field == "text"), None)
        sentences = sum(len(doc.sentence_ends) for doc, _m in scans if doc.field == "text")
        for doc, matches in scans:
            keys, starts, text = doc.keys, doc.tokens.starts, doc.text
            lead_end, in_title = doc.lead_end, doc.field == "title"
            sentence_starts = doc.sentence_starts
            # where the opening ends; in a long text, which sentence holds a cue is counted
            long = not in_title and len(sentence_starts) > SHORT_TEXT
            opening_end = sentence_starts[OPENING_SENTENCES] if long else len(text) + 1
            # the headline: the title, or the first sentence of a text of three or more (a
            # plain-text release's headline; in a shorter text it is most of the text)
            if in_title:
                headline_end, headline = len(doc.text) + 1, 2
            else:
                headline_end, headline = doc.sentence_ends[0], int(len(doc.sentence_ends) >= 3)
            for match in matches:
                at = starts[match.first]
                opening = at < opening_end
                for payload in self._theme_phrases(match.entry):
                    if payload.near and not self._near(doc, keys, match, payload):
                        continue
                    if (
                        payload.generic
                        and text[at].isupper()
                        and inside_name(doc, match.first, match.last, titled=True)
                    ):
                        continue  # "Emissions" in "Industrial Emissions Directive"
                    tally = tallies[payload.theme]
                    if opening:
                        tally.opening = True
                    elif long:
                        where = bisect_right(sentence_starts, at)
                        tally.sentences.add(where)
                    if payload.weak:
                        tally.weak.add(payload.cue)
                        if at < headline_end and headline > tally.headline:
                            tally.headline = headline
                    else:
                        tally.specific.add(payload.cue)
                        if opening:
                            tally.specific_opening = True
                        elif long:
                            tally.specific_sentences.add(where)
                            tally.specific_spots.append(at)
                    tally.phrases[payload.phrase] = tally.phrases.get(payload.phrase, 0) + 1
                    seen = tally.cues.get(payload.cue, 0)  # "visa" and "visas": one cue
                    tally.cues[payload.cue] = seen + 1
                    if seen >= max_repeats:
                        continue
                    if in_title:
                        factor = title_weight
                        tally.in_title = True
                    elif at < lead_end:
                        factor = lead_weight
                    else:
                        factor = 1.0
                    tally.raw += payload.weight * factor
                    tally.count += 1
                    if len(tally.evidence) < MAX_EVIDENCE:
                        tally.evidence.append(evidence(doc, match))
        results: list[TagResult] = []
        for theme in spec.themes:
            found = tallies.get(theme.id)
            if found is None:
                continue
            # a theme touched in passing in a long text is not what the text is about: the bar
            # rises with the square root of the length past `length_words`
            threshold = (theme.threshold or spec.threshold) * length_factor
            context = theme.context
            backing = sorted(focus.intersection(context.countries)) if context is not None else []
            supported = bool(backing)
            raw = found.raw + (context.weight if context is not None and supported else 0.0)
            if raw < min(threshold, spec.suggest_threshold):
                continue
            # the evidence: two distinct specific cues, or one in the opening or in two
            # sentences, or enough pieces among the distinct cues (a taxonomy line each: "visa"
            # and "visas" are one), a weak cue in the headline (two in the title, one in the lead
            # sentence) and the context, from two distinct sources (cues, context) or with a weak
            # cue in the headline
            specific = len(found.specific)
            own = _paragraph_of_its_own(body, found.specific_spots) if body is not None else False
            groups = specific + len(found.weak)
            pieces = groups + found.headline + supported
            enough = (
                specific >= 2
                or (
                    specific
                    and (found.specific_opening or len(found.specific_sentences) >= 2 or own)
                )
                or (
                    pieces >= (theme.weak_needed or spec.weak_needed)
                    and (groups + supported >= 2 or found.headline > 0)
                    and (abroad or not theme.abroad or specific > 0)
                )
            )
            # and what the text is about, not a passing mention in a long one
            cue_sentences = len(found.sentences)
            about = (
                found.opening
                or (cue_sentences >= ABOUT_SENTENCES and cue_sentences * ABOUT_SHARE >= sentences)
                or own
            )
            attributes: dict[str, Any] = {
                "raw_score": round(raw, 3),
                "threshold": round(threshold, 3),
                "iptc": theme.iptc.code,
                "phrases": found.phrases,
            }
            if length_factor > 1.0:
                attributes["length_factor"] = round(length_factor, 2)
            if sentences > SHORT_TEXT:
                # the text's sentences after the opening that hold a cue, and all of them
                attributes["sentences"] = [len(found.sentences), sentences]
            if supported:
                attributes["context"] = backing
            results.append(
                TagResult(
                    kind=THEME,
                    value=theme.id,
                    label=theme.label,
                    score=round(raw / (raw + threshold), 3),
                    origin=RULE,
                    focus=found.in_title,
                    evidence=found.evidence,
                    attributes=attributes,
                    status=TAGGED if raw >= threshold and enough and about else SUGGESTED,
                )
            )
        results.sort(key=lambda r: -r.score)
        return results

    def _near(self, doc: Document, keys: list[str], match: Match, payload: ThemePhrase) -> bool:
        within = doc.sentence_tokens(doc.tokens.starts[match.first])
        lo = max(within.start, match.first - payload.window)
        hi = min(within.stop, match.last + payload.window + 1)
        window = keys[lo : match.first] + ["\0"] + keys[match.last + 1 : hi]
        words, phrases = self._near_sets(payload)
        if words and not words.isdisjoint(window):
            return True
        return any(contains(window, near) for near in phrases)

    def _near_sets(
        self, payload: ThemePhrase
    ) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
        sets = self._near_cache.get(id(payload))  # by id: hashing the dataclass costs more
        if sets is None:
            sets = self._near_cache[id(payload)] = (payload.near_words, payload.near_phrases)
        return sets

    def _theme_phrases(self, entry: Entry) -> tuple[ThemePhrase, ...]:
        """The entry's theme phrases (not its `not` phrases), picked out once per entry."""
        found = self._entry_phrases.get(id(entry))
        if found is None:
            found = self._entry_phrases[id(entry)] = tuple(
                p for p in entry.payloads if isinstance(p, ThemePhrase)
            )
        return found


def _paragraph_of_its_own(doc: Document, spots: list[int]) -> bool:
    """Whether one of the offsets `spots` is in a paragraph of one or two sentences and at least
    OWN_PARAGRAPH_WORDS words: a paragraph on the theme, not a heading or a list item."""
    paragraphs, sentences, tokens = doc.paragraph_starts, doc.sentence_starts, doc.tokens.starts
    end_of_text = len(doc.text)
    for at in spots:
        p = bisect_right(paragraphs, at) - 1
        start = paragraphs[p]
        end = paragraphs[p + 1] if p + 1 < len(paragraphs) else end_of_text
        if bisect_left(sentences, end) - bisect_left(sentences, start) > 2:
            continue
        if bisect_left(tokens, end) - bisect_left(tokens, start) >= OWN_PARAGRAPH_WORDS:
            return True
    return False


def _acronym(phrase: str) -> bool:
    """ "UN", "G7", "NATO": matched letter for letter ("un" in Spanish is not the UN)."""
    letters = [ch for ch in phrase if ch.isalpha()]
    return len(letters) >= 2 and " " not in phrase and all(ch.isupper() for ch in letters)


def contains(keys: list[str], phrase: tuple[str, ...]) -> bool:
    if not phrase:
        return False
    size = len(phrase)
    first = phrase[0]
    for i, key in enumerate(keys):
        if key == first and tuple(keys[i : i + size]) == phrase:
            return True
    return False
