"""GOV.UK Content API items, keys and URLs (pure)."""

from __future__ import annotations

import json

import pytest

from core.errors import ParseError
from ingest import govuk
from tests.fixtures.web_sources import web_fixture


def test_content_item_record():
    record = govuk.parse_content_item(web_fixture("maritime-security.json"))
    assert record.key == "https://www.gov.uk/government/news/uk-statement-on-maritime-security"
    assert record.url == record.key
    assert record.title == "UK statement on maritime security in the Strait"
    assert record.description == "The UK calls for freedom of navigation."
    assert record.document_type == "press_release"
    assert record.language == "en"
    assert record.published_at.isoformat() == "2026-11-19T15:30:00+00:00"
    assert record.updated_at.isoformat() == "2026-11-19T16:00:00+00:00"
    assert record.change_note == "Added the paragraph on support for shipping."
    assert record.withdrawn_notice is None
    assert record.text == web_fixture("govuk-page.expected.txt").decode().strip()
    assert [link.kind for link in record.publisher_links] == [
        "organisation",
        "person",
        "world_location",
        "topical_event",
    ]
    assert record.raw == web_fixture("maritime-security.json")


def _item(**changes):
    data = json.loads(web_fixture("maritime-security.json"))
    data.update(changes)
    return json.dumps(data).encode()


def test_travel_advice_parts_and_change_description():
    raw = _item(
        document_type="travel_advice",
        details={
            "change_description": "Latest update: Summary - new advice on the border.",
            "parts": [
                {"slug": "summary", "title": "Summary", "body": "<p>Avoid the border.</p>"},
                {"slug": "safety", "title": "Safety", "body": "<p>Take care.</p>"},
            ],
        },
    )
    record = govuk.parse_content_item(raw)
    assert record.text == "Summary\n\nAvoid the border.\n\nSafety\n\nTake care."
    assert record.change_note == "Latest update: Summary - new advice on the border."


def test_withdrawn_and_empty_body():
    raw = _item(
        details={},
        withdrawn_notice={
            "explanation": "<p>This statement is out of date.</p>",
            "withdrawn_at": "2026-11-20T10:00:00Z",
        },
    )
    record = govuk.parse_content_item(raw)
    assert record.text == "The UK calls for freedom of navigation."  # the description
    assert (
        record.withdrawn_notice == "This statement is out of date. (withdrawn 2026-11-20T10:00:00Z)"
    )


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"title": "no base path"}', b"\xff"])
def test_not_a_content_item(raw):
    with pytest.raises(ParseError):
        govuk.parse_content_item(raw)


def test_urls():
    base = "http://127.0.0.1:8000"
    page = "https://www.gov.uk/government/news/x/?utm_source=feed#top"
    assert govuk.is_govuk_url(page)
    assert govuk.content_api_url(page, base) == base + "/api/content/government/news/x"
    assert govuk.page_url(govuk.govuk_path(base + "/api/content/government/news/x")) == (
        "https://www.gov.uk/government/news/x"
    )
    assert govuk.is_govuk_url(base + "/api/content/a", base)
    assert not govuk.is_govuk_url(base + "/news/a", base)  # other pages of a mirror host
    assert not govuk.is_govuk_url("https://www.gov.uk.example.com/x")
    search = govuk.search_url(base, {"filter_organisations": ["a", "b"]}, 10)
    assert search == (
        base + "/api/search.json?filter_organisations=a&filter_organisations=b"
        "&order=-public_timestamp&count=10"
    )


def test_search_results():
    raw = b'{"results": [{"link": "/government/news/a"}, {"link": "https://www.gov.uk/b"}, {}]}'
    assert govuk.parse_search(raw) == [
        "https://www.gov.uk/government/news/a",
        "https://www.gov.uk/b",
    ]
    with pytest.raises(ParseError):
        govuk.parse_search(b'{"nothing": 1}')
