"""Version identity and canonical URLs."""

from __future__ import annotations

import pytest

from core.normalise import canonical_url, clean_text, content_hash


def test_whitespace_and_typography_do_not_change_the_hash() -> None:
    a = "The UK\u2019s \u201ccommitment\u201d \u2013 firm.\n\nSecond  paragraph."
    b = 'The UK\'s "commitment" - firm.\r\n\r\n\r\n   Second paragraph.   '
    assert content_hash(a) == content_hash(b)


def test_a_changed_word_changes_the_hash() -> None:
    assert content_hash("We call for a pause.") != content_hash("We call for a ceasefire.")


def test_clean_text_keeps_paragraphs() -> None:
    assert clean_text("  One\tline \r\n\r\n\n two  \n") == "One line\n\ntwo"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://WWW.GOV.UK/government/news/x/?utm_source=rss&utm_medium=email#top",
            "https://www.gov.uk/government/news/x",
        ),
        ("http://example.org:80/a/b/", "http://example.org/a/b"),
        ("https://example.org:8443/a?id=3&fbclid=zz", "https://example.org:8443/a?id=3"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/?page=2&gclid=1", "https://example.org/?page=2"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
