"""Text as the tagger sees it: tokens with character offsets, sentences, paragraphs, folding.

Pure. A token is a run of letters or digits (`Russia’s` gives `Russia` and `s`; `Indo-Pacific`
gives `Indo` and `Pacific`), so a phrase written in the taxonomy with a hyphen or an apostrophe
matches the same words written with a space, and matching on tokens is matching on word
boundaries. Every token keeps its original spelling (for case rules) and a folded key (lower case,
diacritics removed: `Yōko` -> `yoko`, `Türkiye` -> `turkiye`).
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple, overload

from core.folding import fold, fold_lowered, folded_size, non_ascii_chars

_TOKEN = re.compile(r"[^\W_]+")
_SPLIT = re.compile(r"([^\W_]+)")
_ASCII_SPLIT = re.compile(r"([a-zA-Z0-9]+)")  # the same as _SPLIT on a text of ASCII letters
# a sentence ends at . ! ? or : followed by space / end, or at a paragraph break
# (the stop is matched, not looked behind for, and each alternative begins with a literal
# character: the search then skips ahead to the next . ! ? : or newline at C speed; the sentence
# ends after the stop)
_AFTER_STOP = r"[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])"
_SENTENCE_END = re.compile("|".join([*(re.escape(s) + _AFTER_STOP for s in ".!?:"), r"\n\s*\n"]))
_PARAGRAPH = re.compile(r"\n\s*\n")
# abbreviations after which a full stop does not end a sentence
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "gen", "lt", "col", "rt", "hon", "vs", "u.s"}
_ABBREVIATION_ENDS = {word[-1] for word in _ABBREVIATIONS}


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The folded tokens of a phrase, as the tagger would see them in a text."""
    return tuple(fold(m.group()) for m in _TOKEN.finditer(phrase))


class Token(NamedTuple):
    text: str
    key: str
    start: int
    end: int


class Tokens(Sequence[Token]):
    """The tokens of a text as parallel lists (keys, starts, ends); a Token is built only when
    one is looked at, which the scan does for the few tokens that begin a phrase."""

    __slots__ = ("text", "keys", "starts", "ends")

    def __init__(self, text: str, keys: list[str], starts: list[int], ends: list[int]) -> None:
        self.text, self.keys, self.starts, self.ends = text, keys, starts, ends

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> Token: ...
    @overload
    def __getitem__(self, i: slice) -> list[Token]: ...
    def __getitem__(self, i: int | slice) -> Token | list[Token]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        start, end = self.starts[i], self.ends[i]
        return Token(self.text[start:end], self.keys[i], start, end)


def tokenize(text: str) -> Tokens:
    lowered = text.lower()
    if lowered.isascii():
        folded = lowered
    else:
        chars = non_ascii_chars(lowered)
        if folded_size(lowered, chars) != len(text):
            return _tokenize_by_word(text)
        folded = fold_lowered(lowered, chars)
    if len(folded) == len(text):
        # C-speed: split into [gap, word, gap, word, ..., gap] and add up the lengths; when
        # every letter and digit left is ASCII (the usual case), an ASCII class splits the same
        # way about twice as fast as the Unicode one
        ascii_words = folded.isascii() or not _TOKEN.search("".join(non_ascii_chars(folded)))
        parts = (_ASCII_SPLIT if ascii_words else _SPLIT).split(folded)
        offsets = list(accumulate(map(len, parts)))
        keys = parts[1::2]
        return Tokens(text, keys, offsets[0::2][: len(keys)], offsets[1::2])
    return _tokenize_by_word(text)


def _tokenize_by_word(text: str) -> Tokens:
    """Folding moves characters (an ellipsis becomes three full stops, a ligature two letters):
    split the text itself and fold word by word."""
    ascii_words = text.isascii() or not _TOKEN.search("".join(non_ascii_chars(text)))
    parts = (_ASCII_SPLIT if ascii_words else _SPLIT).split(text)
    offsets = list(accumulate(map(len, parts)))
    words = parts[1::2]
    # an ASCII word folds to its lower case: str.lower is cheaper than the cached fold()
    keys = list(map(str.lower if ascii_words else fold, words))
    return Tokens(text, keys, offsets[0::2][: len(words)], offsets[1::2])


@dataclass
class Document:
    """One field (title or text) split into tokens, sentences and paragraphs."""

    field: str
    text: str
    tokens: Tokens
    sentence_starts: list[int]
    sentence_ends: list[int]
    paragraph_starts: list[int]
    _sentence_texts: dict[int, tuple[str, int]] = dataclasses.field(
        default_factory=dict, repr=False
    )

    @classmethod
    def of(cls, text: str, field: str = "text") -> Document:
        starts, ends = _sentences(text)
        paragraphs = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
        return cls(field, text, tokenize(text), starts, ends, paragraphs)

    @property
    def keys(self) -> list[str]:
        return self.tokens.keys

    @property
    def lead_end(self) -> int:
        """Where the first paragraph ends."""
        return self.paragraph_starts[1] if len(self.paragraph_starts) > 1 else len(self.text) + 1

    def sentence_index(self, offset: int) -> int:
        i = bisect.bisect_right(self.sentence_starts, offset) - 1
        return i if i > 0 else 0

    def sentence_span(self, offset: int) -> tuple[int, int]:
        i = self.sentence_index(offset)
        return self.sentence_starts[i], self.sentence_ends[i]

    def sentence_at(self, offset: int) -> tuple[str, int]:
        """The sentence holding `offset` and where it begins (cut once per sentence)."""
        i = self.sentence_index(offset)
        found = self._sentence_texts.get(i)
        if found is None:
            start = self.sentence_starts[i]
            found = self._sentence_texts[i] = (self.text[start : self.sentence_ends[i]], start)
        return found

    def sentence(self, offset: int) -> str:
        start, end = self.sentence_span(offset)
        return self.text[start:end]

    def sentence_tokens(self, offset: int) -> range:
        """Indexes of the tokens of the sentence holding `offset`."""
        start, end = self.sentence_span(offset)
        starts = self.tokens.starts
        return range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end))


def _sentences(text: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        if text[end] != "\n":  # a stop, not a paragraph break: the sentence keeps it
            end += 1
        # only a full stop can follow an abbreviation ("Mr.", "U.S."); the word before it is
        # looked for (when its last letter could end one) in the last few characters, and in
        # the whole sentence if it is longer
        if (
            end > position
            and text[end - 1] == "."
            and (text[end - 2] == "." or text[end - 2].casefold()[-1] in _ABBREVIATION_ENDS)
        ):
            tail = text[max(position, end - 12) : end].rsplit(None, 1)
            if len(tail) < 2 and end - 12 > position:
                tail = text[position:end].rsplit(None, 1)
            last_word = tail[-1].rstrip(".").casefold() if tail else ""
            gap = text[end : match.end()]
            if last_word in _ABBREVIATIONS and (gap.strip() or "\n" not in gap):
                continue
        segment = text[position:end]  # _add_sentence, inlined: ~250 a dense release
        stripped = segment.lstrip()
        if stripped:
            start = position + len(segment) - len(stripped)
            starts.append(start)
            ends.append(start + len(stripped.rstrip()))
        position = match.end()
    _add_sentence(text, position, len(text), starts, ends)
    if not starts:
        starts, ends = [0], [len(text)]
    return starts, ends


def _add_sentence(text: str, start: int, end: int, starts: list[int], ends: list[int]) -> None:
    segment = text[start:end]
    stripped = segment.lstrip()
    if not stripped:
        return
    start += len(segment) - len(stripped)
    starts.append(start)
    ends.append(start + len(stripped.rstrip()))
