"""Highlighted snippets cut in Python from a text and the words of a query that it matched.

Postgres' ts_headline parses and stems every word of every text on the page: about 150 µs for a
250-word release, several milliseconds for a page of long ones. Here a text is read only by
regular expressions at C speed, over its lower-case form (every character at its offset): one
finds the words that could match a query word (the same first letters, or a letter outside
ASCII), only those are stemmed, by the database's own text search configuration (`lexemes`,
one round trip for the page: unaccent and the stemmer, exactly as indexed), and one more finds
where the words that do match are. The snippet is the window of the text (or two) with the
most of them.

    found = candidates(texts, words + prefixes)             # lower-case words worth stemming
    stems = lexemes(session, found | {*words, *prefixes})   # exact as indexed
    matches = matcher(stems, words, prefixes)
    where = locator({w for w in found if matches(w)})
    snippet(text, where)                                    # "... the **Ceasefire** in ..."

Pure but for `lexemes`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

from core.folding import fold  # the tagger's folding: near enough to unaccent for first letters

PREFIX = 3  # a word is stemmed only if its first letters are those of a query word
WIDTH = 200  # characters in a window (about 30 words)
LEAD = 5  # a window begins a fifth of its width before its first match
FRAGMENTS = 2
DELIMITER = " … "
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def lowered(text: str) -> str:
    """The text in lower case with every character where it was (almost always text.lower();
    the one letter whose lower case is longer, "İ", is left as it is)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _word_char(char: str) -> bool:
    """A letter, a digit, or a combining mark (an accent written as a second character)."""
    return char.isalnum() or bool(unicodedata.combining(char))


def candidates(texts: Iterable[str], words: Iterable[str]) -> set[str]:
    """The distinct words of `texts`, in lower case as written, worth stemming: those that
    begin with the first PREFIX letters of one of `words` (one regex per text), and every word
    with a letter outside ASCII (rare, and the database folds them: unaccent turns "łódź" into
    "lodz", which no Unicode decomposition does)."""
    starts = {fold(w)[:PREFIX] for w in words if w}
    if not starts:
        return set()
    pattern = re.compile(f"(?:{_alternatives(starts)})[^\\W_]*")
    found: set[str] = set()
    for text in texts:
        low = lowered(text)
        found.update(m.group() for m in pattern.finditer(low) if _is_word(low, m, whole=False))
        if not low.isascii():
            found.update(_non_ascii_words(low))
    return found


def _non_ascii_words(text: str) -> set[str]:
    words: set[str] = set()
    end = 0
    for match in _NON_ASCII.finditer(text):
        at = match.start()
        if at < end or not _word_char(text[at]):
            continue
        start = at
        while start > 0 and _word_char(text[start - 1]):
            start -= 1
        end = at + 1
        while end < len(text) and _word_char(text[end]):
            end += 1
        words.add(text[start:end])
    return words


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the words, longest first (so the longest matches)."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# Word boundaries are checked on the few matches, not by look-arounds at every character (a
# plain alternation runs three to five times faster); a match inside a word never reaches past
# it, so skipping it skips no match that begins a word.
def _is_word(text: str, match: re.Match[str], *, whole: bool = True) -> bool:
    start, end = match.span()
    if start > 0 and _word_char(text[start - 1]):
        return False
    return not whole or end == len(text) or not _word_char(text[end])


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
    """Which words of a text (lower case, as written) match the query, by their lexemes: the
    lexeme of a query word, or one that begins with the lexeme of a prefix word, as Postgres
    matches `ukraine*` (its tsquery is 'ukrain':*, so "Ukrainian" matches)."""

    stems: dict[str, frozenset[str]]  # word -> its lexemes
    wanted: frozenset[str]  # the lexemes of the query's words
    prefixes: tuple[str, ...] = ()  # the lexemes of its prefix words

    def __call__(self, word: str) -> bool:
        found = self.stems.get(word, frozenset())
        if not self.wanted.isdisjoint(found):
            return True
        return bool(self.prefixes) and any(lexeme.startswith(self.prefixes) for lexeme in found)


def matcher(
    stems: dict[str, frozenset[str]], words: Iterable[str], prefixes: Iterable[str] = ()
) -> Matcher:
    """The matcher of a query's `words` and `prefixes` (as the parser gives them), with
    `stems` holding their lexemes and those of the candidate words."""
    wanted = frozenset(lexeme for w in words for lexeme in stems.get(w, ()))
    starts = tuple(lexeme for p in prefixes for lexeme in stems.get(p, ()) or {fold(p)})
    return Matcher(stems, wanted, starts)


def locator(matched: Collection[str]) -> re.Pattern[str] | None:
    """The regex that finds the `matched` words (lower case, as written) in a lowered text."""
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
    low = lowered(text)
    hits = [m.span() for m in where.finditer(low) if _is_word(low, m)]
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
        inside = hits[bisect_left(starts, first) : bisect_left(starts, last)]
        last = max(last, inside[-1][1])  # a match is never cut (a very long word at the end)
        first, last = _whole_words(text, first, last, inside[0][0], inside[-1][1])
        out, position = [], first
        for s, e in inside:
            out.append(text[position:s] + begin + text[s:e] + stop)
            position = e
        out.append(text[position:last])
        parts.append(" ".join("".join(out).split()))
    return DELIMITER.join(parts)


def _whole_words(text: str, first: int, last: int, lo: int, hi: int) -> tuple[int, int]:
    """The window [first, last) moved in to whole words, never past its matches [lo, hi): it
    begins after a space (or at the start, or at its first match) and ends at a space (or at
    the end, or after its last match), so no word is cut and no match is lost."""
    if first > 0 and not text[first - 1].isspace():
        space = text.find(" ", first, lo)
        first = space + 1 if space != -1 else lo
    if last < len(text) and not text[last].isspace():
        space = text.rfind(" ", hi, last)
        last = space if space != -1 else hi
    return first, last
