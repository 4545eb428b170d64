"""The records that cross matching and the alerts outbox: what a version is (its tags with their
evidence, its classification), why it matched a subscription, and the alert that records it.
Plain frozen dataclasses; alerts/matching.py decides, storage/alerts.py stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """A sentence supporting a reason, and the (start, end) spans in it to highlight."""

    sentence: str
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class TagFact:
    """A committed rule tag of the version (theme or country) with its evidence."""

    kind: str  # theme | country
    value: str
    label: str
    focus: bool = False
    evidence: tuple[Evidence, ...] = ()
    suggested: bool = False  # below the tagger's bar: matches only rules that include_suggested


@dataclass(frozen=True)
class VersionFacts:
    """What the matcher needs to know about one stored release version."""

    version_id: int
    release_id: int
    number: int
    title: str
    text: str
    tags: tuple[TagFact, ...] = ()
    # the classification of this version's change against the previous version (None for v1)
    classification: str | None = None
    alerted: frozenset[tuple[str, str]] = frozenset()
    """(email, frequency) of everyone already alerted on an earlier version of this release:
    they keep hearing of its substantive versions even when its tags drift."""


@dataclass(frozen=True)
class Reason:
    kind: str  # theme | country | keyword | release (an earlier version alerted them)
    value: str
    label: str
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "value": self.value,
            "label": self.label,
            "evidence": [
                {"sentence": e.sentence, "spans": [list(s) for s in e.spans]} for e in self.evidence
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Reason:
        items: Any = data.get("evidence") or []
        evidence = tuple(
            Evidence(str(e["sentence"]), tuple((int(a), int(b)) for a, b in e.get("spans", [])))
            for e in items
        )
        return cls(str(data["kind"]), str(data["value"]), str(data["label"]), evidence)


@dataclass
class PlannedAlert:
    email: str
    version_id: int
    release_id: int
    frequency: str
    reasons: list[Reason] = field(default_factory=list)
    withdrawal_id: int | None = None
    """Set for an alert of the release's withdrawal (storage.withdrawals), not of a version."""
