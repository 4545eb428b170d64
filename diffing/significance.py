"""What moved between two texts, ranked by significance. Pure.

The two texts are split into sentences and aligned (diffing.align: unchanged, reworded, added,
removed); the lexicon (diffing.lexicon) is matched once per sentence. Then:

- a formula the new text uses and the earlier one nowhere did is added; one the earlier text used
  and the new one nowhere does is dropped (a formula that only moved to another sentence did not
  move, nor did one inside a longer formula of the other text: "ceasefire" beside "ceasefire
  negotiations"). So is a named party, and a money amount with a context word of aid or
  sanctions in its sentence (a figure). What is dropped weighs DROPPED_SHARE of what is added.
- a scale of `scope: text` (the FCDO advice level, condemnation) moves when the steps the two
  texts use differ: from the highest step before to the highest after or, when the highest is
  the same, from the lowest to the lowest ("all but essential travel" to the rest of a country
  and "all travel" to a region, then "all travel" everywhere: all-but-essential -> all).
- inside one reworded sentence, a step of a `scope: sentence` scale that gave way to another is a
  shift (would -> will, call on -> urge), and a negator gained or lost is a negation shift
  ("do not support" -> "support"). A reworded sentence is one move, shown as the pair (before,
  after) with its word diff, carrying every label above that it holds; a reworded sentence that
  carries the advice level is itself news (its scope changed).
- an added or removed sentence is one move carrying its labels.

Each move's score is the weight of its strongest label plus a quarter of the others'; a sentence
with no label scores little (REWORDED_SCORE, SENTENCE_SCORE). Boilerplate sentences (readouts'
openings, page furniture), names of people, dates, phone numbers, URLs, e-mails and money amounts
without a context word are `details`, never moves. `Significance.headlines()` are the top moves
scoring at least HEADLINE_MIN: what a mail and `deskwatch diff` lead with.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from diffing.align import Alignment, align
from diffing.details import MONEY, names, spans
from diffing.lexicon import (
    FORMULA,
    NEGATOR,
    PARTY,
    STEP,
    TEXT,
    Hit,
    Lexicon,
    default_lexicon,
    phrase_key,
)
from diffing.moves import ADDED, REMOVED, REWORDED, SCALE, Detail, Label, Move, Significance
from diffing.text import Text, prepare
from diffing.tokens import words
from diffing.worddiff import changed_words, word_diff

REWORDED_SCORE = 0.4
"""A reworded sentence that carries no label."""
SENTENCE_SCORE = 0.2
"""An added or removed sentence that carries no label."""
DROPPED_SHARE = 0.6
"""A formula, party or figure dropped weighs this share of its weight: a statement leaves out
much that still stands, and what it says anew is the news."""
REWORDED_SCALE_SHARE = 0.8
"""A reworded sentence holding a text-scale step scores this share of the scale's weight."""

_AUXILIARIES = frozenset(
    "do does did is are was were will would can could should must may might have has had".split()
)


@dataclass
class _Sentence:
    text: str
    hits: list[Hit]
    boilerplate: bool
    figures: list[str] = field(default_factory=list)

    def keys(self, kind: str) -> set[str]:
        return {h.key for h in self.hits if h.kind == kind}


def _figures(sentence: str, lexicon: Lexicon) -> tuple[list[str], list[str]]:
    """Money amounts in a sentence with a context word (figures) and without (details)."""
    money = [s.text for s in spans(sentence) if s.kind == MONEY]
    if not money:
        return [], []
    if any(lexicon.is_figure_context(w) for w in words(sentence)):
        return money, []
    return [], money


def _analyse(
    sentences: list[str], lexicon: Lexicon, details: dict[Detail, None]
) -> list[_Sentence]:
    result = []
    for sentence in sentences:
        figures, plain_money = _figures(sentence, lexicon)
        for amount in plain_money:
            details.setdefault(Detail(MONEY, amount), None)
        result.append(
            _Sentence(sentence, lexicon.hits(sentence), lexicon.is_boilerplate(sentence), figures)
        )
    return result


def _score(labels: list[Label], base: float) -> float:
    if not labels:
        return base
    weights = sorted((label.weight for label in labels), reverse=True)
    return weights[0] + 0.25 * sum(weights[1:])


def _other_details(sentence: str, details: dict[Detail, None], lexicon: Lexicon) -> None:
    for span in spans(sentence):
        if span.kind != MONEY:
            details.setdefault(Detail(span.kind, span.text), None)
    for name in names(sentence):
        if not any(h.kind == PARTY for h in lexicon.hits(name)):
            details.setdefault(Detail("name", name), None)


class _Scorer:
    """The moves of one comparison: the labels already given, so each is given once."""

    def __init__(self, old: list[_Sentence], new: list[_Sentence], lexicon: Lexicon) -> None:
        self.old, self.new, self.lexicon = old, new, lexicon
        self.old_used = {(h.kind, h.key) for s in old for h in s.hits}
        self.new_used = {(h.kind, h.key) for s in new for h in s.hits}
        self.old_formula_texts = {_spaced(h.text) for s in old for h in s.hits if h.kind == FORMULA}
        self.new_formula_texts = {_spaced(h.text) for s in new for h in s.hits if h.kind == FORMULA}
        self.old_figures = {f for s in old for f in s.figures}
        self.new_figures = {f for s in new for f in s.figures}
        self.given: set[str] = set()
        self.moved_scales: set[str] = set()  # text scales with a move of their own

    def _label(self, kind: str, value: str, weight: float, category: str) -> Label | None:
        label = Label(kind, value, weight, category)
        if str(label) in self.given:
            return None
        self.given.add(str(label))
        return label

    def presence(self, sentence: _Sentence, side: str, *, figures: bool = True) -> list[Label]:
        """Formulae, parties and (unless not `figures`) figures of a sentence that the other
        text nowhere has."""
        other_used = self.old_used if side == ADDED else self.new_used
        other_figures = self.old_figures if side == ADDED else self.new_figures
        other_texts = self.old_formula_texts if side == ADDED else self.new_formula_texts
        verb = "added" if side == ADDED else "dropped"
        share = 1.0 if side == ADDED else DROPPED_SHARE
        labels = []
        for hit in sentence.hits:
            if hit.kind not in (FORMULA, PARTY) or (hit.kind, hit.key) in other_used:
                continue
            if hit.kind == FORMULA and _covered(hit.text, other_texts):
                continue  # "ceasefire" beside the other text's "ceasefire negotiations"
            value = self.lexicon.label(hit.key) if hit.kind == FORMULA else hit.key
            kind = f"{'formula' if hit.kind == FORMULA else 'party'}_{verb}"
            weight = self.lexicon.weight(hit) * share
            label = self._label(kind, value, weight, self.lexicon.category(hit))
            if label is not None:
                labels.append(label)
        for figure in sentence.figures if figures else ():
            if figure not in other_figures:
                weight = self.lexicon.spec.figure_weight * share
                label = self._label(f"figure_{verb}", figure, weight, "figure")
                if label is not None:
                    labels.append(label)
        return labels

    def sentence_move(self, sentence: _Sentence, side: str) -> Move:
        labels = self.presence(sentence, side)
        labels.sort(key=lambda label: -label.weight)
        before, after = (None, sentence.text) if side == ADDED else (sentence.text, None)
        return Move(side, _score(labels, SENTENCE_SCORE), tuple(labels), before, after)

    def reworded_move(self, old: _Sentence, new: _Sentence) -> Move | None:
        pieces = word_diff(old.text, new.text)
        gone, came = changed_words(pieces)
        if not (Counter(gone) - Counter(came) or Counter(came) - Counter(gone)):
            return None  # case or punctuation only
        both = bool(old.figures and new.figures)  # then the figure changed: one label below
        labels = self.presence(new, ADDED, figures=not both)
        labels += self.presence(old, REMOVED, figures=not both)
        labels += self._scale_shifts(old, new)
        labels += self._negation(old, new, gone, came)
        if both and old.figures != new.figures:
            value = f"{', '.join(old.figures)} -> {', '.join(new.figures)}"
            label = self._label("figure", value, self.lexicon.spec.figure_weight, "figure")
            labels += [label] if label is not None else []
        for scale in self.lexicon.scales.values():
            steps = [h for h in new.hits if h.kind == STEP and h.key.startswith(f"{scale.id}:")]
            if scale.scope == TEXT and steps and not labels and scale.id not in self.moved_scales:
                value = f"{scale.id} {steps[0].key.split(':', 1)[1]}"
                weight = scale.weight * REWORDED_SCALE_SHARE
                label = self._label("scale_reworded", value, weight, scale.category)
                labels += [label] if label is not None else []
        if not labels and _details_only(gone, came, old.text, new.text):
            return None
        labels.sort(key=lambda label: -label.weight)
        diff = tuple((op, text) for op, text in pieces)
        return Move(
            REWORDED, _score(labels, REWORDED_SCORE), tuple(labels), old.text, new.text, diff
        )

    def _scale_shifts(self, old: _Sentence, new: _Sentence) -> list[Label]:
        labels = []
        for scale in self.lexicon.scales.values():
            if scale.scope == TEXT:
                continue
            prefix = f"{scale.id}:"
            before = Counter(
                h.text.lower() for h in old.hits if h.kind == STEP and h.key.startswith(prefix)
            )
            after = Counter(
                h.text.lower() for h in new.hits if h.kind == STEP and h.key.startswith(prefix)
            )
            lost, gained = list((before - after).elements()), list((after - before).elements())
            if lost and gained:
                ranks = {
                    h.text.lower(): self.lexicon.rank[h.key]
                    for h in old.hits + new.hits
                    if h.kind == STEP and h.key.startswith(prefix)
                }
                if ranks[lost[0]] == ranks[gained[0]]:
                    continue
                distance = abs(ranks[lost[0]] - ranks[gained[0]])
                label = self._label(
                    "scale",
                    f"{scale.id} {lost[0]} -> {gained[0]}",
                    scale.weight * distance,
                    scale.category,
                )
                labels += [label] if label is not None else []
        return labels

    def _negation(
        self, old: _Sentence, new: _Sentence, gone: list[str], came: list[str]
    ) -> list[Label]:
        negators = {h.key for h in old.hits + new.hits if h.kind == NEGATOR}
        lost = [w for w in gone if w in negators or w.endswith("n't")]
        gained = [w for w in came if w in negators or w.endswith("n't")]
        if bool(lost) == bool(gained):
            return []
        negated = (old if lost else new).text
        phrase = _negated_phrase(negated)
        if phrase is None:
            return []
        with_neg, without = phrase
        value = f"{with_neg} -> {without}" if lost else f"{without} -> {with_neg}"
        label = self._label("negation", value, self.lexicon.spec.negation_weight, "negation")
        return [label] if label is not None else []

    def text_scales(self) -> list[Move]:
        moves = []
        for scale in self.lexicon.scales.values():
            if scale.scope != TEXT:
                continue
            prefix = f"{scale.id}:"
            before = {k for kind, k in self.old_used if kind == STEP and k.startswith(prefix)}
            after = {k for kind, k in self.new_used if kind == STEP and k.startswith(prefix)}
            if before == after:
                continue
            rank = self.lexicon.rank
            start, end = _ends(before, after, rank)
            # a scale the other text does not use at all is one step: a formula added or dropped
            distance = abs(rank[start] - rank[end]) if start and end else 1
            weight = scale.weight * max(distance, 1) * (DROPPED_SHARE if end is None else 1.0)
            value = f"{scale.id} {_step_name(start)} -> {_step_name(end)}"
            label = self._label("scale", value, weight, scale.category)
            if label is None:
                continue
            self.moved_scales.add(scale.id)
            evidence_old = next((s.text for s in self.old if start and start in s.keys(STEP)), None)
            evidence_new = next((s.text for s in self.new if end and end in s.keys(STEP)), None)
            moves.append(Move(SCALE, label.weight, (label,), evidence_old, evidence_new))
        return moves


def _ends(before: set[str], after: set[str], rank: dict[str, int]) -> tuple[str | None, str | None]:
    """Where a text scale moved from and to: the highest step of each text or, when that is the
    same, the lowest (None for a text with no step)."""

    def pick(keys: set[str], highest: bool) -> str | None:
        if not keys:
            return None
        return (max if highest else min)(keys, key=rank.__getitem__)

    start, end = pick(before, True), pick(after, True)
    if start == end:
        start, end = pick(before, False), pick(after, False)
    return start, end


def _step_name(key: str | None) -> str:
    return key.split(":", 1)[1] if key else "none"


def _spaced(text: str) -> str:
    return f" {phrase_key(text.lower())} "


def _covered(text: str, others: set[str]) -> bool:
    """Whether a formula as written lies inside a longer formula of the other text."""
    inner = _spaced(text)
    return any(inner in other and inner != other for other in others)


_WORD_AT = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _negated_phrase(sentence: str) -> tuple[str, str] | None:
    """("do not support", "support"): the negator with the auxiliary before it and the word it
    negates, and the same without the negation."""
    tokens = [m.group() for m in _WORD_AT.finditer(sentence.replace("’", "'"))]
    lowered = [t.lower() for t in tokens]
    for i, word in enumerate(lowered):
        if word in ("not", "never", "cannot") or word.endswith("n't"):
            after = next(
                (
                    tokens[k]
                    for k in range(i + 1, min(i + 4, len(tokens)))
                    if lowered[k] not in ("be", "to", "a", "the")
                ),
                None,
            )
            if after is None:
                return None
            aux = tokens[i - 1] if i and lowered[i - 1] in _AUXILIARIES else ""
            with_neg = " ".join(t for t in (aux, tokens[i], after) if t).lower()
            return with_neg, after.lower()
    return None


def _details_only(gone: list[str], came: list[str], old: str, new: str) -> bool:
    """Whether every changed word is inside a date, phone number, URL, e-mail or name."""
    inside: set[str] = set()
    for sentence in (old, new):
        for span in spans(sentence):
            if span.kind != MONEY:
                inside.update(words(span.text))
        for name in names(sentence):
            inside.update(words(name))
    changed = set(Counter(gone) - Counter(came)) | set(Counter(came) - Counter(gone))
    return bool(changed) and changed <= inside


def significance(
    old: str | Text,
    new: str | Text,
    *,
    lexicon: Lexicon | None = None,
    alignment: Alignment | None = None,
) -> Significance:
    """The moves from `old` to `new`, most significant first, and the details. `alignment` is
    `align(old sentences, new sentences)` when the caller has it already."""
    lexicon = lexicon or default_lexicon()
    a, b = prepare(old), prepare(new)
    details: dict[Detail, None] = {}
    olds = _analyse(a.sentences, lexicon, details)
    news = _analyse(b.sentences, lexicon, details)
    if alignment is None:
        alignment = align(a.sentences, b.sentences)
    scorer = _Scorer(olds, news, lexicon)
    moves: list[tuple[Move, int]] = [(m, -1) for m in scorer.text_scales()]
    for i, j, _ in alignment.changed:
        if olds[i].boilerplate or news[j].boilerplate:
            details.setdefault(Detail("boilerplate", news[j].text), None)
            continue
        move = scorer.reworded_move(olds[i], news[j])
        if move is None:
            _other_details(news[j].text, details, lexicon)
        else:
            moves.append((move, j))
    for j in alignment.added:
        if news[j].boilerplate:
            details.setdefault(Detail("boilerplate", news[j].text), None)
            continue
        _other_details(news[j].text, details, lexicon)
        moves.append((scorer.sentence_move(news[j], ADDED), j))
    for i in alignment.removed:
        if olds[i].boilerplate:
            continue
        moves.append((scorer.sentence_move(olds[i], REMOVED), len(news) + i))
    moves.sort(key=lambda pair: (-pair[0].score, pair[1]))
    return Significance(tuple(m for m, _ in moves), tuple(details), lexicon.version)
