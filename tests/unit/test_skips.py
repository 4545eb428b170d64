"""The reasons of skip and warning lines (core.skips): each line a reader writes, and those of
run records written before the reasons had names, comes out under one named reason."""

from __future__ import annotations

import pytest

from core import skips

LINES = [
    (
        "https://elsewhere.example/a: host https://elsewhere.example is not in follow_hosts",
        skips.OFF_HOST,
    ),
    (
        "skipped: https://mfa.example/a: redirected to https://evil.example/x, whose host or port "
        "is not one this source may follow (skipped; see follow_hosts)",
        skips.REDIRECT_OFF_HOST,
    ),
    (
        "https://mfa.example/a: redirected to javascript:alert(1), which is not an http(s) URL "
        "(skipped)",
        skips.NOT_WEB,
    ),
    ("javascript:alert('no'): javascript link, not fetched", skips.NOT_WEB),
    ("mailto:x@example.org: mailto link, not fetched", skips.NOT_WEB),
    ("tag:mfa.example,2026:/a: duplicate entry id in one feed", skips.DUPLICATE_ID),
    ("https://mfa.example/a: same item twice in one read", skips.DUPLICATE_KEY),
    ("Untitled: entry has neither link nor id", skips.NO_KEY),
    ("https://mfa.example/feed#x: entry has no text", skips.NO_TEXT),
    (
        "warning: https://mfa.example/a: selector '#body' matched nothing; the page's main "
        "content was read instead",
        skips.SELECTOR_MISSED,
    ),
    ("https://mfa.example/a: something new", "something new"),
]


@pytest.mark.parametrize(("line", "reason"), LINES)
def test_each_line_has_its_reason(line: str, reason: str) -> None:
    assert skips.reason(line) == reason


def test_counts_go_commonest_first_and_read_as_one_line() -> None:
    lines = [f"https://elsewhere.example/{n}: host x is not in follow_hosts" for n in range(10)]
    lines += ["javascript:x: javascript link, not fetched"]
    counts = skips.count_reasons(reversed(lines))
    assert counts == {skips.OFF_HOST: 10, skips.NOT_WEB: 1}
    assert list(counts) == [skips.OFF_HOST, skips.NOT_WEB]
    assert skips.reasons_line(counts) == (
        "10 skipped: link host not in follow_hosts; 1 skipped: not an http(s) link"
    )
    assert skips.reasons_line({}) == ""


def test_warnings_are_counted_with_a_plural() -> None:
    one = ["https://a.example/: selector '#x' matched nothing; the page's main content ..."]
    assert skips.warnings_line(one) == "1 warning: selector matched nothing"
    assert skips.warnings_line(one * 2) == "2 warnings: selector matched nothing"
    assert skips.warnings_line([]) == ""


def test_entries_kept_from_the_feed_are_counted_by_what_and_why() -> None:
    summaries = [
        skips.from_feed(f"https://elsewhere.example/{n}: x", "summary", skips.OFF_HOST)
        for n in range(3)
    ]
    content = skips.from_feed("https://elsewhere.example/c", "content", skips.OFF_HOST)
    # as a run record keeps them, marked, and as a reader writes them: the same counts
    marked = [skips.FROM_FEED + line for line in [content, *summaries]]
    for lines in (marked, [content, *summaries]):
        counts = skips.count_from_feed(lines)
        assert counts == {
            "feed summary (link host not in follow_hosts)": 3,
            "feed content (link host not in follow_hosts)": 1,
        }
        assert skips.from_feed_line(counts) == (
            "3 stored from feed summary (link host not in follow_hosts); "
            "1 stored from feed content (link host not in follow_hosts)"
        )
    assert skips.from_feed_line({}) == ""
