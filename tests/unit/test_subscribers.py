"""Subscription specs: normalised, keyed and validated. Pure."""

from __future__ import annotations

import pytest

from core.subscriptions import SubscriptionSpec, problems, valid_email

COUNTRIES = {"UA", "PS", "IL", "JP"}
THEMES = {"ukraine-support", "sanctions"}


def test_build_normalises_and_the_key_ignores_order_and_case() -> None:
    a = SubscriptionSpec.build(
        " Desk@Example.ORG ",
        themes=["Sanctions", "ukraine-support", "sanctions"],
        countries=["ua", " PS "],
        keywords=['"Grain  corridor"', "grain corridor"],
    )
    assert a.email == "desk@example.org"
    assert a.themes == ("sanctions", "ukraine-support")
    assert a.countries == ("UA", "PS")
    assert a.keywords == ("Grain corridor",)  # keywords match case-insensitively: one
    b = SubscriptionSpec.build(
        "desk@example.org",
        themes=["ukraine-support", "sanctions"],
        countries=["PS", "UA"],
        keywords=["grain corridor"],
    )
    assert a.key == b.key
    assert a.key != SubscriptionSpec.build("desk@example.org", themes=["sanctions"]).key


@pytest.mark.parametrize(
    "address",
    ["a@example.org", "first.last+tag@sub.example.co.uk", "x_y@a-b.example"],
)
def test_valid_emails(address: str) -> None:
    assert valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plain",
        "@example.org",
        "a@",
        "a@localhost",
        "a b@example.org",
        "a@exa mple.org",
        ".a@example.org",
        "a..b@example.org",
        "a@example.org\r\nBcc: b@example.org",
        "a@-example.org",
        "<a@example.org>",
        "a@example.org,b@example.org",
        "x" * 65 + "@example.org",
    ],
)
def test_invalid_emails(address: str) -> None:
    assert not valid_email(address)


def test_problems_name_each_bad_part() -> None:
    spec = SubscriptionSpec.build(
        "nope", themes=["no-such"], countries=["ZZ", "XK"], frequency="hourly"
    )
    found = problems(spec, known_themes=THEMES, known_countries=COUNTRIES)
    assert found[0] == "invalid email address 'nope'"
    assert any("unknown frequency 'hourly'" in p for p in found)
    assert any("unknown theme id 'no-such'" in p for p in found)
    assert any("unknown country code 'ZZ'" in p for p in found)
    assert not any("'XK'" in p for p in found)  # Kosovo is accepted
    ok = SubscriptionSpec.build(
        "a@example.org", themes=["sanctions"], countries=["UA"], focus_only=True
    )
    assert problems(ok, known_themes=THEMES, known_countries=COUNTRIES) == []
