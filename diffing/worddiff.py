"""The word-level diff inside one changed sentence. Pure.

A diff is a list of `[op, text]` pieces, op one of "=" (kept), "-" (removed), "+" (inserted).
Joining the "=" and "+" pieces gives the new sentence back; the "=" and "-" pieces the old one
(kept pieces carry the new typography when only quotes or dashes differ). The diff of a pair
of sentences is kept in a bounded cache (diffing.memo): the stored diff and the scorer both ask.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from diffing.memo import per_sentence
from diffing.tokens import typography_key, words

_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|\s+|[^\w\s]|_")

Piece = list[str]  # [op, text]
MAX_TOKENS = 4000
"""Longer differing stretches (after their common ends) are one replacement, not a word diff."""


def tokens(text: str) -> list[str]:
    """Words, single punctuation marks and runs of whitespace: they join back to `text`."""
    return _TOKEN.findall(text)


@per_sentence
def _key(token: str) -> str:
    return typography_key(token) if token.strip() else " "


def _append(pieces: list[Piece], op: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1][0] == op:
        pieces[-1][1] += text
    else:
        pieces.append([op, text])


def word_diff(old: str, new: str) -> list[Piece]:
    """Pieces that turn `old` into `new`, compared word by word (typography folded)."""
    return [[op, text] for op, text in _word_diff(old, new)]


@per_sentence
def _word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    a, b = tokens(old), tokens(new)
    ka, kb = [_key(t) for t in a], [_key(t) for t in b]
    # common ends first (cheap), then difflib on the middle, unless it is too long to compare
    # word by word (difflib is quadratic): then the middle is one replacement
    head = 0
    while head < min(len(ka), len(kb)) and ka[head] == kb[head]:
        head += 1
    tail = 0
    while tail < min(len(ka), len(kb)) - head and ka[-1 - tail] == kb[-1 - tail]:
        tail += 1
    raw: list[tuple[str, str, str]] = []  # (op, old text, new text)
    raw.append(("=", "".join(a[:head]), "".join(b[:head])))
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if len(mid_a) + len(mid_b) > MAX_TOKENS:
        raw.append(("~", "".join(mid_a), "".join(mid_b)))
    else:
        matcher = SequenceMatcher(
            None, ka[head : len(ka) - tail], kb[head : len(kb) - tail], autojunk=False
        )
        for opcode, i1, i2, j1, j2 in matcher.get_opcodes():
            raw.append(
                ("=" if opcode == "equal" else "~", "".join(mid_a[i1:i2]), "".join(mid_b[j1:j2]))
            )
    raw.append(("=", "".join(a[len(a) - tail :]), "".join(b[len(b) - tail :])))
    raw = [r for r in raw if r[1] or r[2]]
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
    return tuple((op, text) for op, text in pieces)


def side(pieces: list[Piece], which: str) -> str:
    """The old ("-") or new ("+") text a diff was made from."""
    return "".join(text for op, text in pieces if op in ("=", which))


def changed_words(pieces: list[Piece]) -> tuple[list[str], list[str]]:
    """The removed and the inserted words of a diff (lower-cased, punctuation dropped)."""
    removed = [w for op, text in pieces if op == "-" for w in words(text)]
    inserted = [w for op, text in pieces if op == "+" for w in words(text)]
    return removed, inserted
