"""Words, stop words and the loose form of a text used to compare two sentences. Pure."""

from __future__ import annotations

import re
import unicodedata

from core.normalise import normalise_for_hash

WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
"""A word: letters or digits, with inner apostrophes or hyphens (UK's, co-operation, 18-60)."""

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    may might must shall us per via upon within without across along among amongst around
    including whether however therefore thus yet still already ever even well today tomorrow
    yesterday new said says say saying calls call called calling urge urges urged welcome
    welcomes welcomed announce announces announced statement added adds make makes made
    continue continues continued remain remains remained take takes took also please see
    """.split()
)
"""Function words, plus reporting verbs that open statements and never carry the policy
("the UK calls for", "the minister said"). Trimmed from the ends of key phrases."""

SIGNIFICANT_WORDS = frozenset(
    """
    no not never nor against all only must should shall may might will would can cannot could
    without none any every some more less most least before after until unless if
    """.split()
)
"""Stop words whose change alters what a sentence says (negation, modality, quantity, time):
changing one makes a version change substantive."""

MONTHS = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun".split()
)


def typography_key(text: str) -> str:
    """Typography folded (curly quotes, dashes, odd spaces) and whitespace collapsed: the key
    under which two sentences or words count as the same (as for the version hash). ASCII text
    has no typography to fold and is its own NFKC form: only its whitespace is collapsed."""
    if text.isascii():
        return " ".join(text.split())
    return normalise_for_hash(text)


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, curly apostrophes straightened."""
    return WORD.findall(text.lower().replace("’", "'"))


def loose(text: str) -> str:
    """Letter case, punctuation and whitespace removed: two texts with the same loose form differ
    only typographically (a `trivial` change)."""
    text = unicodedata.normalize("NFKC", typography_key(text)).casefold()
    return " ".join(WORD.findall(text))


_TERM = re.compile(r"\w+")
_SPLIT_STOP_WORDS = STOP_WORDS | {"s", "t", "d", "ll", "re", "ve", "m", "_"}


def content_words(text: str) -> list[str]:
    """Words that carry meaning, for similarity: stop words dropped, numbers kept. Split at
    apostrophes and hyphens (cheaper, and "co-operation" still shares "operation")."""
    return [w for w in _TERM.findall(text.lower()) if w not in _SPLIT_STOP_WORDS]


_DIGIT = re.compile(r"\d")


def has_digit(word: str) -> bool:
    return _DIGIT.search(word) is not None
