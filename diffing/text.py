"""A text prepared once for diffing: its sentences, content words and key phrases, each computed
on first use. Pure."""

from __future__ import annotations

from collections import Counter
from functools import cached_property

from diffing.phrases import phrase_counts
from diffing.sentences import split_sentences
from diffing.tokens import content_words


class Text:
    """A text and, computed on first use, its sentences, content words and key phrases (a
    candidate that is only ranked never needs its sentences or phrases)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)

    @cached_property
    def terms(self) -> list[str]:
        return content_words(self.text)

    @cached_property
    def phrase_counts(self) -> Counter[str]:
        """How often each key phrase occurs, in order of first use (diffing.phrases; a
        candidate whose phrases only are read is never split into sentences)."""
        return phrase_counts(self.text)

    @cached_property
    def phrases(self) -> list[str]:
        return list(self.phrase_counts)


def prepare(text: str | Text) -> Text:
    return text if isinstance(text, Text) else Text(text)
