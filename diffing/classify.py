"""Classify a version change: trivial, minor or substantive; and whether it was announced. Pure.

- trivial: nothing changed but letter case, punctuation, typography or whitespace, or the only
  sentences added, removed or changed are date lines ("Updated: 4 March 2022", "Still current at").
- substantive: a sentence added or removed; or a reworded sentence whose word changes touch a
  number, a content word (names, countries and theme terms are content words) or a word of
  negation, modality or quantity ("not", "must", "all", "only").
- minor: everything else: function words, spelling fixes, word order.

A substantive change without a change note from the publisher is a silent edit.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from diffing.model import MINOR, SUBSTANTIVE, TRIVIAL, Diff
from diffing.tokens import MONTHS, SIGNIFICANT_WORDS, STOP_WORDS, WEEKDAYS, has_digit, loose, words
from diffing.worddiff import changed_words

_DATE_LINE_WORDS = frozenset(
    """
    updated last published first still current at on as of date page summary latest update
    am pm gmt utc bst cet cest est edt th st nd rd
    """.split()
)
_DATE_NUMBER = re.compile(r"\d{1,4}(?:st|nd|rd|th|am|pm|h)?|\d{4}-\d{1,2}-\d{1,2}")
DATE_LINE_MAX_WORDS = 12
_UNANNOUNCED = re.compile(
    r"were\s*n[o']t\s+announced|not\s+(?:been\s+)?announced|missed\s+some\s+updates", re.I
)
SPELLING_FIX_RATIO = 0.8
"""Two words this similar (difflib ratio) are a spelling fix, not a different word."""
MAX_SPELLING_PAIRS = 2500
"""Beyond this many (removed, inserted) word pairs a sentence was rewritten: no pair is tried."""


def is_date_line(sentence: str) -> bool:
    """A sentence made only of a date (and words like "Updated:", "Still current at")."""
    found = words(sentence)
    if not found or len(found) > DATE_LINE_MAX_WORDS:
        return False
    has_date = False
    for word in found:
        if word in MONTHS or word in WEEKDAYS or _DATE_NUMBER.fullmatch(word):
            has_date = True
        elif word not in _DATE_LINE_WORDS:
            return False
    return has_date


def announced(change_note: str | None) -> bool:
    """Whether the publisher announced the change: a change note that is present and is not a
    monitor's marker for unannounced changes ("Changes discovered which weren't announced on
    the atom feed", "Missed some updates as they happened")."""
    if change_note is None or not change_note.strip():
        return False
    return _UNANNOUNCED.search(change_note) is None


def _spelling_fixes(removed: list[str], inserted: list[str]) -> tuple[list[str], list[str]]:
    """Drop pairs of removed / inserted words that are spelling variants of each other."""
    removed, inserted = list(removed), list(inserted)
    if len(removed) * len(inserted) > MAX_SPELLING_PAIRS:
        return removed, inserted  # a rewrite, not a spelling fix
    for word in list(removed):
        for other in inserted:
            if (
                not has_digit(word)
                and not has_digit(other)
                and SequenceMatcher(None, word, other).ratio() >= SPELLING_FIX_RATIO
            ):
                removed.remove(word)
                inserted.remove(other)
                break
    return removed, inserted


def _weighs(word: str) -> bool:
    return has_digit(word) or word in SIGNIFICANT_WORDS or word not in STOP_WORDS


def classify(diff: Diff) -> tuple[str, list[str]]:
    """The classification of a version diff and the reasons for it (readable, for the report)."""
    reasons: list[str] = []
    added = [s for s in diff.added if not is_date_line(s) and loose(s)]
    removed = [s for s in diff.removed if not is_date_line(s) and loose(s)]
    if added:
        reasons.append(f"{len(added)} sentence(s) added")
    if removed:
        reasons.append(f"{len(removed)} sentence(s) removed")
    minor = False
    for pair in diff.changed:
        if loose(pair.old) == loose(pair.new):
            continue  # case or punctuation only
        if is_date_line(pair.old) and is_date_line(pair.new):
            continue
        gone, came = changed_words(pair.word_diff)
        gone, came = _spelling_fixes(gone, came)
        weighty = sorted({w for w in gone + came if _weighs(w)})
        if weighty:
            reasons.append("reworded: " + ", ".join(weighty[:6]))
        elif gone or came or loose(pair.old) != loose(pair.new):
            minor = True
    if reasons:
        return SUBSTANTIVE, reasons
    if minor:
        return MINOR, ["function words, spelling or word order only"]
    return TRIVIAL, ["case, punctuation, typography or date lines only"]
