"""Snippets cut in Python (the Postgres side of search): windows, highlights, prefixes."""

from __future__ import annotations

from storage.snippets import candidates, matcher, snippet

# what the database's stemmer would say for these words (`lexemes` asks it for real)
STEMS = {
    "ceasefire": frozenset({"ceasefir"}),
    "ceasefires": frozenset({"ceasefir"}),
    "cease": frozenset({"ceas"}),
    "gaza": frozenset({"gaza"}),
    "cote": frozenset({"cote"}),
}


def test_matched_words_are_highlighted_with_their_own_spelling() -> None:
    text = "The UK calls for a sustainable Ceasefire in Gaza. Ceasefires must hold."
    found = snippet(text, matcher(STEMS, ["ceasefire"]))
    assert (
        found == "The UK calls for a sustainable **Ceasefire** in Gaza. **Ceasefires** must hold."
    )


def test_a_word_with_the_same_first_letters_but_another_stem_is_not_highlighted() -> None:
    assert snippet("Parties must cease fire.", matcher(STEMS, ["ceasefire"])) == ""


def test_diacritics_fold_before_matching() -> None:
    assert snippet("Talks with Côte d'Ivoire.", matcher(STEMS, ["cote"])) == (
        "Talks with **Côte** d'Ivoire."
    )


def test_prefix_words_match_the_beginning_of_a_word() -> None:
    found = snippet("New sanctions and sanctioned traders.", matcher({}, [], ["sanction"]))
    assert found == "New **sanctions** and **sanctioned** traders."


def test_long_texts_give_the_densest_windows_in_text_order() -> None:
    filler = " ".join(f"w{i}" for i in range(200))
    text = f"Gaza once. {filler} Gaza and Gaza and a ceasefire. {filler} end."
    found = snippet(text, matcher(STEMS, ["gaza", "ceasefire"]), max_words=12, fragments=2)
    first, second = found.split(" … ")
    # the densest window (three matches) and then the best other one, in the order of the text
    assert first.startswith("**Gaza** once.") and len(first.split()) == 12
    assert "**Gaza** and **Gaza** and a **ceasefire**" in second
    assert len(second.split()) == 12


def test_no_match_gives_an_empty_snippet() -> None:
    assert snippet("Nothing to see here.", matcher(STEMS, ["gaza"])) == ""
    assert snippet("", matcher(STEMS, ["gaza"])) == ""


def test_only_words_that_could_match_are_sent_to_the_stemmer() -> None:
    texts = ["A Ceasefire in Gaza; the ceasefires held.", "Cease-fire talks, Ceará, gazelles."]
    assert candidates(texts, ["ceasefire", "gaza"]) == {
        "ceasefire",
        "ceasefires",
        "cease",
        "ceara",
        "gaza",
        "gazelles",
    }
