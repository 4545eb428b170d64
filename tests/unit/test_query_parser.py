"""The search query language: what parses to what, and every malformed query's one line."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import QueryError
from core.query import And, Filter, Not, Or, Phrase, Term, describe, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ceasefire", "ceasefire"),
        ("Japan defence", "(japan defence)"),
        ("japan AND defence", "(japan defence)"),
        ('"sustainable ceasefire"', '"sustainable ceasefire"'),
        ("gaza OR lebanon", "(gaza OR lebanon)"),
        ("a b OR c", "((a b) OR c)"),
        ("sanction*", "sanction*"),
        ("-russia", "-russia"),
        ("NOT russia ukraine", "(-russia ukraine)"),
        ("NOT NOT russia", "russia"),
        ("(gaza -hamas) OR lebanon", "((gaza -hamas) OR lebanon)"),
        ("co-operation", '"co operation"'),
        ("Côte d'Ivoire", '(côte "d ivoire")'),
        ("-(gaza OR lebanon) truce", "(-(gaza OR lebanon) truce)"),
        ("!!! ceasefire", "ceasefire"),
        ('"" x', "x"),
        ("and or not", "(and or not)"),
    ],
)
def test_text_parses(text: str, expected: str) -> None:
    assert describe(parse(text).text) == expected


def test_tree_shape() -> None:
    query = parse('ukraine ("grain corridor" OR export*) -russia')
    assert query.text == And(
        (
            Term("ukraine"),
            Or((Phrase(("grain", "corridor")), Term("export", prefix=True))),
            Not(Term("russia")),
        )
    )


def test_filters() -> None:
    query = parse(
        'defence theme:Defence-Security country:jp,kr person:"Yōko Kamikawa" source:seeds '
        "type:press_release -country:RU since:2023-10 until:2024"
    )
    assert query.text == Term("defence")
    assert query.filters == (
        Filter("theme", ("defence-security",)),
        Filter("country", ("JP", "KR")),
        Filter("person", ("Yōko Kamikawa",)),
        Filter("source", ("seeds",)),
        Filter("type", ("press_release",)),
        Filter("country", ("RU",), negated=True),
    )
    assert query.since == date(2023, 10, 1)
    assert query.until == date(2024, 12, 31)


def test_until_month_is_its_last_day() -> None:
    assert parse("until:2024-02").until == date(2024, 2, 29)
    assert parse("until:2024-02-10").until == date(2024, 2, 10)


def test_filters_only_and_empty() -> None:
    assert parse("theme:sanctions").text is None
    assert parse("").is_empty
    assert parse("   ").is_empty
    assert not parse("since:2024-01-01").is_empty


def test_tokens_keep_combining_marks_in_the_word() -> None:
    from core.query import tokens

    assert tokens("لٍم تعتبر") == ("لٍم", "تعتبر")
    assert tokens("Regime-specific U.K. 3.5 snake_case") == (
        "regime", "specific", "u", "k", "3", "5", "snake", "case"
    )  # fmt: skip
    assert tokens("Co\u0302te") == ("côte",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"sustainable ceasefire', "unbalanced quote"),
        ('person:"Yoko', "unbalanced quote"),
        ("(gaza OR lebanon", "unbalanced parenthesis: the ( at position 1"),
        ("gaza)", "unbalanced parenthesis: the ) at position 5"),
        ("colour:red", "unknown field 'colour:'"),
        ("https://example.org", "unknown field 'https:'"),
        ("since:yesterday", "bad date 'yesterday' for since"),
        ("since:2024-02-30", "bad date '2024-02-30'"),
        ("until:2024-13", "bad date"),
        ("since:2024-05-01 until:2024-01-01", "is after"),
        ("theme:", "'theme:' needs a value"),
        ("country:JP,", "empty value"),
        ("gaza OR", "OR at position 6 has nothing after it"),
        ("OR gaza", "OR at position 1 has nothing before it"),
        ("AND gaza", "AND at position 1"),
        ("gaza AND", "AND at position 6"),
        ("NOT", "NOT at position 1 has nothing after it"),
        ("()", "empty parentheses"),
        ("theme:sanctions OR gaza", "cannot be beside OR"),
        ("(gaza country:IL)", "cannot be inside parentheses"),
        ("-gaza OR lebanon", "each side of OR"),
        ("(-gaza -hamas) lebanon", "a group of only negated words"),
        ("-since:2024-01-01", "cannot be negated"),
        ("sanc*tion", "'*' at position 1 may only end a word"),
        ("*", "must end a word"),
        ("x" * 2001, "longer than"),
        (" ".join(f"w{i}" for i in range(65)), "more than 64 words"),
        ("(" * 20 + "x" + ")" * 20, "too deeply"),
    ],
)
def test_malformed_queries_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_sql_looking_input_is_only_words() -> None:
    query = parse("x'; DROP TABLE releases; --")
    assert describe(query.text) == "(x drop table releases)"
    with pytest.raises(QueryError, match="unbalanced parenthesis"):
        parse("x'); DROP TABLE releases; --")
