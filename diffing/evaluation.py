"""Scoring "what moved" and version triage against a gold set (tests/gold/diffs.yaml). Pure.

- top-k precision: of the headline moves (Significance.headlines, at most k a pair), the share
  that hold a gold shift of their pair; top-k recall: of the gold shifts, the share that some
  headline move holds. A move holds a shift when one of its labels reads the same
  (`formula_added: humanitarian pause`), case and spacing aside. Both are micro-averaged over
  all moves and shifts of the pairs given.
- false-substantive rate: of the version pairs a person labelled trivial or minor, the share
  classified substantive (the alerts nobody wanted).
- baseline accuracy: of the new statements with a baseline a person chose, the share for which
  diffing.baseline chose the same earlier statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from diffing.model import MINOR, SUBSTANTIVE, TRIVIAL
from diffing.moves import HEADLINES, Move


def _norm(label: str) -> str:
    return " ".join(label.lower().split())


def holds(move: Move, shift: str) -> bool:
    """Whether one of the move's labels is the gold shift."""
    wanted = _norm(shift)
    return any(_norm(str(label)) == wanted for label in move.labels)


@dataclass(frozen=True)
class PairScore:
    """One pair: the headline labels and which of them, and of the gold shifts, matched."""

    name: str
    headlines: tuple[str, ...]
    right: int  # headline moves holding a gold shift
    shifts: tuple[str, ...]
    found: tuple[str, ...]  # gold shifts held by a headline move

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(s for s in self.shifts if s not in self.found)


@dataclass(frozen=True)
class TopKScore:
    pairs: tuple[PairScore, ...] = field(default_factory=tuple)

    @property
    def precision(self) -> float:
        moves = sum(len(p.headlines) for p in self.pairs)
        return sum(p.right for p in self.pairs) / moves if moves else 1.0

    @property
    def recall(self) -> float:
        shifts = sum(len(p.shifts) for p in self.pairs)
        return sum(len(p.found) for p in self.pairs) / shifts if shifts else 1.0


def score_pair(name: str, headlines: Sequence[Move], shifts: Sequence[str]) -> PairScore:
    right = sum(1 for move in headlines if any(holds(move, s) for s in shifts))
    found = tuple(s for s in shifts if any(holds(move, s) for move in headlines))
    return PairScore(name, tuple(m.label for m in headlines), right, tuple(shifts), found)


def top_k(
    cases: Iterable[tuple[str, Sequence[Move], Sequence[str]]], k: int = HEADLINES
) -> TopKScore:
    """Top-k precision and recall of (name, headline moves, gold shifts) cases."""
    return TopKScore(
        tuple(score_pair(name, list(moves)[:k], shifts) for name, moves, shifts in cases)
    )


def false_substantive_rate(cases: Iterable[tuple[str, str]]) -> tuple[float, int]:
    """Of (expected, got) classifications whose expected is trivial or minor, the share got
    substantive, and how many such cases there were (rate 0.0 when there were none)."""
    light = [(expected, got) for expected, got in cases if expected in (TRIVIAL, MINOR)]
    if not light:
        return 0.0, 0
    return sum(1 for _, got in light if got == SUBSTANTIVE) / len(light), len(light)


def agreement(cases: Iterable[tuple[str, str]]) -> float:
    """The share of (expected, got) classifications that agree exactly."""
    pairs = list(cases)
    return sum(1 for expected, got in pairs if expected == got) / len(pairs) if pairs else 1.0


@dataclass(frozen=True)
class BaselineCase:
    """One baseline choice: the new statement, the earlier one a person would compare it with,
    the one chosen (None when none was comparable) and, then, why."""

    name: str
    expected: str
    chosen: str | None
    reason: str = ""

    @property
    def right(self) -> bool:
        return self.chosen == self.expected


def baseline_accuracy(cases: Sequence[BaselineCase]) -> float:
    """The share of cases whose chosen baseline is the expected one (1.0 for no case)."""
    return sum(1 for case in cases if case.right) / len(cases) if cases else 1.0
