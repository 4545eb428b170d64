"""People and their roles, as written around their names.

    "Foreign Secretary, James Cleverly"             role before the name (a comma may sit between)
    "the Japanese Minister for Foreign Affairs Yōko Kamikawa"   a demonym before the role: country
    "his Japanese counterpart Minoru Kihara"        a counterpart of the role named earlier in the
                                                    same sentence ("The Defence Secretary ...")
    "Grant Shapps said:"                            a quoted speaker
    "James Cleverly, the Foreign Secretary, said"   a role in apposition after the name

Roles are data (`roles` in the taxonomy). A name is one to four capitalised words (particles such
as "de", "van", "al" allowed inside), none of them a stop word, a role word or a place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from core.folding import ascii_fold
from core.tags import PERSON, Evidence, TagResult
from tagging.gazetteer import COUNTRY, Place
from tagging.matcher import Match
from tagging.text import Document, Tokens

_PARTICLES = {"de", "da", "van", "von", "der", "al", "bin", "el", "di", "du", "la", "le"}
_STOP = {
    "the", "a", "an", "he", "she", "his", "her", "they", "we", "it", "this", "that", "these",
    "said", "says", "will", "would", "and", "or", "of", "in", "on", "at", "for", "to", "from",
    "today", "yesterday", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "mr", "mrs", "ms", "dr", "rt",
    "hon", "sir", "dame", "mp", "our", "their", "its", "as", "with", "has", "have", "is", "was",
    "also", "met", "meets", "visit", "visited", "minister", "ministers", "secretary",
    "president", "ambassador", "government", "office", "ministry", "department", "foreign",
    "defence", "affairs", "state", "un", "g7", "g20", "nato", "eu", "uk", "us", "i",
}  # fmt: skip
_SPEECH = {"said", "says", "added", "stated", "commented"}


@dataclass
class _Person:
    name: str
    roles: list[str] = field(default_factory=list)
    country: str | None = None
    counterpart_of: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


def _adjacent(tokens: Tokens, a: int, b: int, text: str, allow: str = " ") -> bool:
    gap = text[tokens.ends[a] : tokens.starts[b]]
    return gap == " " or (0 < len(gap) <= 2 and all(ch in allow for ch in gap))


def _name_after(doc: Document, i: int, places: set[int]) -> tuple[int, int] | None:
    """Tokens i.. that make a name: returns (first, last) or None."""
    tokens, text = doc.tokens, doc.text
    keys, starts, ends = tokens.keys, tokens.starts, tokens.ends
    last = None
    j = i
    while j < len(keys) and j - i < 5:
        word = keys[j]
        if j > i and not _adjacent(tokens, j - 1, j, text, " -\u00a0"):
            break
        written = text[starts[j] : ends[j]]
        if written[0].isupper() and word not in _STOP and j not in places and written.isalpha():
            last = j
        elif word in _PARTICLES and last is not None:
            pass
        else:
            break
        j += 1
    if last is None:
        return None
    return i, last


def find_people(
    doc: Document,
    role_matches: list[Match],
    place_matches: list[tuple[Match, Place]],
) -> dict[str, _Person]:
    tokens, text = doc.tokens, doc.text
    keys, starts, ends = tokens.keys, tokens.starts, tokens.ends
    place_tokens: set[int] = set()
    demonym_at: dict[int, str] = {}  # last token index of a demonym -> code
    for match, place in place_matches:
        place_tokens.update(range(match.first, match.last + 1))
        if place.kind == COUNTRY:
            demonym_at[match.last] = place.value
    people: dict[str, _Person] = {}
    role_ends = {m.last: m for m in role_matches}

    def record(
        first: int,
        last: int,
        role: str | None,
        role_match: Match | None,
        name_first: bool = False,
    ) -> None:
        name = text[starts[first] : ends[last]]
        key = ascii_fold(name).casefold()
        person = people.setdefault(key, _Person(name))
        if role and role not in person.roles:
            person.roles.append(role)
        if role_match is not None:
            before = role_match.first - 1
            if before in demonym_at and person.country is None:
                person.country = demonym_at[before]
            if role == "counterpart":
                start, _end = doc.sentence_span(starts[role_match.first])
                earlier = [
                    m for m in role_matches
                    if m.last < role_match.first and starts[m.first] >= start
                    and m.payloads[0] != "counterpart"
                ]  # fmt: skip
                if earlier:
                    person.counterpart_of = earlier[-1].payloads[0]
        span_start = starts[first]
        span_end = ends[last]
        if role_match is not None and name_first:
            span_end = ends[role_match.last]
        elif role_match is not None:
            span_start = starts[role_match.first]
        s_start, s_end = doc.sentence_span(span_start)
        person.evidence.append(
            Evidence(
                text=text[span_start:span_end],
                start=span_start,
                end=span_end,
                sentence=text[s_start:s_end],
                sentence_start=s_start,
                field=doc.field,
            )
        )

    for match in role_matches:
        nxt = match.last + 1
        if nxt >= len(tokens):
            continue
        gap = text[ends[match.last] : starts[nxt]]
        if gap.strip() not in ("", ","):
            continue
        span = _name_after(doc, nxt, place_tokens)
        if span is not None:
            record(span[0], span[1], match.payloads[0], match)

    # appositions: "James Cleverly, the Foreign Secretary, said"
    for match in role_matches:
        before = match.first - 1
        if before in demonym_at:  # "the French Foreign Minister"
            before -= 1
        if before >= 0 and tokens.keys[before] == "the":
            before -= 1
        if before < 0 or text[tokens.ends[before] : tokens.starts[before + 1]].strip() != ",":
            continue
        first = before
        while first - 1 >= 0 and before - first < 3 and _adjacent(tokens, first - 1, first, text):
            prev = first - 1
            if not text[starts[prev]].isupper() or keys[prev] in _STOP or prev in place_tokens:
                break
            first -= 1
        if first == before or (first - 1) in role_ends:
            continue  # one word ("Today, the Minister") or already found after its role
        span = _name_after(doc, first, place_tokens)
        if span is not None and span[1] == before:
            record(first, before, match.payloads[0], match, name_first=True)

    # quoted speakers: "<Name> said" with no role right before the name
    for idx in compress(range(len(tokens)), map(_SPEECH.__contains__, tokens.keys)):
        if idx == 0:
            continue
        last = idx - 1
        first = last
        while first - 1 >= 0 and last - first < 3 and _adjacent(tokens, first - 1, first, text):
            prev = first - 1
            if not text[starts[prev]].isupper() or keys[prev] in _STOP or prev in place_tokens:
                break
            first -= 1
        if (first - 1) in role_ends:
            continue  # already found with its role
        span = _name_after(doc, first, place_tokens)
        if span is not None and span[1] == last and last > first:
            record(first, last, None, None)
    return people


def person_tags(people: dict[str, _Person], labels: dict[str, str]) -> list[TagResult]:
    results: list[TagResult] = []
    for key, person in people.items():
        attributes: dict[str, Any] = {"ascii": ascii_fold(person.name), "search": key}
        role = person.roles[0] if person.roles else None
        if role == "counterpart" and person.counterpart_of:
            role = f"counterpart of the {person.counterpart_of}"
        if role:
            attributes["role"] = role
        if len(person.roles) > 1:
            attributes["roles"] = person.roles
        if person.country:
            attributes["country"] = person.country
        if person.counterpart_of:
            attributes["counterpart_of"] = person.counterpart_of
        count = len(person.evidence)
        results.append(
            TagResult(
                kind=PERSON,
                value=person.name,
                label=f"{person.name} ({role})" if role else person.name,
                score=round(count / (count + 1), 3),
                evidence=person.evidence[:20],
                attributes=attributes,
            )
        )
    return results
