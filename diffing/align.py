"""Pair the sentences of an earlier and a new text. Pure.

Sentences that are the same (typography folded) pair first, one to one. The rest pair greedily by
TF-IDF cosine over content words (or, for short sentences where one word weighs a lot, the Dice
overlap of all their words), most similar first, one to one, when the similarity reaches its
threshold: those are reworded sentences. A new sentence left over is added; an earlier one left
over is removed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Set
from dataclasses import dataclass, field

from diffing.memo import per_sentence
from diffing.similarity import cosine, vectors
from diffing.tokens import content_words, typography_key, words

REWORDED_THRESHOLD = 0.5
"""Two sentences whose cosine reaches this are one sentence reworded, not two different ones."""
OVERLAP_THRESHOLD = 0.7
"""... or whose word sets overlap this much (Dice): "We recieve the report" / "We receive a report"."""


_SLACK = 1e-9
"""Far above the rounding error of a dot product of unit vectors summed in another order."""


def _shared(
    vec: dict[str, float], postings: dict[str, list[tuple[int, float]]]
) -> dict[int, float]:
    """The new sentences that share a term with `vec`, each with its dot product with `vec`
    summed over the shared terms only (so cheaper than the cosine, but rounded in another
    order: only good to tell a pair sure to stay below a threshold)."""
    dots: dict[int, float] = defaultdict(float)
    for term, weight in vec.items():
        for b, other in postings.get(term, ()):
            dots[b] += weight * other
    return dots


@per_sentence
def _terms(sentence: str) -> tuple[str, ...]:
    return tuple(content_words(sentence))


@per_sentence
def _word_set(sentence: str) -> frozenset[str]:
    return frozenset(words(sentence))


def dice(a: Set[str], b: Set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass
class Alignment:
    unchanged: list[tuple[int, int]] = field(default_factory=list)
    changed: list[tuple[int, int, float]] = field(default_factory=list)
    added: list[int] = field(default_factory=list)  # indices into the new sentences
    removed: list[int] = field(default_factory=list)  # indices into the earlier sentences


def align(old: list[str], new: list[str], *, threshold: float = REWORDED_THRESHOLD) -> Alignment:
    result = Alignment()
    by_key: dict[str, deque[int]] = defaultdict(deque)
    for i, sentence in enumerate(old):
        by_key[typography_key(sentence)].append(i)
    old_left: set[int] = set(range(len(old)))
    new_left: list[int] = []
    for j, sentence in enumerate(new):
        queue = by_key.get(typography_key(sentence))
        if queue:
            i = queue.popleft()
            old_left.discard(i)
            result.unchanged.append((i, j))
        else:
            new_left.append(j)

    old_rest = sorted(old_left)
    if old_rest and new_left:
        terms = [_terms(old[i]) for i in old_rest] + [_terms(new[j]) for j in new_left]
        vecs = vectors(terms)
        old_vecs, new_vecs = vecs[: len(old_rest)], vecs[len(old_rest) :]
        old_sets = [_word_set(old[i]) for i in old_rest]
        new_sets = [_word_set(new[j]) for j in new_left]
        # only pairs that share a content word (or have none) can reach either threshold
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for b, vec in enumerate(new_vecs):
            for term, weight in vec.items():
                postings[term].append((b, weight))
        bare_new = {b: 0.0 for b, vec in enumerate(new_vecs) if not vec}
        candidates: list[tuple[float, int, int]] = []
        for a, i in enumerate(old_rest):
            vec = old_vecs[a]
            near = _shared(vec, postings) if vec else bare_new
            for b in sorted(near):
                j = new_left[b]
                # the exact cosine only where the estimate may reach the threshold
                sure_below = near[b] < threshold - _SLACK
                score = cosine(vec, new_vecs[b]) if vec and not sure_below else 0.0
                if sure_below or score < threshold:
                    overlap = dice(old_sets[a], new_sets[b])
                    if overlap < OVERLAP_THRESHOLD:
                        continue
                    if sure_below and vec:
                        score = cosine(vec, new_vecs[b])
                    score = max(score, overlap)
                candidates.append((score, i, j))
        candidates.sort(key=lambda c: (-c[0], c[2], c[1]))
        taken_new: set[int] = set()
        for score, i, j in candidates:
            if i in old_left and j not in taken_new:
                old_left.discard(i)
                taken_new.add(j)
                result.changed.append((i, j, min(score, 1.0)))
        new_left = [j for j in new_left if j not in taken_new]

    result.changed.sort(key=lambda c: c[1])
    result.added = new_left
    result.removed = sorted(old_left)
    return result
