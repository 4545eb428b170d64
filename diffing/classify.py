"""Classify a version change: trivial, minor or substantive; and whether it was announced. Pure.

Details (phone numbers, e-mails, URLs, dates and times: diffing.details) are masked first, and
the lexicon (seeds/lexicon.yaml) is matched in every changed sentence. Then each sentence added,
removed or reworded counts as:

- trivial: letter case, punctuation, typography or whitespace; a date line ("Updated: 4 March
  2022", "Still current at"); a change inside the details only (a phone number gaining "5000");
  a contact line (a phone number, "contact form", opening hours, "by appointment only") added,
  removed or reworded around its contact words, without a formula; a link's text left in the page
  ("See Visas") moving.
- substantive: a formula, a step of a scale (an advice level, modality, condemnation) or a
  negator of the lexicon gained or lost; a named party or another capitalised name changed; a
  number that is not a detail changed; a word of negation, modality or quantity changed ("not",
  "must", "all", "only"); a sentence of real advice added or removed (two content words or more,
  not a contact line).
- minor: everything else: other wording ("illness" -> "condition"), spelling fixes, function
  words, word order, a one-word heading.

The change is the most severe of its sentences. A substantive change without a change note from
the publisher is a silent edit.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from diffing.details import is_contact_line, is_cross_reference, mask
from diffing.lexicon import FORMULA, STEP, Lexicon, default_lexicon
from diffing.model import MINOR, SUBSTANTIVE, TRIVIAL, Diff
from diffing.tokens import (
    MONTHS,
    SIGNIFICANT_WORDS,
    STOP_WORDS,
    WEEKDAYS,
    WORD,
    has_digit,
    loose,
    words,
)
from diffing.worddiff import word_diff

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
ADVICE_MIN_CONTENT_WORDS = 2
"""An added or removed sentence with this many content words is a paragraph of advice."""
_CONTACT_WORDS = frozenset(
    "contact call phone telephone email url enquiry appointment open lines hours".split()
)
"""Words of a contact line (and the masks of phone numbers, e-mails and URLs)."""

_RANK = {TRIVIAL: 0, MINOR: 1, SUBSTANTIVE: 2}


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
                and not _caseless(word)  # a run of such a script is a clause, not a word
                and SequenceMatcher(None, word, other).ratio() >= SPELLING_FIX_RATIO
            ):
                removed.remove(word)
                inserted.remove(other)
                break
    return removed, inserted


def _lexical(sentence: str, lexicon: Lexicon, *, contact: bool = False) -> Counter[str]:
    """The lexicon's hits in a sentence; in a contact line only its formulae and advice levels
    count (the parties and modal verbs of "call the embassy in Israel, or you can ...")."""
    return Counter(
        f"{h.kind}:{h.key}"
        for h in lexicon.hits(sentence)
        if not contact or h.kind == FORMULA or (h.kind == STEP and lexicon.is_text_step(h.key))
    )


def _capitalised(sentence: str) -> set[str]:
    """Words written with a capital inside the sentence (not its first word), lower-cased: names
    of parties, places and offices."""
    found = WORD.findall(sentence.replace("’", "'"))
    return {w.lower() for w in found[1:] if w[:1].isupper()}


def _caseless(word: str) -> bool:
    """A word of a script without letter case (Japanese, Arabic): no telling a name from a
    common word, so it weighs."""
    return not has_digit(word) and word.upper() == word.lower()


def _sentence(sentence: str, lexicon: Lexicon) -> tuple[str, str]:
    """The weight of one sentence added or removed, and why."""
    if is_date_line(sentence) or not loose(sentence):
        return TRIVIAL, "date line"
    if lexicon.is_boilerplate(sentence):
        return TRIVIAL, "page furniture"
    contact = is_contact_line(sentence)
    hits = _lexical(sentence, lexicon, contact=contact)
    if hits:
        return SUBSTANTIVE, "formula " + ", ".join(sorted(k.split(":", 1)[1] for k in hits)[:3])
    if contact:
        return TRIVIAL, "contact details"
    if is_cross_reference(sentence):
        return TRIVIAL, "link text"
    content = [w for w in words(mask(sentence)) if w not in STOP_WORDS or w in SIGNIFICANT_WORDS]
    if len(content) >= ADVICE_MIN_CONTENT_WORDS or any(_caseless(w) for w in content):
        return SUBSTANTIVE, "advice"
    return MINOR, "heading"


def _reworded(old: str, new: str, lexicon: Lexicon) -> tuple[str, str]:
    """The weight of one reworded sentence, and why."""
    if loose(old) == loose(new) or (is_date_line(old) and is_date_line(new)):
        return TRIVIAL, "typography"
    old_m, new_m = mask(old), mask(new)
    if loose(old_m) == loose(new_m):
        return TRIVIAL, "contact details or dates"
    pieces = [
        (op, text)
        for op, text in word_diff(old_m, new_m)
        if op == "=" or not is_cross_reference(text)
    ]
    gone = Counter(w for op, text in pieces if op == "-" for w in words(text))
    came = Counter(w for op, text in pieces if op == "+" for w in words(text))
    gone, came = gone - came, came - gone
    if not gone and not came:
        return TRIVIAL, "link text or typography"
    contact = is_contact_line(old) or is_contact_line(new)
    before = _lexical(old_m, lexicon, contact=contact)
    after = _lexical(new_m, lexicon, contact=contact)
    if before != after:
        moved = (before - after) + (after - before)
        return SUBSTANTIVE, "formula " + ", ".join(sorted(k.split(":", 1)[1] for k in moved)[:3])
    changed = set(gone) | set(came)
    if contact and changed & _CONTACT_WORDS:
        return TRIVIAL, "contact details"
    lost, gained = _spelling_fixes(list(gone.elements()), list(came.elements()))
    changed = set(lost) | set(gained)
    names = (_capitalised(old_m) | _capitalised(new_m)) - STOP_WORDS
    weighty = sorted(
        w for w in changed if has_digit(w) or w in SIGNIFICANT_WORDS or w in names or _caseless(w)
    )
    if weighty:
        return SUBSTANTIVE, "reworded: " + ", ".join(weighty[:6])
    wording = sorted(w for w in changed if w not in STOP_WORDS)
    if wording:
        return MINOR, "wording: " + ", ".join(wording[:6])
    return MINOR, "function words, spelling or word order"


def classify(diff: Diff, lexicon: Lexicon | None = None) -> tuple[str, list[str]]:
    """The classification of a version diff and the reasons for it (readable, for the report):
    the reasons of the most severe class found, at most a few of each sentence."""
    lexicon = lexicon or default_lexicon()
    found: list[tuple[str, str]] = []
    for sentence in diff.added:
        level, why = _sentence(sentence, lexicon)
        found.append((level, f"added ({why})"))
    for sentence in diff.removed:
        level, why = _sentence(sentence, lexicon)
        found.append((level, f"removed ({why})"))
    for pair in diff.changed:
        found.append(_reworded(pair.old, pair.new, lexicon))
    if not found:
        return TRIVIAL, ["case, punctuation, typography or date lines only"]
    worst = max((level for level, _ in found), key=_RANK.__getitem__)
    reasons = list(dict.fromkeys(why for level, why in found if level == worst))
    return worst, reasons[:8]
