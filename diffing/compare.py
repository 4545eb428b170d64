"""The diffs the pipeline stores: a version diff and a statement diff. Pure.

`Text` prepares a release text once (sentences, content words, key phrases) so that one text
compared with several others is split and tokenised once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from typing import TypeVar

from diffing.align import align
from diffing.classify import announced, classify
from diffing.model import SUBSTANTIVE, TRIVIAL, Diff, Reworded
from diffing.phrases import key_phrases, outermost
from diffing.sentences import split_sentences
from diffing.similarity import cosine, vectors
from diffing.tokens import content_words, loose
from diffing.worddiff import word_diff


class Text:
    """A text and, computed on first use, its sentences, content words and key phrases (a
    candidate that is only ranked never needs its sentences or phrases)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)

    @cached_property
    def terms(self) -> list[str]:
        return content_words(self.text)

    @cached_property
    def phrases(self) -> list[str]:
        return key_phrases(self.text)


def prepare(text: str | Text) -> Text:
    return text if isinstance(text, Text) else Text(text)


def sentence_diff(old: str | Text, new: str | Text) -> Diff:
    """Sentences added, removed and reworded (with their word diff), new and dropped phrases
    relative to `old` alone; similarity is the TF-IDF cosine of the two texts."""
    a, b = prepare(old), prepare(new)
    alignment = align(a.sentences, b.sentences)
    old_vec, new_vec = vectors([a.terms, b.terms])
    old_phrases, new_phrases = set(a.phrases), set(b.phrases)
    return Diff(
        added=[b.sentences[j] for j in alignment.added],
        removed=[a.sentences[i] for i in alignment.removed],
        changed=[
            Reworded(a.sentences[i], b.sentences[j], word_diff(a.sentences[i], b.sentences[j]), s)
            for i, j, s in alignment.changed
        ],
        unchanged=len(alignment.unchanged),
        new_phrases=outermost(p for p in b.phrases if p not in old_phrases),
        dropped_phrases=outermost(p for p in a.phrases if p not in new_phrases),
        similarity=round(cosine(old_vec, new_vec), 4) if a.text != b.text else 1.0,
    )


def version_diff(old: str | Text, new: str | Text, change_note: str | None) -> Diff:
    """The change from one version of a release to the next, classified; a substantive change
    the publisher did not announce is a silent edit."""
    a, b = prepare(old), prepare(new)
    diff = sentence_diff(a, b)
    if loose(a.text) == loose(b.text):  # case, punctuation or spacing only, however aligned
        diff.classification, diff.reasons = TRIVIAL, ["case, punctuation or spacing only"]
    else:
        diff.classification, diff.reasons = classify(diff)
    diff.has_change_note = announced(change_note)
    diff.silent_edit = diff.classification == SUBSTANTIVE and not diff.has_change_note
    return diff


def statement_diff(
    earlier: str | Text,
    new: str | Text,
    *,
    used_before: Callable[[Collection[str]], Collection[str]] | None = None,
    compared: Diff | None = None,
) -> Diff:
    """A new statement against an earlier one on the same theme or country. `new_phrases` are the
    phrases of the new statement never used before on that basis: `used_before(phrases)` returns
    those of `phrases` the basis's history already has (without it, the earlier statement is
    the whole history). `dropped_phrases` are the earlier statement's phrases the new one drops.
    `compared` is `sentence_diff(earlier, new)` when the caller has it already (the same earlier
    statement can be the closest on several themes)."""
    a, b = prepare(earlier), prepare(new)
    diff = replace(compared) if compared is not None else sentence_diff(a, b)
    if used_before is not None:
        known = set(a.phrases)
        fresh = [p for p in b.phrases if p not in known]
        seen = set(used_before(fresh)) if fresh else set()
        diff.new_phrases = outermost(p for p in fresh if p not in seen)
    return diff


K = TypeVar("K")

MIN_SIMILARITY = 0.1
"""Below this TF-IDF cosine two statements share a tag but not a subject (a trade deal and a
ceasefire call that both name the UK): no statement diff is made."""


def most_similar(
    new: str | Text, candidates: Sequence[str | Text], *, minimum: float = MIN_SIMILARITY
) -> tuple[int, float] | None:
    """The index of the candidate most similar to `new` (TF-IDF cosine over content words, the
    idf taken over `new` and the candidates) and its similarity; None when no candidate reaches
    `minimum`. Ties go to the earlier candidate (callers pass the newest first)."""
    return most_similar_each(new, {"": candidates}, minimum=minimum).get("")


def most_similar_each(
    new: str | Text,
    groups: Mapping[K, Sequence[str | Text]],
    *,
    minimum: float = MIN_SIMILARITY,
) -> dict[K, tuple[int, float]]:
    """`most_similar` for several groups of candidates at once (one group per theme or country):
    the idf is taken once over `new` and every distinct candidate, and each candidate is
    vectorised once however many groups it is in. Groups with no candidate reaching `minimum`
    are left out."""
    target = prepare(new)
    distinct: dict[int, Text] = {}
    prepared: dict[K, list[Text]] = {}
    for key, group in groups.items():
        prepared[key] = [prepare(c) for c in group]
        for text in prepared[key]:
            distinct.setdefault(id(text), text)
    if not distinct:
        return {}
    pool = list(distinct.values())
    vecs = vectors([target.terms, *(t.terms for t in pool)])
    scores = {id(t): cosine(vecs[0], vec) for t, vec in zip(pool, vecs[1:], strict=True)}
    found: dict[K, tuple[int, float]] = {}
    for key, group in prepared.items():
        best: tuple[int, float] | None = None
        for index, text in enumerate(group):
            score = scores[id(text)]
            if score > 0.0 and score >= minimum and (best is None or score > best[1] + 1e-12):
                best = (index, score)
        if best is not None:
            found[key] = best
    return found
