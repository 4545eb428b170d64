"""Snippets cut in Python (the Postgres side of search): candidates, windows, highlights."""

from __future__ import annotations

from collections.abc import Sequence

from storage.snippets import candidates, fold, matcher, snippet

# what the database's stemmer says for these words (storage.snippets.lexemes asks it for real;
# the integration tests in tests/integration/test_search.py go through it on Postgres)
STEMS = {
    "ceasefire": frozenset({"ceasefir"}),
    "ceasefires": frozenset({"ceasefir"}),
    "cease": frozenset({"ceas"}),
    "gaza": frozenset({"gaza"}),
    "cote": frozenset({"cote"}),
}


def cut(text: str, words: list[str], prefixes: Sequence[str] = (), **kwargs: int) -> str:
    found = candidates([text], [*words, *prefixes])
    matches = matcher(STEMS, words, prefixes)
    return snippet(text, {w for w in found if matches(fold(w))}, **kwargs)


def test_matched_words_are_highlighted_with_their_own_spelling() -> None:
    text = "The UK calls for a sustainable Ceasefire in Gaza. Ceasefires must hold."
    assert cut(text, ["ceasefire"]) == (
        "The UK calls for a sustainable **Ceasefire** in Gaza. **Ceasefires** must hold."
    )


def test_a_word_with_the_same_first_letters_but_another_stem_is_not_highlighted() -> None:
    assert cut("Parties must cease fire.", ["ceasefire"]) == ""


def test_diacritics_fold_before_matching() -> None:
    assert cut("Talks with Côte d'Ivoire.", ["cote"]) == "Talks with **Côte** d'Ivoire."


def test_prefix_words_match_the_beginning_of_a_word() -> None:
    found = cut("New sanctions and sanctioned traders, not sanitation.", [], ["sanction"])
    assert found == "New **sanctions** and **sanctioned** traders, not sanitation."


def test_long_texts_give_the_densest_windows_in_text_order() -> None:
    filler = " ".join(f"w{i}" for i in range(200))
    text = f"Gaza once. {filler} Gaza and Gaza and a ceasefire. {filler} end."
    found = cut(text, ["gaza", "ceasefire"], max_words=12, fragments=2)
    first, second = found.split(" … ")
    # the densest window (three matches) and then the best other one, in the order of the text
    assert first.startswith("**Gaza** once.") and len(first.split()) == 12
    assert "**Gaza** and **Gaza** and a **ceasefire**" in second
    assert len(second.split()) == 12


def test_no_match_gives_an_empty_snippet() -> None:
    assert cut("Nothing to see here.", ["gaza"]) == ""
    assert cut("", ["gaza"]) == ""


def test_only_words_that_could_match_are_sent_to_the_stemmer() -> None:
    texts = ["A Ceasefire in Gaza; the ceasefires held.", "Cease-fire talks, Ceará, gazelles_x."]
    assert candidates(texts, ["ceasefire", "gaza"]) == {
        "Ceasefire",
        "ceasefires",
        "Cease",
        "Ceará",
        "Gaza",
        "gazelles",
    }
    assert candidates(texts, []) == set()
