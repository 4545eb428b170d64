"""The diffs the pipeline stores: a version diff and a statement diff. Pure.

`Text` (diffing.text) prepares a release text once (sentences, content words, key phrases) so
that one text compared with several others is split and tokenised once. Every diff carries what
moved (`Diff.moves`, `Diff.details`, from diffing.significance over the same alignment); which
earlier statement a new one is compared with is diffing.baseline's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from diffing.align import align
from diffing.classify import announced, classify
from diffing.model import SUBSTANTIVE, TRIVIAL, Diff, Reworded
from diffing.phrases import outermost
from diffing.significance import significance
from diffing.similarity import cosine, vectors
from diffing.text import Text, prepare
from diffing.tokens import loose
from diffing.worddiff import word_diff

__all__ = ["Text", "prepare", "sentence_diff", "statement_diff", "version_diff"]


def sentence_diff(old: str | Text, new: str | Text, *, similarity: bool = True) -> Diff:
    """Sentences added, removed and reworded (with their word diff), new and dropped phrases
    relative to `old` alone, what moved (ranked) and the details; similarity is the TF-IDF
    cosine of the two texts (1.0 when they are the same; 0.0 unless `similarity`: a statement
    diff gives its own)."""
    a, b = prepare(old), prepare(new)
    alignment = align(a.sentences, b.sentences)
    moved = significance(a, b, alignment=alignment)
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
        similarity=_similarity(a, b) if similarity else 0.0,
        moves=list(moved.moves),
        details=list(moved.details),
    )


def _similarity(a: Text, b: Text) -> float:
    if a.text == b.text:
        return 1.0
    old_vec, new_vec = vectors([a.terms, b.terms])
    return round(cosine(old_vec, new_vec), 4)


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
