"""Key phrases: the 2 to 4 word expressions that carry a statement's language. Pure.

A sentence is cut into runs of content words at stop words, punctuation, numbers and dates
("calls for a sustainable ceasefire" -> "sustainable ceasefire"); "of" may join two words inside a
phrase ("rule of law", "freedom of navigation") but never ends one. Every 2 to 4 word window of a
run is a key phrase, so "an immediate humanitarian pause" gives "immediate humanitarian",
"humanitarian pause" and "immediate humanitarian pause": a statement that keeps "humanitarian
pause" and adds "immediate" has not dropped the phrase.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from diffing.memo import per_sentence
from diffing.sentences import lines
from diffing.tokens import MONTHS, STOP_WORDS, WEEKDAYS, has_digit

MIN_WORDS, MAX_WORDS = 2, 4
_JOINERS = frozenset({"of"})
_PIECE = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*|[^\w\s]")


_JOINER, _BREAK = "of", ""


@lru_cache(maxsize=65536)
def _word(piece: str) -> str:
    """The piece as a phrase word ("kingdom's" -> "kingdom"), _JOINER, or _BREAK (a stop word,
    a number, a date word, punctuation)."""
    word = piece.removesuffix("'s")
    if word in _JOINERS:
        return _JOINER
    if (
        not word
        or not word[0].isalpha()
        or len(word) < 2
        or word in STOP_WORDS
        or word in MONTHS
        or word in WEEKDAYS
        or has_digit(word)
    ):
        return _BREAK
    return word


def _runs(sentence: str) -> list[list[str]]:
    runs: list[list[str]] = []
    current: list[str] = []
    for piece in _PIECE.findall(sentence.lower().replace("’", "'")):
        word = _word(piece)
        if word == _JOINER:
            if current:
                current.append(word)
                continue
            word = _BREAK
        if not word:
            if current:
                runs.append(current)
                current = []
            continue
        current.append(word)
    if current:
        runs.append(current)
    result = []
    for run in runs:
        while run and run[-1] in _JOINERS:
            run = run[:-1]
        if len(run) >= MIN_WORDS and sum(1 for w in run if w not in _JOINERS) >= MIN_WORDS:
            result.append(run)
    return result


def _windows(run: list[str]) -> Iterable[str]:
    for size in range(MIN_WORDS, MAX_WORDS + 1):
        for start in range(len(run) - size + 1):
            window = run[start : start + size]
            if window[0] in _JOINERS or window[-1] in _JOINERS:
                continue
            yield " ".join(window)


def key_phrases(text: str) -> list[str]:
    """The key phrases of `text`, each once, in order of first use."""
    return list(phrase_counts(text))


def phrase_counts(text: str) -> Counter[str]:
    """How often each key phrase of `text` occurs, in order of first use. Counted line by line
    (diffing.sentences.lines): inside a line a sentence ends after `.`, `!` or `?`, which ends
    a phrase anyway, so the lines give the phrases of the sentences without splitting them."""
    return phrase_counts_of(lines(text))


def phrase_counts_of(pieces: Iterable[str]) -> Counter[str]:
    """`phrase_counts` of a text already cut into its lines or sentences."""
    counts: Counter[str] = Counter()
    for piece in pieces:
        counts.update(_piece_phrases(piece))
    return counts


@per_sentence
def _piece_phrases(piece: str) -> tuple[str, ...]:
    """The key phrases of one line or sentence, in order, repeats kept."""
    return tuple(phrase for run in _runs(piece) for phrase in _windows(run))


def outermost(phrases: Iterable[str]) -> list[str]:
    """Drop each phrase that is part of a longer one in the same list ("sustainable ceasefire"
    inside "immediate sustainable ceasefire"): what a reader needs to see, once."""
    items = list(dict.fromkeys(phrases))
    inside: set[str] = set()
    for phrase in items:
        words = phrase.split()
        for size in range(MIN_WORDS, len(words)):
            for start in range(len(words) - size + 1):
                inside.add(" ".join(words[start : start + size]))
    return [p for p in items if p not in inside]
