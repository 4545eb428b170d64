"""What a run did, per source and in total: printed by the CLI, published by the flow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from core import skips

UNTAGGED_IN = "untagged:"
"""A stage count per language of the untagged versions (`untagged:ar`: pipeline.stages.tag)."""


def untagged_line(count: int, languages: Iterable[str]) -> str | None:
    """The line a run prints for the versions the tag stage left untagged and their
    languages, as in "2 not tagged (ar, ur)"; None when there are none."""
    if not count:
        return None
    codes = ", ".join(sorted(languages))
    return f"{count} not tagged ({codes})" if codes else f"{count} not tagged"


@dataclass
class SourceSummary:
    source: str
    status: str  # ok, not_modified, partial, error
    new_releases: int = 0
    new_versions: int = 0
    unchanged: int = 0
    skipped: int = 0
    skips: dict[str, int] = field(default_factory=dict)
    """The `skipped` items by reason (core.skips), the commonest first."""
    from_feed: dict[str, int] = field(default_factory=dict)
    """Entries stored from the feed's own text, their link not followed, by what and why
    ("feed summary (link host not in follow_hosts)": core.skips.count_from_feed)."""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Items stored but read another way than asked (a CSS selector that matched nothing)."""
    error: str | None = None
    http_status: int | None = None
    retryable: bool = False  # the error may go away if the source is read again later
    duration_s: float = 0.0
    new_version_ids: list[int] = field(default_factory=list)


@dataclass
class RunSummary:
    sources: list[SourceSummary] = field(default_factory=list)
    # filled by the later stages: tags, diffs, alerts_created, alerts_sent, alerts_failed ...
    stages: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    """What broke unexpectedly (`ingest x: RuntimeError: ...`, `tag: ...`): the run failed."""
    untagged_languages: dict[str, int] = field(default_factory=dict)
    """Of the versions the tag stage left untagged (the `untagged` count), how many per
    detected language (the stage's `untagged:<code>` counts)."""
    warnings: list[str] = field(default_factory=list)
    """What the run skipped and went on (a config subscription that is not valid)."""

    @property
    def errors(self) -> int:
        return sum(1 for s in self.sources if s.status == "error")

    def add(self, counts: dict[str, int]) -> None:
        """Add a stage's counts (summed, should two stages report the same key)."""
        for key, value in counts.items():
            if key.startswith(UNTAGGED_IN):
                code = key[len(UNTAGGED_IN) :]
                self.untagged_languages[code] = self.untagged_languages.get(code, 0) + value
            else:
                self.stages[key] = self.stages.get(key, 0) + value

    def untagged_line(self) -> str | None:
        return untagged_line(self.stages.get("untagged", 0), self.untagged_languages)

    def totals(self) -> dict[str, int]:
        totals = {
            "sources": len(self.sources),
            "new_releases": sum(s.new_releases for s in self.sources),
            "new_versions": sum(s.new_versions for s in self.sources),
            "unchanged": sum(s.unchanged for s in self.sources),
            "errors": self.errors,
        }
        totals.update(self.stages)
        return totals

    def to_dict(self) -> dict[str, Any]:
        sources = []
        for s in self.sources:
            item = asdict(s)
            item.pop("new_version_ids")
            sources.append(item)
        result: dict[str, Any] = {
            "totals": self.totals(),
            "sources": sources,
            "duration_s": round(self.duration_s, 3),
        }
        if self.untagged_languages:
            result["untagged_languages"] = dict(sorted(self.untagged_languages.items()))
        if self.warnings:
            result["warnings"] = list(self.warnings)
        return result

    def to_markdown(self) -> str:
        lines = [
            "| source | status | new releases | new versions | unchanged | errors "
            "| skipped, warnings | duration (s) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in self.sources:
            error = (s.error or "; ".join(s.problems[:3]) or "").replace("|", "\\|")
            read = (
                skips.reasons_line(s.skips),
                skips.from_feed_line(s.from_feed),
                skips.warnings_line(s.warnings),
            )
            skipped = "; ".join(part for part in read if part).replace("|", "\\|")
            lines.append(
                f"| {s.source} | {s.status} | {s.new_releases} | {s.new_versions} | "
                f"{s.unchanged} | {error} | {skipped or s.skipped} | {s.duration_s:.2f} |"
            )
        lines += ["", "| total | count |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in self.totals().items()]
        if (untagged := self.untagged_line()) is not None:
            lines += ["", untagged]
        if self.warnings:
            lines += ["", "**Warnings**", ""] + [f"- {w}" for w in self.warnings]
        if self.failures:
            lines += ["", "**Unexpected failures**", ""] + [f"- {f}" for f in self.failures]
        return "\n".join(lines)
