"""Proper names that hide the words inside them: "the Industrial Emissions Directive", "the
Paris Agreement", "the Climate Change and Sustainable Buildings Division", "the Gulf War".

A name here is a run of capitalised words (with the small words "and", "of", "for", "the",
"on", "in" and "&" between them) that ends in a head noun saying what kind of thing it is: an
office, a division, a directive, a treaty, a war. A theme word or a place name that begins or
sits inside such a run names that thing, not the theme or the country. Only the words after the
match are read (a name ends in its head), and only when the match is written with a capital
letter, so the check costs nothing for the usual lower-case theme word.
"""

from __future__ import annotations

from tagging.text import Document

# what organisations, laws, treaties, programmes and events are called (folded, singular and
# plural)
ORGANISATION_HEADS = frozenset(
    """office offices division divisions directorate directive directives department ministry
    agency agencies authority laboratory laboratories programme programmes program scheme
    schemes fund commission committee council institute centre center college university
    school association society foundation trust board unit team service services network
    forum group company corporation regulations regulation act bill strategy plan
    award awards scholarship scholarships fellowship fellowships prize band regiment army
    library museum""".split()
)
TREATY_HEADS = frozenset(
    """agreement agreements convention conventions accord accords treaty treaties protocol
    declaration charter war wars coast""".split()
)
NAME_HEADS = ORGANISATION_HEADS | TREATY_HEADS
CONNECTORS = frozenset({"and", "of", "for", "the", "on", "in", "&"})
_ARTICLES = frozenset({"the", "a", "an", "this", "that", "our", "its", "their", "new"})
NAME_REACH = 8  # words after the match that a name may still take to reach its head


def inside_name(
    doc: Document, first: int, last: int, heads: frozenset[str] = NAME_HEADS, titled: bool = False
) -> bool:
    """Whether tokens first..last begin or sit inside a capitalised name ending in one of
    `heads` ("Emissions" in "Industrial Emissions Directive"). The match itself must be written
    with a capital letter. With `titled`, a match right after another capitalised word in the
    body text is inside a name too, whatever its end ("Technology Partnership" in an award
    called "Best Technology Partnership", "Trade" in "UK Trade & Investment"): the words of a
    theme are written in lower case in a sentence."""
    tokens, text = doc.tokens, doc.text
    keys, starts, ends = tokens.keys, tokens.starts, tokens.ends
    if not text[starts[first]].isupper():
        return False
    if titled and first > 0 and doc.field == "text":
        before = first - 1
        gap = text[ends[before] : starts[first]]
        if gap in (" ", " & ") and text[starts[before]].isupper() and keys[before] not in _ARTICLES:
            return True
    j, n = last + 1, len(keys)
    while j < n and j <= last + NAME_REACH:
        gap = text[ends[j - 1] : starts[j]]
        if gap not in (" ", "-", " & ", "\u00a0"):
            return False
        key = keys[j]
        if key in CONNECTORS:
            j += 1
            continue
        if not text[starts[j]].isupper():
            return False
        if key in heads:
            return True
        j += 1
    return False
