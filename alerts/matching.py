"""Which subscriptions a release version matches, and why. Pure: plain records in, plain out.

A version is eligible when it is a new release (version 1) or a new version whose version change
was classified `substantive` (diffing.classify's triage); trivial and minor edits never alert. An
eligible version matches a rule when any of the rule's themes, countries (focus countries only,
if the rule says so) or keywords (whole words or phrases, case-insensitive) match, or when the
rule's subscriber was alerted on an earlier version of the same release (sticky: a page that
alerted a desk keeps alerting it when a later version loses the tag that matched, reason kind
`release`). `plan_alerts` gives one alert per (email, version, frequency), however many of that
person's rules match, with every reason; `plan_withdrawal_alerts` one per (email, withdrawal,
frequency) for releases their publisher withdrew, matched on the version that was withdrawn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.alert_facts import Evidence, PlannedAlert, Reason, TagFact, VersionFacts
from core.country_names import country_name
from core.subscriptions import normalise_keyword

MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Rule:
    """One subscription, as the matcher sees it."""

    subscription_id: int
    email: str
    frequency: str = "immediate"
    themes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    focus_only: bool = False
    include_suggested: bool = False  # suggested tags (below the tagger's bar) match too


def tag_evidence(items: Iterable[dict[str, object]]) -> tuple[Evidence, ...]:
    """Evidence of a stored tag (a list of {"text", "start", "end", "sentence"}) as sentences with
    the matched text marked; two matches in one sentence make one entry with two marks."""
    order: list[str] = []
    spans: dict[str, set[tuple[int, int]]] = {}
    for item in items:
        raw = str(item.get("sentence") or item.get("text") or "")
        sentence = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        matched = " ".join(str(item.get("text") or "").split())
        if not sentence:
            continue
        if sentence not in spans:
            order.append(sentence)
            spans[sentence] = set()
        exact = _exact_span(item)
        if exact is not None and exact[0] >= lead:
            spans[sentence].add((exact[0] - lead, exact[1] - lead))
        elif matched:
            start = sentence.find(matched)
            while start != -1:
                spans[sentence].add((start, start + len(matched)))
                start = sentence.find(matched, start + len(matched))
    return tuple(Evidence(s, tuple(sorted(spans[s]))) for s in order)


def _exact_span(item: dict[str, object]) -> tuple[int, int] | None:
    """The match's offsets inside its sentence, when the tag recorded where the sentence starts
    (and the sentence is stored exactly as it stands in the text)."""
    try:
        sentence, text = str(item["sentence"]), str(item["text"])
        start = int(item["start"]) - int(item["sentence_start"])  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError):
        return None
    if 0 <= start and sentence[start : start + len(text)] == text:
        return start, start + len(text)
    return None


def eligible(facts: VersionFacts) -> bool:
    """A new release, or a substantive new version. Trivial and minor edits never alert."""
    return facts.number == 1 or facts.classification == "substantive"


@lru_cache(maxsize=1024)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Whole words or a whole phrase, case-insensitive; any run of spaces between words."""
    words = [re.escape(w) for w in normalise_keyword(keyword).split(" ") if w]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n\s*\n")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text` (a plain splitter: good enough to show
    the sentence around a keyword)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def keyword_evidence(keyword: str, title: str, text: str) -> tuple[Evidence, ...]:
    """The sentences (title first) in which the keyword occurs, with the occurrences marked."""
    pattern = keyword_pattern(keyword)
    if not (pattern.search(title) or pattern.search(text)):
        return ()
    found: list[Evidence] = []
    candidates = [(title, (0, len(title)))] + [(text, s) for s in sentences(text)]
    for source, (start, end) in candidates:
        sentence = source[start:end]
        spans = tuple((m.start(), m.end()) for m in pattern.finditer(sentence))
        if spans:
            stripped = sentence.strip()
            shift = sentence.index(stripped[:1]) if stripped else 0
            found.append(Evidence(stripped, tuple((a - shift, b - shift) for a, b in spans)))
        if len(found) >= MAX_EVIDENCE:
            break
    return tuple(found)


def match(rule: Rule, facts: VersionFacts) -> list[Reason]:
    """Every reason `facts` matches `rule` (empty: no match). Does not check eligibility."""
    reasons: list[Reason] = []
    by_kind: dict[str, dict[str, TagFact]] = {"theme": {}, "country": {}}
    for tag in facts.tags:
        if tag.kind in by_kind and (rule.include_suggested or not tag.suggested):
            by_kind[tag.kind].setdefault(tag.value, tag)
    for theme in rule.themes:
        themed = by_kind["theme"].get(theme)
        if themed is not None:
            reasons.append(Reason("theme", theme, themed.label, themed.evidence[:MAX_EVIDENCE]))
    for country in rule.countries:
        placed = by_kind["country"].get(country.upper())
        if placed is not None and (placed.focus or not rule.focus_only):
            label = country_name(placed.value) + (" (focus)" if placed.focus else "")
            reasons.append(Reason("country", placed.value, label, placed.evidence[:MAX_EVIDENCE]))
    for keyword in rule.keywords:
        evidence = keyword_evidence(keyword, facts.title, facts.text)
        if evidence:
            word = normalise_keyword(keyword)
            reasons.append(Reason("keyword", word, f"“{word}”", evidence))
    if not reasons and (rule.email, rule.frequency) in facts.alerted:
        reasons.append(followed(facts))
    return reasons


def followed(facts: VersionFacts) -> Reason:
    """The reason of a sticky match: this subscriber was alerted on an earlier version."""
    return Reason("release", str(facts.release_id), "alerted on an earlier version")


def plan_alerts(rules: Iterable[Rule], versions: Sequence[VersionFacts]) -> list[PlannedAlert]:
    """One alert per (email, version, frequency) with the reasons of all of that person's
    matching rules (a reason given by two rules is listed once)."""
    return _planned(rules, [(facts, None) for facts in versions if eligible(facts)])


def plan_withdrawal_alerts(
    rules: Iterable[Rule], withdrawn: Sequence[tuple[int, VersionFacts]]
) -> list[PlannedAlert]:
    """One alert per (email, withdrawal, frequency) for each (withdrawal id, the facts of the
    release's version when it was withdrawn): the rules match that version as they match a new
    one (and everyone alerted on the release before follows it), and every withdrawal is news,
    whatever the version's classification."""
    return _planned(rules, [(facts, withdrawal_id) for withdrawal_id, facts in withdrawn])


def _planned(
    rules: Iterable[Rule], items: Sequence[tuple[VersionFacts, int | None]]
) -> list[PlannedAlert]:
    planned: dict[tuple[str, int, str, int | None], PlannedAlert] = {}
    rules = list(rules)
    for facts, withdrawal_id in items:
        for rule in rules:
            reasons = match(rule, facts)
            if not reasons:
                continue
            key = (rule.email, facts.version_id, rule.frequency, withdrawal_id)
            alert = planned.get(key)
            if alert is None:
                alert = planned[key] = PlannedAlert(
                    rule.email,
                    facts.version_id,
                    facts.release_id,
                    rule.frequency,
                    withdrawal_id=withdrawal_id,
                )
            seen = {(r.kind, r.value) for r in alert.reasons}
            alert.reasons.extend(r for r in reasons if (r.kind, r.value) not in seen)
    return list(planned.values())


def headline_reason(reasons: Sequence[Reason]) -> str:
    """The label put in the subject: the first theme, else the first country, else keyword,
    else the release followed."""
    for kind in ("theme", "country", "keyword", "release"):
        for reason in reasons:
            if reason.kind == kind:
                return reason.label.removesuffix(" (focus)")
    return "new release"


def one_line(reasons: Sequence[Reason]) -> str:
    """`theme Ukraine support; country Japan (focus); keyword “ceasefire”`."""
    return "; ".join(f"{r.kind} {r.label}" for r in reasons)
