"""The per-sentence caches of diffing (diffing.memo): bounded, clearable, and never shared state
a caller can change."""

from __future__ import annotations

from diffing import memo
from diffing.details import names, spans
from diffing.lexicon import _hits, default_lexicon
from diffing.sentences import split_line
from diffing.worddiff import word_diff

SENTENCE = (
    "The UK calls for an immediate ceasefire, Foreign Secretary James Cleverly said on 9 October."
)


def test_a_cached_function_keeps_at_most_the_cache_size() -> None:
    calls: list[int] = []

    @memo.per_sentence
    def double(n: int) -> int:
        calls.append(n)
        return 2 * n

    for n in range(memo.SENTENCE_CACHE + 10):
        double(n)
    assert double.cache_info().currsize == memo.SENTENCE_CACHE  # type: ignore[attr-defined]
    double(memo.SENTENCE_CACHE + 9)  # the newest is still there
    assert len(calls) == memo.SENTENCE_CACHE + 10
    double(0)  # the oldest was dropped: computed again
    assert len(calls) == memo.SENTENCE_CACHE + 11


def test_clear_empties_the_caches() -> None:
    default_lexicon().hits(SENTENCE)
    assert _hits.cache_info().currsize > 0  # type: ignore[attr-defined]
    memo.clear()
    assert _hits.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_changing_a_result_does_not_change_the_next_one() -> None:
    lexicon = default_lexicon()
    first = lexicon.hits(SENTENCE)
    assert first
    first.clear()
    assert lexicon.hits(SENTENCE) == list(lexicon.match(SENTENCE))

    found = spans(SENTENCE)
    found.append(found[0])
    assert len(spans(SENTENCE)) == len(found) - 1

    people = names(SENTENCE)
    people.append("Nobody")
    assert "Nobody" not in names(SENTENCE)

    pieces = word_diff("We call for a pause.", "We call for a ceasefire.")
    pieces[2][1] = "changed"
    assert word_diff("We call for a pause.", "We call for a ceasefire.")[2] == ["+", "ceasefire"]

    parts = split_line("One. Two.")
    parts.append("Three.")
    assert split_line("One. Two.") == ["One.", "Two."]
