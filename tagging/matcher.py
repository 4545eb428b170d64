"""The compiled phrase index: every phrase of one channel, looked up token by token.

Phrases are stored under their first folded token; each bucket is sorted longest first. Scanning a
text costs one dict lookup per token, plus a comparison of the few candidate phrases that start
with a token that begins some phrase. The scan is leftmost-longest and does not overlap, so
"Papua New Guinea" wins over "Guinea" and "social security" (a `not` phrase) hides "security".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tagging.text import _TOKEN, Token, fold

ANY, CAPITALISED, EXACT = "any", "cap", "exact"


@dataclass(frozen=True, slots=True)
class Entry:
    keys: tuple[str, ...]
    written: tuple[str, ...]  # the tokens as written in the data file
    case: str
    payloads: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Match:
    first: int  # index of the first token
    last: int  # index of the last token (inclusive)
    entry: Entry

    @property
    def payloads(self) -> tuple[Any, ...]:
        return self.entry.payloads


class PhraseIndex:
    def __init__(self) -> None:
        self._entries: dict[tuple[tuple[str, ...], tuple[str, ...], str], list[Any]] = {}
        self._buckets: dict[str, list[Entry]] = {}

    def add(self, phrase: str, payload: Any, case: str = ANY) -> None:
        written = tuple(m.group() for m in _TOKEN.finditer(phrase))
        if not written:
            return
        keys = tuple(fold(w) for w in written)
        if case == CAPITALISED and not any(w[0].isupper() for w in written):
            case = ANY
        self._entries.setdefault((keys, written, case), []).append(payload)

    def compile(self) -> PhraseIndex:
        buckets: dict[str, list[Entry]] = {}
        for (keys, written, case), payloads in self._entries.items():
            buckets.setdefault(keys[0], []).append(Entry(keys, written, case, tuple(payloads)))
        for bucket in buckets.values():
            bucket.sort(key=lambda e: (-len(e.keys), e.case != EXACT))
        self._buckets = buckets
        return self

    def __len__(self) -> int:
        return len(self._entries)

    def scan(self, tokens: Sequence[Token], text: str | None = None) -> list[Match]:
        """Leftmost-longest, non-overlapping matches. With `text`, the words of a phrase must be
        separated by nothing but spaces, hyphens or apostrophes (not a full stop or comma)."""
        buckets = self._buckets
        matches: list[Match] = []
        i, n = 0, len(tokens)
        while i < n:
            bucket = buckets.get(tokens[i].key)
            if bucket is None:
                i += 1
                continue
            found = None
            for entry in bucket:
                size = len(entry.keys)
                if i + size > n:
                    continue
                if size > 1 and any(tokens[i + k].key != entry.keys[k] for k in range(1, size)):
                    continue
                if not _case_ok(entry, tokens, i):
                    continue
                if size > 1 and text is not None and not _joined(tokens, i, size, text):
                    continue
                found = Match(i, i + size - 1, entry)
                break
            if found is None:
                i += 1
            else:
                matches.append(found)
                i = found.last + 1
        return matches


def _case_ok(entry: Entry, tokens: Sequence[Token], i: int) -> bool:
    if entry.case == ANY:
        return True
    if entry.case == EXACT:
        return all(tokens[i + k].text == w for k, w in enumerate(entry.written))
    for k, w in enumerate(entry.written):
        if w[0].isupper() and not tokens[i + k].text[0].isupper():
            return False
    return True


_JOINERS = set(" -‐–'’\u00a0&.")


def _joined(tokens: Sequence[Token], i: int, size: int, text: str) -> bool:
    for k in range(i, i + size - 1):
        gap = text[tokens[k].end : tokens[k + 1].start]
        if len(gap) > 3 or any(ch not in _JOINERS for ch in gap):
            return False
        if "." in gap and not (len(tokens[k].text) == 1 and tokens[k].text.isupper()):
            return False  # "U.S." joins, "Japan. Korea" does not
    return True
