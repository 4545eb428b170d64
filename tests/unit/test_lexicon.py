"""The significance lexicon: the bundled file validates and compiles, phrases match as documented,
and a bad file is one clear line naming it (diffing.lexicon)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from diffing.lexicon import DEFAULT_LEXICON_PATH, default_lexicon, expand, load_lexicon

MINIMAL = """
version: "t1"
formulae:
  - {id: ceasefire, category: force, weight: 3, phrases: ["{ceasefire,cease-fire}"]}
  - {id: self-defence, category: force, weight: 2, phrases: ["right to {self-defence,defend itself}"]}
scales:
  - id: condemnation
    category: condemnation
    weight: 2
    scope: text
    steps:
      - {id: condemn, phrases: ["condemn{,s,ed}"]}
      - {id: strongly, phrases: ["strongly condemn{,s,ed}"]}
negators: [not]
parties:
  - {id: United States, phrases: [US, United States]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def keys(lexicon_text: str, sentence: str, tmp_path: Path) -> list[tuple[str, str, str]]:
    lexicon = load_lexicon(write(tmp_path, lexicon_text))
    return [(h.kind, h.key, h.text) for h in lexicon.hits(sentence)]


def test_expand_writes_alternatives() -> None:
    assert expand("condemn{,s,ed}") == ["condemn", "condemns", "condemned"]
    assert expand("right to {self-defence,defend {itself,themselves}}") == [
        "right to self-defence",
        "right to defend itself",
        "right to defend themselves",
    ]
    assert expand("{release,return} of {all,} hostages") == [
        "release of all hostages",
        "release of hostages",
        "return of all hostages",
        "return of hostages",
    ]
    with pytest.raises(ConfigError, match="unbalanced"):
        expand("condemn{s")


def test_the_bundled_lexicon_loads_and_ships_beside_the_taxonomy() -> None:
    lexicon = default_lexicon()
    assert DEFAULT_LEXICON_PATH.name == "lexicon.yaml"
    assert DEFAULT_LEXICON_PATH.parent.name == "seeds"
    assert lexicon.version.startswith(lexicon.spec.version + "+")
    assert {"advice", "condemnation", "modality"} <= set(lexicon.scales)
    assert {s.category for s in lexicon.spec.formulae} >= {
        "force",
        "humanitarian",
        "support",
        "sanctions",
        "advice",
    }


def test_longest_phrase_first_case_and_hyphens(tmp_path: Path) -> None:
    found = keys(
        MINIMAL,
        "We strongly condemn the attack, back Israel’s right to self defence and the US "
        "cease-fire; ask us not to.",
        tmp_path,
    )
    assert found == [
        ("step", "condemnation:strongly", "strongly condemn"),
        ("formula", "self-defence", "right to self defence"),
        ("party", "United States", "US"),
        ("formula", "ceasefire", "cease-fire"),
        ("negator", "not", "not"),
    ]


def test_the_version_follows_the_file(tmp_path: Path) -> None:
    first = load_lexicon(write(tmp_path, MINIMAL)).version
    second = load_lexicon(write(tmp_path, MINIMAL + "figure_context: [aid]\n")).version
    assert first.startswith("t1+") and second.startswith("t1+") and first != second


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: [unclosed", "invalid YAML"),
        (MINIMAL + "colour: red\n", "colour: unknown key"),
        (MINIMAL.replace("weight: 3", "weight: 0"), "formulae.0.weight"),
        (MINIMAL.replace("scope: text", "scope: page"), "scales.0.scope"),
        (MINIMAL + "boilerplate: ['(unclosed']\n", "is not a regex"),
        (
            MINIMAL.replace('phrases: ["condemn{,s,ed}"]', 'phrases: ["ceasefire"]'),
            "is in both",
        ),
        (MINIMAL.replace("id: self-defence", "id: ceasefire"), "two entries have the id"),
    ],
)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_lexicon(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(str(path)) and message in line


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lexicon file not found"):
        load_lexicon(tmp_path / "nope.yaml")


def test_a_phrase_does_not_run_across_punctuation(tmp_path: Path) -> None:
    found = keys(MINIMAL, "They have the right to. Defend itself, they say; cease, fire", tmp_path)
    assert found == []
    assert keys(MINIMAL, "the right to defend–itself", tmp_path) == [
        ("formula", "self-defence", "right to defend–itself")
    ]
