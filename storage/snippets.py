"""Highlighted snippets cut in Python from a text and the words of a query that it matched.

Postgres' ts_headline parses and stems every word of every text on the page: about 150 µs for a
250-word release, several milliseconds for a page of long ones. Here the text is split into
words at C speed, only the words that could match a query word (same first letters, after
folding) are stemmed, by the database's own text search configuration (`lexemes`, one round trip
for the page), and the snippet is the window of the text with the most matched words.

    found = candidates(texts, query_words)                  # the words worth stemming
    stems = lexemes(session, {fold(w) for w in found} | query_words)  # exact as indexed
    matches = matcher(stems, query_words, prefixes)        # on folded words
    snippet(text, {w for w in found if matches(fold(w))})  # "... the **ceasefire** in ..."

Pure but for `lexemes`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import accumulate

from sqlalchemy import bindparam
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

WORD = re.compile(r"[^\W_]+")
_SPLIT = re.compile(r"([^\W_]+)")
PREFIX = 3  # a word is stemmed only if its first letters are those of a query word
MAX_WORDS = 30
FRAGMENTS = 2
DELIMITER = " … "


def fold(word: str) -> str:
    """Lower case without diacritics, as `unaccent` then lower case leave a word."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_NON_ASCII_WORD = re.compile(r"[^\W_]*[^\x00-\x7f][^\W_]*")


def candidates(texts: Iterable[str], words: Iterable[str]) -> set[str]:
    """The distinct words of `texts`, as written, that begin as one of `words` does (their
    first PREFIX letters after folding): found by one case-blind regex per text at C speed,
    and among the rare words with a letter outside ASCII ("Côte") by folding them."""
    starts = {fold(w)[:PREFIX] for w in words if w}
    if not starts:
        return set()
    alternatives = "|".join(re.escape(s) for s in sorted(starts, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)
    found: set[str] = set()
    for text in texts:
        found.update(pattern.findall(text))
        if not text.isascii():
            found.update(w for w in _NON_ASCII_WORD.findall(text) if fold(w)[:PREFIX] in starts)
    return found


_LEXEMES = sql(
    "SELECT word, tsvector_to_array(to_tsvector('deskwatch'::regconfig, word)) "
    "FROM unnest(:words) AS word"
).bindparams(bindparam("words", type_=ARRAY(Text)))


def lexemes(session: Session, words: Iterable[str]) -> dict[str, frozenset[str]]:
    """{word: its lexemes}, by the `deskwatch` configuration that builds the index (Postgres)."""
    wanted = sorted(set(words))
    if not wanted:
        return {}
    return {w: frozenset(found or ()) for w, found in session.execute(_LEXEMES, {"words": wanted})}


@dataclass(frozen=True)
class Matcher:
    """Which folded words of a text match the query: the same lexeme as a query word, or the
    beginning of a prefix query word (`sanction*`)."""

    stems: dict[str, frozenset[str]]  # folded word -> its lexemes
    wanted: frozenset[str]  # the lexemes of the query's words
    prefixes: tuple[str, ...] = ()

    def __call__(self, folded: str) -> bool:
        if self.prefixes and folded.startswith(self.prefixes):
            return True
        return not self.wanted.isdisjoint(self.stems.get(folded, ()))


def matcher(
    stems: dict[str, frozenset[str]], words: Iterable[str], prefixes: Iterable[str] = ()
) -> Matcher:
    wanted = frozenset(lexeme for w in words for lexeme in stems.get(fold(w), ()))
    return Matcher(stems, wanted, tuple(fold(p) for p in prefixes))


def snippet(
    text: str,
    matched: Collection[str],
    *,
    highlight: tuple[str, str] = ("**", "**"),
    max_words: int = MAX_WORDS,
    fragments: int = FRAGMENTS,
) -> str:
    """Up to `fragments` windows of `max_words` words holding the most `matched` words (words
    as written; the earliest window on a tie), in text order, matched words between
    `highlight`; "" when no word matches."""
    # [gap, word, gap, word, ..., gap] and the running lengths: word k spans
    # offsets[2k]..offsets[2k+1]
    parts = _SPLIT.split(text)
    words = parts[1::2]
    hits = [i for i, w in enumerate(words) if w in matched]
    if not hits:
        return ""
    offsets = list(accumulate(map(len, parts)))
    spans = list(zip(offsets[0::2], offsets[1::2], strict=False))
    lead = max_words // 6  # a few words of context before the first hit of a window
    chosen: list[tuple[int, int]] = []
    for _ in range(fragments):
        best: tuple[int, int, int] | None = None  # (count, -first, first)
        for anchor in hits:
            first = max(0, anchor - lead)
            last = min(len(spans), first + max_words)
            first = max(0, last - max_words)  # near the end, a whole window all the same
            if any(first < b and a < last for a, b in chosen):
                continue
            count = bisect_left(hits, last) - bisect_left(hits, first)
            if best is None or count > best[0]:
                best = (count, first, last)
        if best is None:
            break
        chosen.append((best[1], best[2]))
    start, stop = highlight
    hit_set = set(hits)
    parts = []
    for first, last in sorted(chosen):
        out, position = [], spans[first][0]
        for i in range(first, last):
            s, e = spans[i]
            if i in hit_set:
                out.append(text[position:s] + start + text[s:e] + stop)
                position = e
        # up to the next word: the punctuation after the window's last word stays with it
        out.append(text[position : spans[last][0] if last < len(spans) else len(text)])
        parts.append(" ".join("".join(out).split()))
    return DELIMITER.join(parts)
