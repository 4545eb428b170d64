"""The pure pieces of the tag-status wiring: the translation link GOV.UK items carry, the run
summary's untagged line, the suggested: filter, include_suggested in subscriptions and rules."""

from __future__ import annotations

import json

import pytest

from alerts.matching import Rule, match
from core.alert_facts import TagFact, VersionFacts
from core.errors import QueryError
from core.query import Filter, parse
from core.subscriptions import SubscriptionSpec
from ingest.govuk import parse_content_item
from pipeline.stages.tag import language_name, translation_of
from pipeline.summary import RunSummary, untagged_line


def item(locale: str, translations: list[dict[str, str]]) -> bytes:
    return json.dumps(
        {
            "base_path": "/government/news/x" + ("" if locale == "en" else f".{locale}"),
            "title": "x",
            "locale": locale,
            "details": {"body": "<p>x</p>"},
            "links": {"available_translations": translations},
        }
    ).encode()


EN = {"locale": "en", "base_path": "/government/news/x", "title": "X"}
AR = {"locale": "ar", "base_path": "/government/news/x.ar", "title": "س"}


def test_a_translation_links_its_english_original_by_release_key() -> None:
    record = parse_content_item(item("ar", [AR, EN]))
    links = [link for link in record.publisher_links if link.kind == "translation_of"]
    assert [(link.value, link.title) for link in links] == [
        ("https://www.gov.uk/government/news/x", "X")
    ]
    stored = [{"kind": link.kind, "value": link.value} for link in record.publisher_links]
    assert translation_of(stored) == "https://www.gov.uk/government/news/x"


@pytest.mark.parametrize("locale, translations", [("en", [EN, AR]), ("ar", [AR]), ("ur", [])])
def test_no_original_link_for_english_or_unlinked_items(
    locale: str, translations: list[dict[str, str]]
) -> None:
    record = parse_content_item(item(locale, translations))
    assert [link for link in record.publisher_links if link.kind == "translation_of"] == []


def test_language_names() -> None:
    assert (language_name("ar"), language_name("ur"), language_name("el")) == (
        "Arabic",
        "Urdu",
        "Modern Greek",
    )
    assert (language_name(None), language_name("zz")) == ("unknown language", "zz")


def test_the_summary_counts_untagged_versions_by_language() -> None:
    summary = RunSummary()
    summary.add({"tagged_versions": 3, "untagged": 2, "untagged:ar": 1, "untagged:ur": 1})
    summary.add({"tagged_versions": 1, "untagged": 1, "untagged:ar": 1})
    assert summary.totals()["untagged"] == 3
    assert "untagged:ar" not in summary.totals()
    assert summary.untagged_languages == {"ar": 2, "ur": 1}
    assert summary.untagged_line() == "3 not tagged (ar, ur)"
    assert summary.to_dict()["untagged_languages"] == {"ar": 2, "ur": 1}
    assert "3 not tagged (ar, ur)" in summary.to_markdown()
    assert untagged_line(0, []) is None and RunSummary().untagged_line() is None


def test_suggested_is_a_field_filter() -> None:
    query = parse("ceasefire suggested:Human-Rights,climate-change")
    assert query.filters == (Filter("suggested", ("human-rights", "climate-change")),)
    with pytest.raises(QueryError):
        parse("suggested:")


def test_include_suggested_changes_no_existing_key() -> None:
    plain = SubscriptionSpec.build("a@example.org", themes=["climate-change"])
    asking = SubscriptionSpec.build(
        "a@example.org", themes=["climate-change"], include_suggested=True
    )
    assert SubscriptionSpec("a@example.org", themes=("climate-change",)).key == plain.key
    assert asking.key != plain.key
    assert "suggested tags too" in asking.describe()


def test_a_suggested_tag_matches_only_a_rule_that_asks() -> None:
    facts = VersionFacts(
        version_id=1,
        release_id=1,
        number=1,
        title="t",
        text="t",
        tags=(TagFact("theme", "climate-change", "Climate change", suggested=True),),
    )
    assert match(Rule(1, "a@example.org", themes=("climate-change",)), facts) == []
    asking = Rule(1, "a@example.org", themes=("climate-change",), include_suggested=True)
    assert [r.value for r in match(asking, facts)] == ["climate-change"]
