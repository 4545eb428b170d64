"""The diff record: what the `changes` table stores as its payload. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def payload(self) -> dict[str, Any]:
        """The JSON stored in changes.payload (and read back by `from_payload`)."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_dict() for c in self.changed],
            "unchanged": self.unchanged,
            "new_phrases": list(self.new_phrases),
            "dropped_phrases": list(self.dropped_phrases),
            "reasons": list(self.reasons),
        }
