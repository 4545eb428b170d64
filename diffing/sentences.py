"""Split a release's text into sentences. Pure.

Blank lines are hard boundaries, and so are line ends, since extracted text puts headings, list
items and paragraphs on lines of their own, except where a line was hard-wrapped: it ends
mid-sentence and the next line goes on in lower case, or it is long (a heading is short). Inside
a line a sentence ends at `.`, `!` or `?` (and any closing quote or bracket)
followed by a space and a capital letter, a digit or an opening quote, unless the word before the
full stop is a known abbreviation (Mr., e.g., U.S.) or a single initial.
"""

from __future__ import annotations

import re

from diffing.memo import per_sentence

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st rt hon gen lt col maj capt cpt sgt adm cdr gov sen rep sr jr no nos vol
    art para paras fig co corp inc ltd dept est approx etc vs cf al e.g i.e u.s u.k u.n e.u a.m
    p.m jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9À-ÖØ-Þ])""")


def _is_abbreviation(before: str) -> bool:
    before = before.removesuffix("\n")  # (as a regex's `$` would: lines have no line ends)
    if not before or before[-1].isspace():
        return False  # no word right before the full stop
    word = before.rsplit(None, 1)[-1].lower().rstrip(".").lstrip("(\"'“‘")
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith"
    return word in _ABBREVIATIONS


def split_line(line: str) -> list[str]:
    return list(_split_line(line))


@per_sentence
def _split_line(line: str) -> tuple[str, ...]:
    """The sentences of one line (kept per line: two versions of a page share most lines)."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        end = match.end(1)
        candidate = line[start:end]
        if match.group(1).startswith(".") and _is_abbreviation(line[start : match.start(1)]):
            continue
        if candidate.strip():
            sentences.append(candidate.strip())
        start = match.end()
    rest = line[start:].strip()
    if rest:
        sentences.append(rest)
    return tuple(sentences)


_TERMINAL = tuple('.!?:;…"”’)]')
WRAP_WIDTH = 60
"""A line at least this long that ends mid-sentence was wrapped, not a heading."""


def _wrapped(line: str, following: str) -> bool:
    """Whether `following` continues `line` (hard-wrapped text) rather than starting anew."""
    if not line or not following or line.endswith(_TERMINAL):
        return False
    first = following[0]
    return first.islower() or first.isdigit() or len(line) >= WRAP_WIDTH


def lines(text: str) -> list[str]:
    """The text's lines with hard-wrapped ones joined again; blank lines always separate."""
    joined: list[str] = []
    previous_blank = True
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            previous_blank = True
            continue
        if joined and not previous_blank and _wrapped(joined[-1], line):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
        previous_blank = False
    return joined


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, stripped; empty lines give nothing."""
    sentences: list[str] = []
    for line in lines(text):
        sentences.extend(_split_line(line))
    return sentences
