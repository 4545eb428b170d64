"""Folding: lower case without diacritics (`Yōko` -> `yoko`, `Türkiye` -> `turkiye`).

One implementation for the tagger's token keys, the search snippets' first letters and the
search's person and document-type filters (storage.search_matching). Pure.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPECIAL = (("ø", "o"), ("ł", "l"), ("đ", "d"), ("ı", "i"), ("ß", "s"))


_ASCII_BYTES = bytes(range(128))


def non_ascii_chars(text: str) -> set[str]:
    """The distinct characters of `text` outside ASCII (curly quotes and dashes, mostly): its
    UTF-8 without the ASCII bytes is the UTF-8 of those characters (all at C speed)."""
    encoded = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    return set(encoded.decode("utf-8", "surrogatepass"))


def _fold_slow(lowered: str) -> str:
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))
    for char, plain in _SPECIAL:
        if char in folded:
            folded = folded.replace(char, plain)
    return folded


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str | None:
    """The folding of one lower-case character, or None when folding a text holding it cannot
    be done character by character (a combining mark, which NFKD may reorder)."""
    plain = unicodedata.normalize("NFKD", char)
    if unicodedata.combining(char) or (plain and unicodedata.combining(plain[0])):
        return None
    return _fold_slow(char)


@lru_cache(maxsize=4096)
def _fold_size(char: str) -> int:
    return len(_fold_slow(char))


def folded_size(lowered: str, chars: set[str]) -> int:
    """len(_fold_slow(lowered)) without folding it: NFKD decomposes character by character and
    its reordering keeps the length, so each character adds the length of its own folding."""
    size = len(lowered)
    for char in chars:
        grows = _fold_size(char) - 1
        if grows:
            size += grows * lowered.count(char)
    return size


def _fold_text(text: str) -> str:
    """Lower case without diacritics, keeping every character at its offset where it can."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return fold_lowered(lowered, non_ascii_chars(lowered))


def fold_lowered(lowered: str, chars: set[str]) -> str:
    # each of the few distinct characters outside ASCII is folded on its own and replaced at C
    # speed (the same as normalising the whole text when no combining mark is in it)
    plains = [_fold_char(char) for char in chars]
    if None in plains:
        return _fold_slow(lowered)
    folded = lowered
    for char, plain in zip(chars, plains, strict=True):
        if plain != char:
            folded = folded.replace(char, plain)  # type: ignore[arg-type]
    return folded


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without diacritics: the key words are looked up by."""
    return _fold_text(word)


def ascii_fold(text: str) -> str:
    """`Yōko Kamikawa` -> `Yoko Kamikawa`: the form that search without diacritics uses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
