"""Snippets cut in Python (the Postgres side of search): candidates, lexemes, windows,
highlights. STEMS stands for the database (storage.snippets.lexemes asks Postgres' `deskwatch`
configuration for real; tests/integration/test_search.py goes through it)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.snippets import candidates, locator, lowered, matcher, snippet

# word (lower case, as written in a text or a query) -> its lexemes, as unaccent + Snowball give
STEMS = {
    "ceasefire": {"ceasefir"},
    "ceasefires": {"ceasefir"},
    "cease": {"ceas"},
    "gaza": {"gaza"},
    "gazelles": {"gazell"},
    "cote": {"cote"},
    "côte": {"cote"},
    "i̇stanbul": {"istanbul"},
    "İstanbul": {"istanbul"},
    "istanbul": {"istanbul"},
    "łódź": {"lodz"},
    "łodz": {"lodz"},
    "lodz": {"lodz"},
    "sanctions": {"sanction"},
    "sanctioned": {"sanction"},
    "sanitation": {"sanit"},
    "ukraine": {"ukrain"},
    "ukrainian": {"ukrainian"},
    "kyrgyzstan": {"kyrgyzstan"},
    "cafe": {"cafe"},
    "cafe\u0301": {"cafe"},
}


def cut(text: str, words: Sequence[str], prefixes: Sequence[str] = (), **kwargs: int) -> str:
    found = candidates([text], [*words, *prefixes])
    stems = {w: frozenset(STEMS.get(w, ())) for w in found | {*words, *prefixes}}
    matches = matcher(stems, words, prefixes)
    return snippet(text, locator({w for w in found if matches(w)}), **kwargs)


def test_matched_words_are_highlighted_with_their_own_spelling() -> None:
    text = "The UK calls for a sustainable Ceasefire in Gaza. Ceasefires must hold."
    assert cut(text, ["ceasefire"]) == (
        "The UK calls for a sustainable **Ceasefire** in Gaza. **Ceasefires** must hold."
    )


def test_a_word_with_the_same_first_letters_but_another_stem_is_not_highlighted() -> None:
    assert cut("Parties must cease fire.", ["ceasefire"]) == ""


def test_letters_are_folded_as_the_database_folds_them() -> None:
    assert cut("Talks with Côte d'Ivoire.", ["cote"]) == "Talks with **Côte** d'Ivoire."
    assert cut("Ministers met in İstanbul.", ["istanbul"]) == "Ministers met in **İstanbul**."
    # ł has no Unicode decomposition, unaccent folds it all the same: both ways
    assert cut("A consulate in Łódź.", ["lodz"]) == "A consulate in **Łódź**."
    assert cut("A consulate in Lodz.", ["łodz"]) == "A consulate in **Lodz**."
    # an accent written as a second character stays inside the highlight
    assert cut("The Cafe\u0301 opened.", ["cafe"]) == "The **Cafe\u0301** opened."


def test_prefix_words_match_as_postgres_matches_them_by_lexeme() -> None:
    found = cut("New sanctions and sanctioned traders, not sanitation.", [], ["sanctions"])
    assert found == "New **sanctions** and **sanctioned** traders, not sanitation."
    # ukraine* is 'ukrain':* : "Ukrainian" begins with the lexeme, not with "ukraine"
    assert cut("Talks on Ukrainian grain.", [], ["ukraine"]) == "Talks on **Ukrainian** grain."


def test_long_texts_give_the_densest_windows_in_text_order() -> None:
    filler = " ".join(f"w{i:03}" for i in range(200))  # 200 words of 4 characters
    text = f"Gaza once. {filler} Gaza and Gaza and a ceasefire. {filler} end."
    found = cut(text, ["gaza", "ceasefire"], width=60, fragments=2)
    first, second = found.split(" … ")
    # the densest window (three matches) and then the best other one, in the order of the
    # text, each about 60 characters of whole words
    assert first == "**Gaza** once. w000 w001 w002 w003 w004 w005 w006 w007 w008 w009"
    assert second == "w198 w199 **Gaza** and **Gaza** and a **ceasefire**. w000 w001 w002"
    assert cut(text, ["gaza", "ceasefire"], width=60, fragments=1) == second


def test_a_match_inside_a_long_run_without_spaces_is_kept() -> None:
    url = "https://www.gov.uk/government/news/foreign-secretary-statement-on-kyrgyzstan"
    text = "word " * 88 + f"Read {url} and share it with colleagues. " + "More. " * 60
    # the window would begin 40 characters before the match, inside the URL: it begins at the
    # match instead of at the next space (which is after it)
    found = cut(text, ["kyrgyzstan"])
    assert found.startswith("**kyrgyzstan** and share it with colleagues. More.")


def test_no_match_gives_an_empty_snippet() -> None:
    assert cut("Nothing to see here.", ["gaza"]) == ""
    assert cut("", ["gaza"]) == ""
    assert snippet("Gaza.", None) == ""


def test_lower_case_keeps_every_character_at_its_offset() -> None:
    text = "Côte d’Ivoire… İstanbul, ﬁnance and CAFÉ"
    assert len(lowered(text)) == len(text)
    assert lowered(text) == "côte d’ivoire… İstanbul, ﬁnance and café"


def test_only_words_that_could_match_are_sent_to_the_stemmer() -> None:
    texts = ["A Ceasefire in Gaza; the ceasefires held.", "Cease-fire talks, Ceará, gazelles_x."]
    assert candidates(texts, ["ceasefire", "gaza"]) == {
        "ceasefire",
        "ceasefires",
        "cease",
        "ceará",  # every word with a letter outside ASCII: the database folds it
        "gaza",
        "gazelles",
    }
    assert candidates(texts, []) == set()
