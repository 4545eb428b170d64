"""Text cut into (text, marked) parts for the templates to show, escaped, with <mark>, <del> or
<ins> around the marked ones. Pure: no HTML is written here, so nothing here can inject any.

    snippet_parts("the **ceasefire** holds")    search snippets (storage.search highlights with **)
    span_parts(text, [(start, end), ...])       a tag's evidence spans in a version's text
    side_by_side(word_diff(old, new))           the two columns of a word diff
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Part = tuple[str, bool]


def snippet_parts(snippet: str, marker: str = "**") -> list[Part]:
    """Split on the highlight marker: every other piece is a match."""
    pieces = snippet.split(marker)
    if len(pieces) % 2 == 0:  # an unpaired marker is text
        pieces[-2:] = [pieces[-2] + marker + pieces[-1]]
    return [(piece, i % 2 == 1) for i, piece in enumerate(pieces) if piece]


def merged(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Spans clipped to the text, sorted, overlapping ones joined; empty ones dropped."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def span_parts(text: str, spans: Iterable[tuple[int, int]]) -> list[Part]:
    parts: list[Part] = []
    at = 0
    for start, end in merged(spans, len(text)):
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def evidence_spans(
    evidence: Sequence[dict[str, Any]], field: str = "text"
) -> list[tuple[int, int]]:
    """The (start, end) offsets of a stored tag's evidence in one field of its version."""
    spans = []
    for item in evidence or []:
        if item.get("field", "text") != field:
            continue
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int):
            spans.append((start, end))
    return spans


def side_by_side(pieces: Sequence[Sequence[str]]) -> tuple[list[Part], list[Part]]:
    """The old column (kept and removed text, removed marked) and the new one (kept and
    inserted, inserted marked) of word-diff pieces `[op, text]`."""
    old: list[Part] = []
    new: list[Part] = []
    for op, text in pieces:
        if op == "=":
            old.append((text, False))
            new.append((text, False))
        elif op == "-":
            old.append((text, True))
        elif op == "+":
            new.append((text, True))
    return old, new
