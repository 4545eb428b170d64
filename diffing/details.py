"""Details: the parts of a sentence that change without the policy changing. Pure.

Phone numbers, e-mail addresses, URLs, dates and times, money amounts and the names of people are
found by pattern; contact lines (a phone number, an address, "contact form", opening hours) and
cross-references left by links ("See Visas") too. The significance scorer reports them apart from
the moves, and the version classifier masks them before it weighs a reworded sentence: one
mechanism for both. Spans and names are kept per sentence in a bounded cache (diffing.memo).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diffing.memo import per_sentence

PHONE, EMAIL, URL, DATE, MONEY, NAME = "phone", "email", "url", "date", "money", "name"

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # seven digits or more, with spaces, brackets, dashes and a leading +: +44 (0)1908 516666
    (PHONE, re.compile(r"(?<![\w£$€.,])\+?\(?\d[\d()\s-]{5,}\d(?![\w])")),
    (URL, re.compile(r"https?://[^\s)\]]+|www\.[^\s)\]]+")),
    (EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        MONEY,
        re.compile(
            r"[£$€]\s?\d[\d,.]*(?:\s?(?:million|billion|bn|m|k)\b)?"
            r"|\b\d[\d,.]*\s(?:million|billion)\s(?:pounds|dollars|euros)\b",
            re.IGNORECASE,
        ),
    ),
    (
        DATE,
        re.compile(
            rf"\b(?:{_WEEKDAY}\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTH}\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s+\d{{4}})?"
            rf"|\b{_WEEKDAY}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}(?:[:.]\d{{2}})?\s?(?:am|pm)\b"
            r"|\b(?:19|20)\d{2}\b"
        ),
    ),
]
_NAME = re.compile(r"\b[A-Z][a-z’'\-]+(?:\s+(?:of\s+)?[A-Z][a-z’'\-]+)+")
_CONTACT = re.compile(
    r"contact form|enquir(?:y|ies)|lines are open|opening hours|open to the public"
    r"|by appointment only|\bemail\b|\btelephone\b",
    re.IGNORECASE,
)
CROSS_REFERENCE = re.compile(r"\s*See\s+[A-Z][\w’'\-]*(?:\s+[\w’'\-]+){0,3}\s*")
"""A link's text left in the page: "See Visas", "See Road travel", "See Crimea and Eastern
Ukraine" (a capitalised word and up to three more after "See")."""


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def spans(sentence: str) -> list[Span]:
    """Phone numbers, e-mails, URLs, money amounts and dates in `sentence`, in text order,
    not overlapping (the first pattern to claim a stretch keeps it)."""
    return list(_spans(sentence))


@per_sentence
def _spans(sentence: str) -> tuple[Span, ...]:
    taken: list[Span] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            text = match.group().rstrip(" .,;:)")
            end = start + len(text)
            if kind == PHONE and _digits(text) < 7:
                continue
            if any(s.start < end and start < s.end for s in taken):
                continue
            taken.append(Span(kind, start, end, text))
    taken.sort(key=lambda s: s.start)
    return tuple(taken)


def names(sentence: str) -> list[str]:
    """Runs of two or more capitalised words: people, offices, places (reported as details)."""
    return list(_names(sentence))


@per_sentence
def _names(sentence: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _NAME.finditer(sentence))


def mask(sentence: str) -> str:
    """`sentence` with every phone number, e-mail, URL and date replaced by its kind in angle
    brackets (money amounts are kept: they may be figures)."""
    pieces, last = [], 0
    for span in spans(sentence):
        if span.kind == MONEY:
            continue
        pieces.append(sentence[last : span.start])
        pieces.append(f"<{span.kind}>")
        last = span.end
    pieces.append(sentence[last:])
    return "".join(pieces)


def is_contact_line(sentence: str) -> bool:
    """A line of contact details: a phone number, e-mail or URL, or contact words ("contact
    form", "lines are open", "by appointment only")."""
    if _CONTACT.search(sentence):
        return True
    return any(s.kind in (PHONE, EMAIL, URL) for s in spans(sentence))


def is_cross_reference(text: str) -> bool:
    return CROSS_REFERENCE.fullmatch(text) is not None
