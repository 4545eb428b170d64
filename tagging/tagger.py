"""The tagger: compiled once per taxonomy version, then `tag(text, title, links)` per release.

    tagger = get_tagger(load_taxonomy())        # cached per taxonomy version
    tags = tagger.tag(text, title=title, links=publisher_links)

Three phrase indexes - places (countries, regions and the `not_places` that hide names inside
them), theme phrases (with the themes' `not` phrases) and roles (for people) - share one token
trie (`ChannelIndex`), so one pass over a document's tokens, one dict lookup per token at C
speed, finds the matches of all three; Python looks only at the tokens that begin a phrase.

Countries: a mention in the title weighs 3, in the first paragraph 2, elsewhere 1. The raw score
is the sum; the stored score is raw / (raw + 3). A country is the release's focus when it is in
the title, or it is mentioned at least twice and its raw score is at least half the top one.
Names under `ambiguous` count only with specific evidence (see seeds/places.yaml), and a place
name inside the name of a treaty, an organisation or a war ("Paris Agreement", "Gulf War") is no
mention of the place (tagging/names.py).

Themes need evidence, not a word count (tagging/themes.py): one specific phrase, or enough
weak cues, headline and context, on top of a raw score that reaches the threshold. A theme with
some evidence but not enough is returned with status "suggested" by `tag_with_reason` (never by
`tag`).

A text that is not in English gets no rule tags: `tag_with_reason` says why (tagging/language.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.tags import SUGGESTED, Evidence, TagResult
from tagging.gazetteer import COUNTRY, NONE, REGION, Gazetteer, Place, build_gazetteer
from tagging.language import detect
from tagging.matcher import CAPITALISED, ChannelIndex, Match, PhraseIndex
from tagging.names import CONNECTORS, NAME_HEADS, inside_name
from tagging.people import _STOP, find_people, person_tags
from tagging.publisher import publisher_tags
from tagging.taxonomy import AmbiguousName, Taxonomy
from tagging.text import Document, phrase_keys
from tagging.themes import MAX_EVIDENCE, ThemeScorer, contains, evidence

TITLE_PLACE_WEIGHT, LEAD_PLACE_WEIGHT = 3.0, 2.0
PLACE_SCORE_K = 3.0
_SPEECH = {"said", "says", "told"}
HOME = frozenset({"GB"})  # a release naming no other place is domestic (see themes' `abroad`)


@dataclass
class _Tally:
    raw: float = 0.0
    count: int = 0
    in_title: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    via: set[str] = field(default_factory=set)


@dataclass
class Tagging:
    """What `Tagger.tag_with_reason` returns: the tags, the text's language and, when the rules
    left the text untagged on purpose, why."""

    tags: list[TagResult]
    language: str | None = None
    untagged_reason: str | None = None


class Tagger:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.version = taxonomy.version
        self.gazetteer: Gazetteer = build_gazetteer(taxonomy.places)
        spec = taxonomy.spec
        self.scorer = ThemeScorer(spec)
        self.themes = self.scorer.index
        roles = PhraseIndex()
        for role in spec.roles:
            roles.add(role, role, CAPITALISED)
        self.roles = roles.compile()
        # the three in one trie: one pass over a document's tokens finds places, themes, roles
        self.channels = ChannelIndex([self.gazetteer.index, self.themes, self.roles])
        self._rule_keys: dict[int, tuple[_ByFirst, _ByFirst]] = {}

    # -- the entry points -----------------------------------------------------------------
    def tag(
        self, text: str, title: str = "", links: Iterable[Mapping[str, Any]] = ()
    ) -> list[TagResult]:
        """The release's tags (suggested ones left out)."""
        return [t for t in self.tag_with_reason(text, title, links).tags if t.status != SUGGESTED]

    def tag_with_reason(
        self, text: str, title: str = "", links: Iterable[Mapping[str, Any]] = ()
    ) -> Tagging:
        """The release's tags, suggested themes included, its language and, for a text the
        rules cannot read (not English), why it has no rule tags (publisher tags it keeps)."""
        language = detect(text) or detect(title)
        if language not in (None, "en"):
            reason = f"text in {language!r}: the tagging rules read English only"
            return Tagging(publisher_tags(links, self.gazetteer), language, reason)
        return Tagging(self._tag(text, title, links), language)

    def _tag(self, text: str, title: str, links: Iterable[Mapping[str, Any]]) -> list[TagResult]:
        docs = [Document.of(title, "title")] if title.strip() else []
        docs.append(Document.of(text, "text"))
        scans = [(doc, self.channels.scan(doc.tokens, doc.text)) for doc in docs]
        place_hits = [(doc, self._named_places(doc, found[0])) for doc, found in scans]
        results = self._countries_and_regions(place_hits)
        focus = {r.value for r in results if r.kind == COUNTRY and r.focus}
        abroad = any(r.kind == REGION or r.value not in HOME for r in results)
        theme_scans = [(doc, found[1]) for doc, found in scans]
        results.extend(self.scorer.score(theme_scans, focus, abroad=abroad))
        people: dict[str, Any] = {}
        for (doc, hits), (_doc, found) in zip(place_hits, scans, strict=True):
            for key, person in find_people(doc, found[2], hits).items():
                if key in people:
                    known = people[key]
                    known.evidence.extend(person.evidence)
                    known.roles.extend(r for r in person.roles if r not in known.roles)
                    known.country = known.country or person.country
                    known.counterpart_of = known.counterpart_of or person.counterpart_of
                else:
                    people[key] = person
        results.extend(person_tags(people, self.gazetteer.labels))
        results.extend(publisher_tags(links, self.gazetteer))
        return results

    # -- places ----------------------------------------------------------------------------
    def _named_places(self, doc: Document, matches: list[Match]) -> list[tuple[Match, Place]]:
        """The place matches that name a place: not the `not_places` that hide names in them,
        nor a place name inside the name of a treaty, an organisation or a war."""
        hits: list[tuple[Match, Place]] = []
        keys, starts, text, n = doc.keys, doc.tokens.starts, doc.text, len(doc.keys)
        bounds = {m.first for m in matches} | {-1 - m.last for m in matches}  # -1-i: ends at i
        for match in matches:
            place = match.entry.payloads[0]
            if place.kind == NONE:
                continue
            after = match.last + 1  # a name goes on with a capital or "of", "and" ...
            if (
                after < n
                and (text[starts[after]].isupper() or keys[after] in CONNECTORS)
                and not _hyphenated(doc, match, bounds)
                and inside_name(doc, match.first, match.last, _PLACE_HEADS)
            ):
                continue
            hits.append((match, place))
        return hits

    def _ambiguous_ok(
        self,
        doc: Document,
        match: Match,
        place: Place,
        unambiguous: set[str],
        sentences: dict[tuple[int, int], tuple[bool, bool]],
        among: tuple[list[tuple[Match, Place]], int],
    ) -> bool:
        rule = place.ambiguous
        assert rule is not None
        tokens = doc.tokens
        start, end = doc.sentence_span(tokens.starts[match.first])
        # whether the sentence holds one of the rule's reject phrases, one of its confirming
        # cues: looked for once per sentence, and only for the phrases whose first word is in it
        cues = sentences.get((start, id(rule)))
        if cues is None:
            reject, confirm = self._ambiguous_keys(rule)
            within = doc.sentence_tokens(start)
            sentence_keys = doc.keys[within.start : within.stop]
            present = set(sentence_keys)
            cues = sentences[(start, id(rule))] = (
                _contains_any(sentence_keys, present, reject),
                _contains_any(sentence_keys, present, confirm),
            )
        if cues[0]:
            return False
        keys, starts, ends, text = tokens.keys, tokens.starts, tokens.ends, doc.text
        before, after = match.first - 1, match.last + 1
        if before >= 0 and starts[before] >= start:
            gap = text[ends[before] : starts[match.first]]
            if gap == " " and text[starts[before]].isupper() and keys[before] not in _STOP:
                return False  # "Michael Jordan"
        if after < len(keys) and starts[after] < end:
            gap = text[ends[match.last] : starts[after]]
            if gap == " " and text[starts[after]].isupper() and keys[after] not in _STOP:
                return False  # "Jordan Henderson"
            if gap.strip() == "" and keys[after] in _SPEECH:
                return False  # "Chad said"
        if place.value in unambiguous:
            return True  # also named plainly: "Turkish", "Ankara"
        if _other_country_in(among, doc, start, end):
            return True  # other countries in the same sentence: "Liberia, Sierra Leone and Guinea"
        return cues[1]

    def _ambiguous_keys(self, rule: AmbiguousName) -> tuple[_ByFirst, _ByFirst]:
        """The rule's reject phrases and its confirming cues (with the shared country cues),
        as folded keys grouped by their first word, worked out once per rule."""
        found = self._rule_keys.get(id(rule))
        if found is None:
            found = self._rule_keys[id(rule)] = (
                _by_first([phrase_keys(r) for r in rule.reject]),
                _by_first([phrase_keys(c) for c in rule.confirm] + self.gazetteer.cue_keys),
            )
        return found

    def _countries_and_regions(
        self, place_hits: list[tuple[Document, list[tuple[Match, Place]]]]
    ) -> list[TagResult]:
        unambiguous = {p.value for _d, hits in place_hits for _m, p in hits if p.ambiguous is None}
        tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        by_place: dict[int, _Tally] = {}  # a gazetteer place's tally, found once per place
        for doc, hits in place_hits:
            lead_end, starts, in_title = doc.lead_end, doc.tokens.starts, doc.field == "title"
            sentences: dict[tuple[int, int], tuple[bool, bool]] = {}
            for at, (match, place) in enumerate(hits):
                if place.ambiguous is not None and not self._ambiguous_ok(
                    doc, match, place, unambiguous, sentences, (hits, at)
                ):
                    continue
                tally = by_place.get(id(place))
                if tally is None:
                    tally = by_place[id(place)] = tallies[(place.kind, place.value)]
                    tally.via.add(place.via)
                if in_title:
                    weight = TITLE_PLACE_WEIGHT
                    tally.in_title = True
                elif starts[match.first] < lead_end:
                    weight = LEAD_PLACE_WEIGHT
                else:
                    weight = 1.0
                tally.raw += weight
                tally.count += 1
                if len(tally.evidence) < MAX_EVIDENCE:
                    tally.evidence.append(evidence(doc, match))
        results: list[TagResult] = []
        for kind in (COUNTRY, REGION):
            of_kind = {v: t for (k, v), t in tallies.items() if k == kind}
            top = max((t.raw for t in of_kind.values()), default=0.0)
            for value, tally in sorted(of_kind.items(), key=lambda kv: -kv[1].raw):
                focus = tally.in_title or (tally.count >= 2 and tally.raw >= 0.5 * top)
                results.append(
                    TagResult(
                        kind=kind,
                        value=value,
                        label=self.gazetteer.labels.get(value, value),
                        score=round(tally.raw / (tally.raw + PLACE_SCORE_K), 3),
                        focus=focus,
                        evidence=tally.evidence,
                        attributes={
                            "mentions": tally.count,
                            "raw_score": tally.raw,
                            "via": sorted(tally.via),
                        },
                    )
                )
        return results

    # -- themes ----------------------------------------------------------------------------


def _hyphenated(doc: Document, match: Match, bounds: set[int]) -> bool:
    """Whether the place is hyphened to another place: "Canada-United Kingdom Joint Declaration",
    "UK-Japan Hiroshima Accord" name their parties, not a treaty named after a place (but the
    "Anglo-Afghan War" is a war). `bounds`: where place matches begin (i) and end (-1 - i)."""
    tokens, text = doc.tokens, doc.text
    after, before = match.last + 1, match.first - 1
    if after in bounds and text[tokens.ends[match.last] : tokens.starts[after]] == "-":
        return True
    return -1 - before in bounds and text[tokens.ends[before] : tokens.starts[match.first]] == "-"


def _other_country_in(
    among: tuple[list[tuple[Match, Place]], int], doc: Document, start: int, end: int
) -> bool:
    """Whether the place hits next to hit `at` (in text order) name another country between
    `start` and `end` (the hit's sentence)."""
    hits, at = among
    own, starts = hits[at][1].value, doc.tokens.starts
    for step in (-1, 1):
        j = at + step
        while 0 <= j < len(hits) and start <= starts[hits[j][0].first] < end:
            place = hits[j][1]
            if place.kind == COUNTRY and place.value != own:
                return True
            j += step
    return False


# a place name inside a treaty's, an organisation's or a war's name is no mention of the place
_PLACE_HEADS = NAME_HEADS


_ByFirst = dict[str, list[tuple[str, ...]]]


def _by_first(phrases: list[tuple[str, ...]]) -> _ByFirst:
    grouped: _ByFirst = {}
    for phrase in phrases:
        if phrase:
            grouped.setdefault(phrase[0], []).append(phrase)
    return grouped


def _contains_any(keys: list[str], present: set[str], phrases: _ByFirst) -> bool:
    """Whether one of `phrases` is in `keys` (`present`: the set of `keys`)."""
    return any(
        contains(keys, phrase) for first in present & phrases.keys() for phrase in phrases[first]
    )


_CACHE: dict[str, Tagger] = {}


def get_tagger(taxonomy: Taxonomy) -> Tagger:
    """The compiled tagger of this taxonomy version (compiled once per process)."""
    tagger = _CACHE.get(taxonomy.version)
    if tagger is None:
        tagger = _CACHE[taxonomy.version] = Tagger(taxonomy)
    return tagger
