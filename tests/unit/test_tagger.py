"""The tagger on its own (pure): countries, regions, themes, people, evidence, rules as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.folding import ascii_fold
from core.tags import TagResult
from tagging.matcher import PhraseIndex
from tagging.tagger import Tagger, get_tagger
from tagging.taxonomy import DEFAULT_PLACES_PATH, DEFAULT_TAXONOMY_PATH, expand, load_taxonomy
from tagging.text import Document

SEED = Path(__file__).resolve().parents[2] / "seeds" / "releases"
SEED_TEXT = (SEED / "2023-11-07-foreign-and-defence-secretaries-g7-japan.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return get_tagger(load_taxonomy())


def rule(tags: list[TagResult], kind: str) -> dict[str, TagResult]:
    return {t.value: t for t in tags if t.kind == kind and t.origin == "rule"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Talks with Türkiye and with Turkey's neighbours.", {"TR"}),
        ("A visit to Czechia.", {"CZ"}),
        ("Côte d'Ivoire and Ivory Coast and Cote d’Ivoire.", {"CI"}),
        ("Myanmar, also called Burma.", {"MM"}),
        ("The DPRK and North Korea.", {"KP"}),
        ("The Republic of Korea and South Korea.", {"KR"}),
        ("The Democratic Republic of the Congo and the DRC.", {"CD"}),
        ("Ukrainian, Japanese, Israeli and Palestinian students.", {"UA", "JP", "IL", "PS"}),
        ("From Tokyo to Hiroshima, Kyiv, Tel Aviv and Niamey.", {"JP", "UA", "IL", "NE"}),
        ("In Gaza and the West Bank.", {"PS"}),
        ("The Kremlin denied it.", {"RU"}),
        ("Papua New Guinea joined.", {"PG"}),
        ("South Sudan held talks.", {"SS"}),
        ("The government of Niger held talks.", {"NE"}),  # Niger needs evidence (River Niger)
        ("The Republic of the Congo held talks.", {"CG"}),
        ("Business leaders from New Mexico arrived.", set()),
        ("The ambassador arrived.", set()),
        ("Farmers warned about the price of turkey at Christmas.", set()),
        ("The Governor of Georgia welcomed investors to Atlanta.", set()),
        ("The UK supports Georgia's sovereignty and territorial integrity.", {"GB", "GE"}),
        ("Jordan Taylor said winters were warmer.", set()),
        ("The minister met the King of Jordan in Amman.", {"JO"}),
        ("Chad Robinson coaches rugby.", set()),
        ("Refugees are crossing from Sudan into Chad.", {"SD", "TD"}),
        ("They told us about it.", set()),
        ("The US and the UK.", {"US", "GB"}),
        ("The Indian Ocean.", set()),
        ("Northern Ireland and the Republic of Ireland.", {"GB", "IE"}),
        ("Kosovo and the Holy See.", {"XK", "VA"}),
        ("The Dominican Republic and Dominica.", {"DO", "DM"}),
    ],
)
def test_hard_country_cases(tagger: Tagger, text: str, expected: set[str]) -> None:
    assert set(rule(tagger.tag(text), "country")) == expected


def test_regions_are_their_own_kind(tagger: Tagger) -> None:
    text = "Instability in the Sahel, the Gulf, the Western Balkans, the Middle East and the Indo-Pacific."
    assert set(rule(tagger.tag(text), "region")) == {
        "sahel",
        "gulf",
        "western-balkans",
        "middle-east",
        "indo-pacific",
    }
    assert rule(tagger.tag("A storm in the Gulf of Mexico."), "region") == {}


def test_the_seed_release(tagger: Tagger) -> None:
    title = "Foreign Secretary and Defence Secretary in Japan for G7 foreign ministers and UK-Japan 2+2 talks"
    tags = tagger.tag(SEED_TEXT, title=title)
    countries = rule(tags, "country")
    assert {"JP", "GB", "IL", "PS", "UA", "RU"} <= set(countries)
    assert countries["JP"].focus and not countries["IL"].focus
    assert countries["JP"].score > countries["IL"].score
    themes = rule(tags, "theme")
    assert {
        "middle-east-escalation",
        "ukraine-support",
        "indo-pacific",
        "defence-security",
        "trade-economic-security",
    } <= set(themes)
    # the passing mention of climate change is no tag, only a suggestion, and is explained
    assert "climate-change" not in themes
    suggested = rule(tagger.tag_with_reason(SEED_TEXT, title=title).tags, "theme")
    assert suggested["climate-change"].status == "suggested"
    assert [e.text for e in suggested["climate-change"].evidence] == ["climate change"]
    people = rule(tags, "person")
    assert people["James Cleverly"].attributes["role"] == "Foreign Secretary"
    assert people["Grant Shapps"].attributes["role"] == "Defence Secretary"
    kamikawa = people["Yōko Kamikawa"].attributes
    assert (kamikawa["role"], kamikawa["country"], kamikawa["ascii"]) == (
        "Minister for Foreign Affairs",
        "JP",
        "Yoko Kamikawa",
    )
    assert people["Minoru Kihara"].attributes["role"] == "counterpart of the Defence Secretary"


def test_every_evidence_span_points_into_its_field(tagger: Tagger) -> None:
    title = "UK and Japan sign defence pact"
    for tag in tagger.tag(SEED_TEXT, title=title):
        for ev in tag.evidence:
            source = SEED_TEXT if ev.field == "text" else title
            assert source[ev.start : ev.end] == ev.text
            inner = ev.sentence[ev.start - ev.sentence_start : ev.end - ev.sentence_start]
            assert inner == ev.text


def test_title_and_first_paragraph_weigh_more(tagger: Tagger) -> None:
    body = "Talks went well.\n\nLater, France was mentioned. Spain too."
    tags = rule(tagger.tag(body, title="Minister visits France"), "country")
    assert tags["FR"].focus and not tags["ES"].focus
    assert tags["FR"].score > tags["ES"].score


def test_quoted_speakers_and_roles_after_a_comma(tagger: Tagger) -> None:
    text = "The Prime Minister, Keir Starmer, met ministers.\n\nDavid Lammy said: we stand firm."
    people = rule(tagger.tag(text), "person")
    assert people["Keir Starmer"].attributes["role"] == "Prime Minister"
    assert "David Lammy" in people and "role" not in people["David Lammy"].attributes


def test_roles_in_apposition(tagger: Tagger) -> None:
    text = (
        "James Cleverly, the Foreign Secretary, met Catherine Colonna, the French Foreign "
        "Minister, in Paris. Today, the Prime Minister spoke. In London, the Defence Secretary met."
    )
    people = rule(tagger.tag(text), "person")
    assert set(people) == {"James Cleverly", "Catherine Colonna"}
    assert people["James Cleverly"].attributes["role"] == "Foreign Secretary"
    assert people["Catherine Colonna"].attributes["role"] == "Foreign Minister"
    assert people["Catherine Colonna"].attributes["country"] == "FR"
    [evidence] = people["James Cleverly"].evidence
    assert evidence.text == "James Cleverly, the Foreign Secretary"


def test_near_and_not_rules(tagger: Tagger) -> None:
    assert "defence-security" not in rule(
        tagger.tag("Changes to social security and a security deposit scheme."), "theme"
    )
    assert "trade-economic-security" not in rule(
        tagger.tag("Trade union leaders met trade unionists about pay."), "theme"
    )
    # "Ukraine" counts for the theme only near a support word
    assert "ukraine-support" not in rule(tagger.tag("A football match against Ukraine."), "theme")
    assert "ukraine-support" in rule(
        tagger.tag("New military aid for Ukraine and training for Ukraine's armed forces."), "theme"
    )


def test_publisher_links_sit_beside_rule_tags(tagger: Tagger) -> None:
    links = [
        {"kind": "world_location", "value": "/world/japan", "title": "Japan"},
        {"kind": "world_location", "value": "/world/mission", "title": "Another location"},
        {"kind": "person", "value": "/government/people/yoko", "title": "Yōko Kamikawa"},
        {"kind": "organisation", "value": "/government/fcdo", "title": "FCDO"},
    ]
    tags = tagger.tag("The UK and Japan met.", links=links)
    keys = {(t.kind, t.value, t.origin) for t in tags}
    assert ("country", "JP", "publisher") in keys and ("country", "JP", "rule") in keys
    person = next(t for t in tags if t.kind == "person")
    assert (person.origin, person.attributes["ascii"]) == ("publisher", "Yoko Kamikawa")
    assert len([t for t in tags if t.origin == "publisher"]) == 2
    odd = tagger.tag("Japan.", links=["japan", None, {"kind": "world_location"}, {}])  # type: ignore[list-item]
    assert [t.origin for t in odd] == ["rule"]


def test_empty_and_odd_text(tagger: Tagger) -> None:
    assert tagger.tag("") == []
    assert tagger.tag("   \n\n  ") == []
    assert rule(tagger.tag("UKRAINE"), "country") == {
        "UA": rule(tagger.tag("UKRAINE"), "country")["UA"]
    }
    tags = tagger.tag("🙂 " * 100 + "Japan")
    assert set(rule(tags, "country")) == {"JP"}


def test_text_tools() -> None:
    doc = Document.of("Mr. Smith went to Tokyo. He met Dr. Lee there!\n\nNew paragraph")
    assert [doc.text[s:e] for s, e in zip(doc.sentence_starts, doc.sentence_ends, strict=True)] == [
        "Mr. Smith went to Tokyo.",
        "He met Dr. Lee there!",
        "New paragraph",
    ]
    assert ascii_fold("Yōko Kamikawa, Türkiye") == "Yoko Kamikawa, Turkiye"
    assert expand("sanction{,s,ed}") == ["sanction", "sanctions", "sanctioned"]
    assert expand("{a,b{c,d}} x") == ["a x", "bc x", "bd x"]


def test_phrase_index_is_leftmost_longest() -> None:
    index = PhraseIndex()
    index.add("Guinea", "GN", "cap")
    index.add("Papua New Guinea", "PG", "cap")
    index.add("Equatorial Guinea", "GQ", "cap")
    index.compile()
    doc = Document.of("Papua New Guinea, Guinea and Equatorial Guinea; guinea pigs.")
    assert [m.payloads[0] for m in index.scan(doc.tokens, doc.text)] == ["PG", "GN", "GQ"]


def _taxonomy_copy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_editing_the_taxonomy_changes_its_version_and_tags(tmp_path: Path) -> None:
    original = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    edited = original.replace(
        '      - {text: "climate change", weight: 1.5}',
        '      - {text: "climate change", weight: 1.5}\n      - {text: "heatwave", weight: 3}',
    )
    assert edited != original
    path = _taxonomy_copy(tmp_path, edited)
    before, after = load_taxonomy(), load_taxonomy(path, DEFAULT_PLACES_PATH)
    assert before.version != after.version
    text = "A heatwave hit the region."
    assert "climate-change" not in rule(get_tagger(before).tag(text), "theme")
    assert "climate-change" in rule(get_tagger(after).tag(text), "theme")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s.replace("threshold: 2.0\n", "threshold: 2.0\ncolour: red\n", 1),
            "unknown key",
        ),
        (lambda s: s.replace("- id: sanctions", "- id: Sanctions!"), "lower-case words"),
        (lambda s: s.replace("- id: humanitarian", "- id: sanctions"), "two themes have the id"),
        (lambda s: s.replace("themes:", "themes: [", 1), "invalid YAML"),
        (lambda s: s.replace("medtop:20000418", "iptc-climate"), "String should match"),
    ],
)
def test_a_bad_taxonomy_is_one_clear_error(tmp_path: Path, change, message: str) -> None:
    path = _taxonomy_copy(tmp_path, change(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")))
    with pytest.raises(ConfigError) as exc:
        load_taxonomy(path)
    assert str(path) in str(exc.value) and message in str(exc.value)


def test_missing_taxonomy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_every_default_theme_has_an_iptc_code() -> None:
    taxonomy = load_taxonomy()
    assert set(taxonomy.theme_ids) >= {
        "ukraine-support",
        "middle-east-escalation",
        "indo-pacific",
        "defence-security",
        "trade-economic-security",
        "climate-change",
        "sanctions",
        "humanitarian",
        "migration",
        "science-technology",
        "human-rights",
        "multilateral-diplomacy",
    }
    assert all(t.iptc.code.startswith("medtop:") for t in taxonomy.spec.themes)
