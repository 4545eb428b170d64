"""What the tagger returns: plain records, ready to store or print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

COUNTRY, REGION, THEME, PERSON = "country", "region", "theme", "person"
RULE, PUBLISHER = "rule", "publisher"
# a tag's status: "tagged" (the evidence is enough) or "suggested" (some evidence, below the bar)
TAGGED, SUGGESTED = "tagged", "suggested"


class Evidence(NamedTuple):
    """One matched span. `start`/`end` are character offsets into the field's text (`field` is
    "text" for the version's text, "title" for its title); `sentence` is the sentence holding the
    match and `sentence_start` its offset, so the match inside the sentence is
    `sentence[start - sentence_start : end - sentence_start]` (for highlighting). A named tuple:
    a dense release makes hundreds, and a frozen dataclass costs several times more to build."""

    text: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    field: str = "text"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "sentence": self.sentence,
            "sentence_start": self.sentence_start,
            "field": self.field,
        }


@dataclass
class TagResult:
    kind: str
    value: str
    label: str
    score: float
    origin: str = RULE
    focus: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = TAGGED

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.value, self.origin)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "label": self.label,
            "score": self.score,
            "origin": self.origin,
            "focus": self.focus,
            "evidence": [e.as_dict() for e in self.evidence],
            "attributes": self.attributes,
            "status": self.status,
        }
