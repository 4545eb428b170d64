"""Bounded caches of the work done per sentence (lexicon hits, detail spans, word diffs). Pure.

A sentence is matched, split and diffed many times over: an earlier statement is the baseline of
several new ones in a batch, two versions of a page share most of their sentences, and the
scorer, the classifier and the phrase history each look at the same sentence. Each of these
functions is a pure function of its text, so its result is kept in a least-recently-used cache
of at most SENTENCE_CACHE entries: memory stays bounded whatever the archive or a hostile input,
and the results are the same as without it (cached values are immutable: tuples of frozen
records; a function that hands out lists copies them).

`clear()` empties every such cache: for a benchmark's cold round, or a test that wants one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

SENTENCE_CACHE = 8192
"""Entries per cache: a few batches' worth of distinct sentences (a 1,000-word text has ~60)."""

_F = TypeVar("_F", bound=Callable[..., Any])
_caches: list[Any] = []


def per_sentence(function: _F) -> _F:
    """`function` with a bounded LRU cache of its results, registered for `clear()`."""
    cached = lru_cache(maxsize=SENTENCE_CACHE)(function)
    _caches.append(cached)
    return cached  # type: ignore[return-value]


def clear() -> None:
    """Empty every per-sentence cache."""
    for cached in _caches:
        cached.cache_clear()
