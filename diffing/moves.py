"""The records "what moved" is told in: labels, moves, details and the ranked result. Pure.

Plain frozen dataclasses, each with a `to_dict()` for JSON; diffing.significance makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEADLINE_MIN = 1.5
"""A move scoring less is listed but never leads: a party alone just reaches it."""
ADDED, REMOVED, REWORDED, SCALE = "added", "removed", "reworded", "scale"
"""The kinds of move: a sentence added or removed, a sentence reworded, a text scale moved."""
HEADLINES = 3
"""How many moves a mail or `deskwatch diff` leads with."""


@dataclass(frozen=True)
class Label:
    """One shift a move holds: `kind: value` (formula_added: sustainable ceasefire)."""

    kind: str
    value: str
    weight: float
    category: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


@dataclass(frozen=True)
class Move:
    """One thing that moved. `kind` is added, removed, reworded or scale; `before` / `after` the
    sentences (None on the side that has none); `word_diff` the pieces of a reworded pair."""

    kind: str
    score: float
    labels: tuple[Label, ...] = ()
    before: str | None = None
    after: str | None = None
    word_diff: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The strongest label, or what happened to the sentence when it has none."""
        return str(self.labels[0]) if self.labels else f"sentence {self.kind}"

    @property
    def category(self) -> str | None:
        return self.labels[0].category if self.labels else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "category": self.category,
            "score": round(self.score, 3),
            "labels": [str(label) for label in self.labels],
            "before": self.before,
            "after": self.after,
            "word_diff": [list(piece) for piece in self.word_diff],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Move | None:
        """A stored move (`to_dict`'s shape); None unless it is a mapping with a kind. Labels come
        back with the stored category on the first and no weights (the score is kept)."""
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            return None
        stored = data.get("category")
        category: str = stored if isinstance(stored, str) else ""
        labels = []
        for i, text in enumerate(x for x in data.get("labels") or [] if isinstance(x, str)):
            kind, _, value = text.partition(": ")
            labels.append(Label(kind, value, 0.0, category if i == 0 else ""))
        score = data.get("score")
        found = data.get("word_diff")
        pieces: list[Any] = found if isinstance(found, list) else []
        return cls(
            kind=data["kind"],
            score=float(score) if isinstance(score, int | float) else 0.0,
            labels=tuple(labels),
            before=data.get("before") if isinstance(data.get("before"), str) else None,
            after=data.get("after") if isinstance(data.get("after"), str) else None,
            word_diff=tuple(
                (str(p[0]), p[1])
                for p in pieces
                if isinstance(p, list) and len(p) == 2 and isinstance(p[1], str)
            ),
        )


@dataclass(frozen=True)
class Detail:
    """Something that changed without the policy changing: a name, date, phone number, URL,
    e-mail, money amount without context, or a boilerplate sentence."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text}

    @classmethod
    def from_dict(cls, data: Any) -> Detail | None:
        if isinstance(data, dict) and isinstance(data.get("kind"), str):
            text = data.get("text")
            return cls(data["kind"], text if isinstance(text, str) else "")
        return None


@dataclass(frozen=True)
class Significance:
    """The moves, most significant first, and the details reported apart."""

    moves: tuple[Move, ...] = ()
    details: tuple[Detail, ...] = ()
    lexicon_version: str = ""

    def headlines(self, k: int = HEADLINES, minimum: float = HEADLINE_MIN) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.score >= minimum)[:k]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lexicon_version": self.lexicon_version,
            "headlines": [m.label for m in self.headlines()],
            "moves": [m.to_dict() for m in self.moves],
            "details": [d.to_dict() for d in self.details],
        }
