"""TF-IDF vectors and cosine similarity over content words. Pure Python, sparse dicts.

The inverse document frequency is computed over the texts being compared (the sentences of two
statements, or a new statement and its bounded set of candidates), never over the archive, so
the cost of one comparison does not depend on the archive's size.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

Vector = dict[str, float]


def idf(documents: Sequence[Sequence[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency: log((1 + n) / (1 + df)) + 1."""
    df: Counter[str] = Counter()
    for terms in documents:
        df.update(set(terms))
    n = len(documents)
    return {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}


def vector(terms: Sequence[str], weights: dict[str, float]) -> Vector:
    """A unit-length TF-IDF vector (empty when there are no terms)."""
    counts = Counter(terms)
    raw = {term: count * weights.get(term, 1.0) for term, count in counts.items()}
    norm = math.sqrt(sum(v * v for v in raw.values()))
    if norm == 0.0:
        return {}
    return {term: v / norm for term, v in raw.items()}


def cosine(a: Vector, b: Vector) -> float:
    """Cosine similarity of two unit vectors (0.0 when either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(term, 0.0) for term, v in a.items())


def vectors(documents: Sequence[Sequence[str]]) -> list[Vector]:
    """TF-IDF vectors of `documents`, the idf taken over the same documents."""
    weights = idf(documents)
    return [vector(terms, weights) for terms in documents]
