"""Text as the tagger sees it: tokens with character offsets, sentences, paragraphs, folding.

Pure. A token is a run of letters or digits (`Russia’s` gives `Russia` and `s`; `Indo-Pacific`
gives `Indo` and `Pacific`), so a phrase written in the taxonomy with a hyphen or an apostrophe
matches the same words written with a space, and matching on tokens is matching on word
boundaries. Every token keeps its original spelling (for case rules) and a folded key (lower case,
diacritics removed: `Yōko` -> `yoko`, `Türkiye` -> `turkiye`).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+")
# a sentence ends at . ! ? or : followed by space / end, or at a paragraph break
_SENTENCE_END = re.compile(r"(?<=[.!?:])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])|\n\s*\n")
_PARAGRAPH = re.compile(r"\n\s*\n")
# abbreviations after which a full stop does not end a sentence
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "gen", "lt", "col", "rt", "hon", "vs", "u.s"}


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without diacritics: the key words are looked up by."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return folded.replace("ø", "o").replace("ł", "l").replace("đ", "d").replace("ı", "i")


def ascii_fold(text: str) -> str:
    """`Yōko Kamikawa` -> `Yoko Kamikawa`: the form that search without diacritics uses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The folded tokens of a phrase, as the tagger would see them in a text."""
    return tuple(fold(m.group()) for m in _TOKEN.finditer(phrase))


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    key: str
    start: int
    end: int


@dataclass
class Document:
    """One field (title or text) split into tokens, sentences and paragraphs."""

    field: str
    text: str
    tokens: list[Token]
    sentence_starts: list[int]
    sentence_ends: list[int]
    paragraph_starts: list[int]

    @classmethod
    def of(cls, text: str, field: str = "text") -> Document:
        tokens = [
            Token(m.group(), fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)
        ]
        starts, ends = _sentences(text)
        paragraphs = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
        return cls(field, text, tokens, starts, ends, paragraphs)

    def sentence_index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.sentence_starts, offset) - 1)

    def sentence_span(self, offset: int) -> tuple[int, int]:
        i = self.sentence_index(offset)
        return self.sentence_starts[i], self.sentence_ends[i]

    def sentence(self, offset: int) -> str:
        start, end = self.sentence_span(offset)
        return self.text[start:end]

    def paragraph_index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.paragraph_starts, offset) - 1)

    def token_window(self, index: int, size: int) -> range:
        return range(max(0, index - size), min(len(self.tokens), index + size + 1))


def _sentences(text: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[position : match.start()].rstrip()
        last_word = before.rsplit(None, 1)[-1].rstrip(".").casefold() if before else ""
        if match.group().strip() and last_word in _ABBREVIATIONS:
            continue
        if last_word in _ABBREVIATIONS and "\n" not in match.group():
            continue
        _add_sentence(text, position, match.start(), starts, ends)
        position = match.end()
    _add_sentence(text, position, len(text), starts, ends)
    if not starts:
        starts, ends = [0], [len(text)]
    return starts, ends


def _add_sentence(text: str, start: int, end: int, starts: list[int], ends: list[int]) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return
    lead = len(segment) - len(segment.lstrip())
    starts.append(start + lead)
    ends.append(start + lead + len(stripped))
