"""Snippets cut in Python (the Postgres side of search): candidates, windows, highlights."""

from __future__ import annotations

from collections.abc import Sequence

from storage.snippets import candidates, folded_text, locator, matcher, snippet

# what the database's stemmer says for these words (storage.snippets.lexemes asks it for real;
# the integration tests in tests/integration/test_search.py go through it on Postgres)
STEMS = {
    "ceasefire": frozenset({"ceasefir"}),
    "ceasefires": frozenset({"ceasefir"}),
    "cease": frozenset({"ceas"}),
    "gaza": frozenset({"gaza"}),
    "cote": frozenset({"cote"}),
    "istanbul": frozenset({"istanbul"}),
}


def cut(text: str, words: list[str], prefixes: Sequence[str] = (), **kwargs: int) -> str:
    found = candidates([text], [*words, *prefixes])
    matches = matcher(STEMS, words, prefixes)
    return snippet(text, locator({w for w in found if matches(w)}), **kwargs)


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
    filler = " ".join(f"w{i:03}" for i in range(200))  # 200 words of 4 characters
    text = f"Gaza once. {filler} Gaza and Gaza and a ceasefire. {filler} end."
    found = cut(text, ["gaza", "ceasefire"], width=60, fragments=2)
    first, second = found.split(" … ")
    # the densest window (three matches) and then the best other one, in the order of the
    # text, each about 60 characters of whole words
    assert first == "**Gaza** once. w000 w001 w002 w003 w004 w005 w006 w007 w008 w009"
    assert second == "w198 w199 **Gaza** and **Gaza** and a **ceasefire**. w000 w001 w002"
    # one fragment: the densest
    assert cut(text, ["gaza", "ceasefire"], width=60, fragments=1) == second


def test_folding_keeps_every_character_at_its_offset() -> None:
    text = "Côte d’Ivoire… İstanbul, ﬁnance and CAFÉ"
    folded = folded_text(text)
    assert len(folded) == len(text)
    assert folded == "cote d’ivoire… istanbul, ﬁnance and cafe"
    assert cut("Ministers met in İstanbul and CAFÉ.", ["istanbul"]) == (
        "Ministers met in **İstanbul** and CAFÉ."
    )


def test_no_match_gives_an_empty_snippet() -> None:
    assert cut("Nothing to see here.", ["gaza"]) == ""
    assert cut("", ["gaza"]) == ""


def test_only_words_that_could_match_are_sent_to_the_stemmer() -> None:
    texts = ["A Ceasefire in Gaza; the ceasefires held.", "Cease-fire talks, Ceará, gazelles_x."]
    assert candidates(texts, ["ceasefire", "gaza"]) == {
        "ceasefire",
        "ceasefires",
        "cease",
        "ceara",
        "gaza",
        "gazelles",
    }
    assert candidates(texts, []) == set()
