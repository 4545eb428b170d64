"""Links in mails are the public URL or nothing (issue 18): a `file:` key or a local path that a
files source stored as a release's url is neither linked nor shown."""

from __future__ import annotations

import pytest

from alerts.compose import public_url


@pytest.mark.parametrize(
    "value", ["https://www.gov.uk/government/news/x", "http://mfa.example.org/s?id=1"]
)
def test_a_web_address_is_kept(value: str) -> None:
    assert public_url(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "file:releases/winter.txt",
        "file:///srv/deskwatch/releases/winter.txt",
        "/srv/deskwatch/releases/winter.txt",
        "releases/winter.txt",
        "javascript:alert(1)",
        "https://",
        "",
        None,
    ],
)
def test_anything_else_is_no_link(value: str | None) -> None:
    assert public_url(value) is None
