"""Highlighted snippets cut in Python from a text and the words of a query that it matched.

Postgres' ts_headline parses and stems every word of every text on the page: about 150 µs for a
250-word release, several milliseconds for a page of long ones. Here a text is read only by
regular expressions at C speed, over its folded form (lower case, diacritics removed, every
character kept at its offset): one finds the words that could match a query word (the same
first letters), only those are stemmed, by the database's own text search configuration
(`lexemes`, one round trip for the page), and one more finds where the words that do match
are. The snippet is the window of the text (or two) with the most of them.

    found = candidates(texts, query_words)                   # folded words worth stemming
    stems = lexemes(session, found | query_words)           # exact as indexed
    matches = matcher(stems, query_words, prefixes)
    where = locator({w for w in found if matches(w)})
    snippet(text, where)                                     # "... the **Ceasefire** in ..."

Pure but for `lexemes`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

PREFIX = 3  # a word is stemmed only if its first letters are those of a query word
WIDTH = 200  # characters in a window (about 30 words)
LEAD = 5  # a window begins a fifth of its width before its first match
FRAGMENTS = 2
DELIMITER = " … "
_ASCII = bytes(range(128))


def fold(word: str) -> str:
    """Lower case without diacritics, as `unaccent` then lower case leave a word."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character folded, if it folds to one character ("ô" -> "o", "İ" -> "i"); else
    itself (an ellipsis, a ligature, a combining mark), so that offsets do not move."""
    folded = fold(char)
    return folded if len(folded) == 1 else char


def folded_text(text: str) -> str:
    """`text` folded character by character: the same length, every character where it was
    (all at C speed: the few distinct characters outside ASCII are replaced one by one)."""
    if text.isascii():
        return text.lower()
    others = set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8"))
    folded = text
    for char in others:  # a replace per distinct character: str.translate is ten times slower
        plain = _fold_char(char)
        if plain != char:
            folded = folded.replace(char, plain)
    folded = folded.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)  # pragma: no cover


def candidates(texts: Iterable[str], words: Iterable[str]) -> set[str]:
    """The distinct folded words of `texts` that begin as one of `words` does (their first
    PREFIX letters after folding)."""
    starts = {fold(w)[:PREFIX] for w in words if w}
    if not starts:
        return set()
    pattern = re.compile(f"(?:{_alternatives(starts)})[^\\W_]*")
    found: set[str] = set()
    for text in texts:
        folded = folded_text(text)
        found.update(m.group() for m in pattern.finditer(folded) if _starts_word(folded, m))
    return found


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the words, longest first (so the longest matches)."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# Word boundaries are checked on the few matches, not by look-arounds at every character (a
# plain alternation runs three to five times faster); a match inside a word never reaches past
# it, so skipping it skips no match that begins a word.
def _starts_word(text: str, match: re.Match[str]) -> bool:
    start = match.start()
    return start == 0 or not text[start - 1].isalnum()


def _is_word(text: str, match: re.Match[str]) -> bool:
    end = match.end()
    return _starts_word(text, match) and (end == len(text) or not text[end].isalnum())


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


def locator(matched: Collection[str]) -> re.Pattern[str] | None:
    """The regex that finds the `matched` (folded) words in a folded text."""
    return re.compile(_alternatives(matched)) if matched else None


def snippet(
    text: str,
    where: re.Pattern[str] | None,
    *,
    highlight: tuple[str, str] = ("**", "**"),
    width: int = WIDTH,
    fragments: int = FRAGMENTS,
) -> str:
    """Up to `fragments` windows of about `width` characters (whole words) holding the most
    matched words (the earliest window on a tie), in text order, with the matched words
    between `highlight`; "" when no word matches."""
    if where is None:
        return ""
    folded = folded_text(text)
    hits = [m.span() for m in where.finditer(folded) if _is_word(folded, m)]
    if not hits:
        return ""
    starts = [s for s, _e in hits]
    ends = [e for _s, e in hits]
    size = len(text)
    chosen: list[tuple[int, int]] = []
    for _ in range(fragments):
        best: tuple[int, int, int] | None = None  # (matches, first, last)
        for anchor in starts:
            last = min(size, max(0, anchor - width // LEAD) + width)
            first = max(0, last - width)  # near the end, a whole window all the same
            if chosen and any(first < b and a < last for a, b in chosen):
                continue
            count = bisect_right(ends, last) - bisect_left(starts, first)
            if best is None or count > best[0]:
                best = (count, first, last)
        if best is None:
            break
        chosen.append(best[1:])
    begin, stop = highlight
    parts = []
    for first, last in sorted(chosen):
        first, last = _whole_words(text, first, last)
        out, position = [], first
        for s, e in hits[bisect_left(starts, first) : bisect_left(starts, last)]:
            if e <= last:
                out.append(text[position:s] + begin + text[s:e] + stop)
                position = e
        out.append(text[position:last])
        parts.append(" ".join("".join(out).split()))
    return DELIMITER.join(parts)


def _whole_words(text: str, first: int, last: int) -> tuple[int, int]:
    """The window moved in to whole words: it begins after a space (or at the start) and ends
    at a space (or at the end), so no word is cut."""
    if first > 0 and not text[first - 1].isspace():
        space = text.find(" ", first, last)
        first = space + 1 if space != -1 else first
    if last < len(text) and not text[last].isspace():
        space = text.rfind(" ", first, last)
        last = space if space > first else last
    return first, last
