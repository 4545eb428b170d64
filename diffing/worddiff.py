"""The word-level diff inside one changed sentence. Pure.

A diff is a list of `[op, text]` pieces, op one of "=" (kept), "-" (removed), "+" (inserted).
Joining the "=" and "+" pieces gives the new sentence back; the "=" and "-" pieces the old one
(kept pieces carry the new typography when only quotes or dashes differ).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from diffing.tokens import fold, words

_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|\s+|[^\w\s]|_")

Piece = list[str]  # [op, text]


def tokens(text: str) -> list[str]:
    """Words, single punctuation marks and runs of whitespace: they join back to `text`."""
    return _TOKEN.findall(text)


def _key(token: str) -> str:
    return fold(token) if token.strip() else " "


def _append(pieces: list[Piece], op: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1][0] == op:
        pieces[-1][1] += text
    else:
        pieces.append([op, text])


def word_diff(old: str, new: str) -> list[Piece]:
    """Pieces that turn `old` into `new`, compared word by word (typography folded)."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, [_key(t) for t in a], [_key(t) for t in b], autojunk=False)
    raw: list[tuple[str, str, str]] = []  # (op, old text, new text)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        raw.append(("=" if op == "equal" else "~", "".join(a[i1:i2]), "".join(b[j1:j2])))
    # a lone space kept between two changes belongs to the change: "-humanitarian pauses"
    # "+a sustainable ceasefire", not word by word
    for k in range(1, len(raw) - 1):
        op, old_text, new_text = raw[k]
        if op == "=" and not new_text.strip() and raw[k - 1][0] == "~" and raw[k + 1][0] == "~":
            raw[k] = ("~", old_text, new_text)
    pieces: list[Piece] = []
    pending_old, pending_new = "", ""
    for op, old_text, new_text in raw:
        if op == "~":
            pending_old += old_text
            pending_new += new_text
            continue
        _append(pieces, "-", pending_old)
        _append(pieces, "+", pending_new)
        pending_old = pending_new = ""
        _append(pieces, "=", new_text)
    _append(pieces, "-", pending_old)
    _append(pieces, "+", pending_new)
    return pieces


def side(pieces: list[Piece], which: str) -> str:
    """The old ("-") or new ("+") text a diff was made from."""
    return "".join(text for op, text in pieces if op in ("=", which))


def changed_words(pieces: list[Piece]) -> tuple[list[str], list[str]]:
    """The removed and the inserted words of a diff (lower-cased, punctuation dropped)."""
    removed = [w for op, text in pieces if op == "-" for w in words(text)]
    inserted = [w for op, text in pieces if op == "+" for w in words(text)]
    return removed, inserted
