"""The diff record: what the `changes` table stores as its payload, and the one reader of that
payload (`Diff.from_payload`). Pure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from diffing.moves import Detail, Move

TRIVIAL, MINOR, SUBSTANTIVE = "trivial", "minor", "substantive"
CLASSIFICATIONS = (TRIVIAL, MINOR, SUBSTANTIVE)


@dataclass
class Reworded:
    old: str
    new: str
    word_diff: list[list[str]]
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "word_diff": self.word_diff,
            "similarity": round(self.similarity, 4),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Reworded | None:
        """A stored pair; None unless it is a mapping. Missing or malformed keys read as empty."""
        if not isinstance(data, dict):
            return None
        return cls(
            old=_text(data.get("old")),
            new=_text(data.get("new")),
            word_diff=[
                [str(p[0]), p[1]]
                for p in _items(data.get("word_diff"))
                if isinstance(p, list | tuple) and len(p) == 2 and isinstance(p[1], str)
            ],
            similarity=_number(data.get("similarity")),
        )


@dataclass(frozen=True)
class Baseline:
    """Which earlier statement a statement diff compared with, or why it compared with none.

    `basis` is the stored basis ("theme:middle-east-escalation"), `basis_label` its name for a
    reader ("Middle East escalation"); `release_id`, `title` and `published_at` (ISO text) name
    the latest earlier statement on the basis (None when there is none in the look-back);
    `compared` says whether the diff is against it and, when not, `reason` says why in words."""

    basis: str
    basis_label: str
    release_id: int | None = None
    title: str | None = None
    published_at: str | None = None
    compared: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "basis_label": self.basis_label,
            "release_id": self.release_id,
            "title": self.title,
            "published_at": self.published_at,
            "compared": self.compared,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Baseline | None:
        """A stored baseline; None unless it is a mapping with a basis. Malformed keys read as
        empty (an id that is not an int as None)."""
        if not isinstance(data, dict) or not isinstance(data.get("basis"), str):
            return None
        release_id = data.get("release_id")
        return cls(
            basis=data["basis"],
            basis_label=_text(data.get("basis_label")) or data["basis"],
            release_id=release_id
            if isinstance(release_id, int) and not isinstance(release_id, bool)
            else None,
            title=data.get("title") if isinstance(data.get("title"), str) else None,
            published_at=data.get("published_at")
            if isinstance(data.get("published_at"), str)
            else None,
            compared=data.get("compared") is True,
            reason=_text(data.get("reason")),
        )


@dataclass
class Diff:
    """A diff of a new text against an earlier one: sentences added, removed and reworded, and
    key phrases new and dropped. For version diffs `classification`, `has_change_note` and
    `silent_edit` are set; statement diffs leave them None / False."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[Reworded] = field(default_factory=list)
    unchanged: int = 0
    new_phrases: list[str] = field(default_factory=list)
    dropped_phrases: list[str] = field(default_factory=list)
    similarity: float = 0.0
    classification: str | None = None
    has_change_note: bool = False
    silent_edit: bool = False
    reasons: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    """What moved, most significant first (diffing.significance); empty for diffs stored before
    the scorer existed."""
    details: list[Detail] = field(default_factory=list)
    """What changed without the policy changing (names, dates, phone numbers, boilerplate)."""
    baseline: Baseline | None = None
    """A statement diff's baseline (which earlier statement, or why none); None for a version
    diff."""

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def head(self, limit: int) -> Diff:
        """The same diff with at most `limit` sentences of each kind (added, removed, reworded)."""
        return replace(
            self,
            added=self.added[:limit],
            removed=self.removed[:limit],
            changed=self.changed[:limit],
        )

    @classmethod
    def from_payload(cls, payload: Any) -> Diff:
        """The diff a stored payload describes. Whatever is malformed (not a mapping, a list
        that is not a list of strings, a pair that is not a mapping) is left out, never raised:
        stored payloads outlive the code that wrote them. The classification and the flags
        live in their own columns of `changes`, not in the payload."""
        data = payload if isinstance(payload, dict) else {}
        unchanged = data.get("unchanged")
        return cls(
            added=_texts(data.get("added")),
            removed=_texts(data.get("removed")),
            changed=[
                pair
                for pair in map(Reworded.from_dict, _items(data.get("changed")))
                if pair is not None
            ],
            unchanged=unchanged if isinstance(unchanged, int) else 0,
            new_phrases=_texts(data.get("new_phrases")),
            dropped_phrases=_texts(data.get("dropped_phrases")),
            reasons=_texts(data.get("reasons")),
            moves=[m for m in map(Move.from_dict, _items(data.get("moves"))) if m is not None],
            details=[
                d for d in map(Detail.from_dict, _items(data.get("details"))) if d is not None
            ],
            baseline=Baseline.from_dict(data.get("baseline")),
        )

    def payload(self) -> dict[str, Any]:
        """The JSON stored in changes.payload (and read back by `from_payload`); "baseline" only
        on a statement diff."""
        stored = {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_dict() for c in self.changed],
            "unchanged": self.unchanged,
            "new_phrases": list(self.new_phrases),
            "dropped_phrases": list(self.dropped_phrases),
            "reasons": list(self.reasons),
            "moves": [m.to_dict() for m in self.moves],
            "details": [d.to_dict() for d in self.details],
        }
        if self.baseline is not None:
            stored["baseline"] = self.baseline.to_dict()
        return stored


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _texts(value: Any) -> list[str]:
    return [item for item in _items(value) if isinstance(item, str)]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
