"""Metadata for plain-text releases, which carry none: a headline and a publication date
inferred from the text. Pure; `now` is passed in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?P<weekday>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?,?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:1[89]|20)\d\d))?"

_PATTERNS = [
    # 2023-11-07
    re.compile(r"\b(?P<year>(?:1[89]|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)\b"),
    # Tuesday 7 November 2023, 7th Nov 2023, Tue, 07 Nov
    re.compile(r"\b" + _WEEKDAY + _DAY + r"(?:\s+of)?\s+" + _MONTH + _YEAR + r"\b", re.IGNORECASE),
    # Tuesday, November 7, 2023 / November 7th
    re.compile(r"\b" + _WEEKDAY + _MONTH + r"\s+" + _DAY + _YEAR + r"\b", re.IGNORECASE),
    # 07/11/2023 (day first, as UK government writes it)
    re.compile(r"\b(?P<day>[0-3]?\d)/(?P<mnum>[01]?\d)/(?P<year>(?:19|20)\d\d)\b"),
]


def _resolve(
    day: int, month: int, year: int | None, weekday: int | None, today: date
) -> date | None:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    # No year: the latest year, not in the future, whose calendar fits (weekday if given).
    for candidate_year in range(today.year, today.year - 30, -1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue  # 29 February
        if candidate > today:
            continue
        if weekday is None or candidate.weekday() == weekday:
            return candidate
    return None


def infer_published_date(text: str, now: datetime) -> date | None:
    """The first date written in the text, in any common English style. A date with no year
    gets the latest year not after `now` in which it falls on the weekday given (if any)."""
    today = now.astimezone(UTC).date()
    best: tuple[int, date] | None = None
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower()]
            day = int(groups["day"])
            year = int(groups["year"]) if groups.get("year") else None
            weekday = _WEEKDAYS[groups["weekday"].lower()] if groups.get("weekday") else None
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            resolved = _resolve(day, month, year, weekday, today)
            if resolved is not None and (best is None or match.start() < best[0]):
                best = (match.start(), resolved)
            break  # the first match of each pattern is enough; earliest wins across patterns
    return best[1] if best else None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'\u2018\u201c])")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def infer_title(text: str, max_words: int = 14) -> str:
    """A headline from the first sentence: asides in brackets dropped, cut at a word boundary."""
    first_paragraph = next((p.strip() for p in text.split("\n") if p.strip()), "")
    if not first_paragraph:
        return "Untitled release"
    sentence = _SENTENCE_END.split(first_paragraph, maxsplit=1)[0]
    sentence = _PARENTHESES.sub("", sentence).strip().rstrip(".:;")
    words = sentence.split()
    if len(words) <= max_words:
        return sentence
    cut = words[:max_words]
    while cut and cut[-1].lower().strip(",") in {
        "the",
        "a",
        "an",
        "of",
        "and",
        "to",
        "for",
        "in",
        "on",
        "at",
        "with",
        "by",
    }:
        cut.pop()
    return " ".join(cut).rstrip(",;:") + "…"
