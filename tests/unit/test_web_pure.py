"""The reading room's pure parts: signed tokens, highlighted parts, the SVG timeline, password
hashes, CSRF tokens, the safe-by-default rule and the names pages give themes and countries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.tokens import TokenError, sign, subscriptions_url, unsubscribe_url, verify
from deskwatch.web.marks import evidence_spans, merged, side_by_side, snippet_parts, span_parts
from deskwatch.web.security import (
    basic_credentials,
    check_password,
    csrf_ok,
    csrf_token,
    hash_password,
)
from deskwatch.web.settings import is_loopback
from deskwatch.web.svg import timeline_svg

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET = b"0123456789abcdef0123"


def test_a_token_names_its_address_until_it_expires() -> None:
    token = sign("desk@example.org", SECRET, expires=NOW + timedelta(days=1))
    assert verify(token, SECRET, now=NOW) == "desk@example.org"
    assert verify(token, SECRET, now=NOW + timedelta(hours=23)) == "desk@example.org"
    with pytest.raises(TokenError, match="expired"):
        verify(token, SECRET, now=NOW + timedelta(days=1))
    with pytest.raises(TokenError, match="not valid"):
        verify(token, b"another secret entirely", now=NOW)


def test_a_token_cannot_be_edited_to_name_someone_else() -> None:
    token = sign("desk@example.org", SECRET, expires=NOW + timedelta(days=1))
    other = sign("boss@example.org", SECRET, expires=NOW + timedelta(days=1))
    spliced = ".".join([other.split(".")[0], *token.split(".")[1:]])
    later = sign("desk@example.org", SECRET, expires=NOW + timedelta(days=900))
    extended = ".".join([token.split(".")[0], later.split(".")[1], token.split(".")[2]])
    for bad in (spliced, extended, token + "x", "a.b", "", "...", "x.y.z"):
        with pytest.raises(TokenError):
            verify(bad, SECRET, now=NOW)
    assert all(c.isalnum() or c in "-_." for c in token), "safe in a URL path as it is"


def test_links_for_mails() -> None:
    url = unsubscribe_url("https://dw.example.org/", "désk@example.org", SECRET, NOW)
    assert url.startswith("https://dw.example.org/unsubscribe/")
    token = url.rsplit("/", 1)[1]
    assert verify(token, SECRET, now=NOW + timedelta(days=89)) == "désk@example.org"
    with pytest.raises(TokenError):
        verify(token, SECRET, now=NOW + timedelta(days=91))
    assert subscriptions_url("http://h:1", "a@b", SECRET, NOW).startswith(
        "http://h:1/subscriptions/"
    )
    with pytest.raises(ValueError):
        sign("a@b", b"", expires=NOW)


def test_snippet_parts_follow_the_markers() -> None:
    assert snippet_parts("a **b** c **d**") == [
        ("a ", False),
        ("b", True),
        (" c ", False),
        ("d", True),
    ]
    assert snippet_parts("no marks") == [("no marks", False)]
    assert snippet_parts("one ** only") == [("one ** only", False)]


def test_span_parts_join_back_to_the_text() -> None:
    text = "The UK calls for a sustainable ceasefire in Gaza."
    spans = [(19, 30), (31, 40), (25, 35), (100, 120), (5, 5)]
    assert merged(spans, len(text)) == [(19, 40)]
    parts = span_parts(text, spans)
    assert "".join(p for p, _ in parts) == text
    assert [p for p, marked in parts if marked] == ["sustainable ceasefire"]
    assert span_parts(text, []) == [(text, False)]
    evidence = [
        {"start": 19, "end": 30, "field": "text"},
        {"start": 0, "end": 3, "field": "title"},
        {"start": "x", "end": 2},
    ]
    assert evidence_spans(evidence) == [(19, 30)]
    assert evidence_spans(evidence, "title") == [(0, 3)]


def test_side_by_side_columns() -> None:
    pieces = [["=", "calls for "], ["-", "pauses"], ["+", "a ceasefire"], ["=", " now"]]
    old, new = side_by_side(pieces)
    assert "".join(t for t, _ in old) == "calls for pauses now"
    assert "".join(t for t, _ in new) == "calls for a ceasefire now"
    assert [t for t, m in old if m] == ["pauses"] and [t for t, m in new if m] == ["a ceasefire"]


def test_the_timeline_is_escaped_svg_with_one_bar_per_period() -> None:
    counts = [(date(2024, m, 1), n) for m, n in ((1, 3), (2, 0), (3, 6))]
    svg = str(timeline_svg(counts, title="<script>x</script>"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 3 and "<title>2024-03: 6</title>" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'height="0.0"' in svg  # the empty month
    assert "<rect" not in str(timeline_svg([], title="none"))


def test_password_hashes() -> None:
    hashed = hash_password("correct horse", iterations=1000)
    assert hashed.startswith("pbkdf2_sha256$1000$")
    assert check_password("correct horse", hashed)
    assert not check_password("correct hors", hashed)
    assert hash_password("correct horse", iterations=1000) != hashed  # salted
    assert not check_password("x", "md5$whatever") and not check_password("x", "garbage")


def test_basic_credentials() -> None:
    assert basic_credentials("Basic YW5hbHlzdDpzM2M6cmV0") == ("analyst", "s3c:ret")
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials("Basic !!!") is None
    assert basic_credentials(None) is None


def test_csrf_tokens_bind_cookie_and_secret() -> None:
    token = csrf_token(SECRET, "cookie-1")
    assert csrf_ok(SECRET, "cookie-1", token)
    assert not csrf_ok(SECRET, "cookie-2", token)
    assert not csrf_ok(b"other secret value", "cookie-1", token)
    assert not csrf_ok(SECRET, None, token) and not csrf_ok(SECRET, "cookie-1", None)


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "example.org"))


def test_a_facet_narrows_any_query_the_parser_takes() -> None:
    from deskwatch.web.pages import narrowed

    assert narrowed("japan*", "theme:trade") == "japan* theme:trade"
    assert narrowed("japan* OR ceasefire", "theme:x") == "(japan* OR ceasefire) theme:x"
    assert narrowed("tokyo country:JP", "theme:x") == "tokyo country:JP theme:x"


def test_phrase_status() -> None:
    from deskwatch.web.pages import phrase_status

    day = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {"phrase": "a", "last_used": day, "dropped_since": day + timedelta(days=3)},
        {"phrase": "b", "last_used": day + timedelta(days=3), "dropped_since": None},
    ]
    assert [r["status"] for r in phrase_status(rows)] == ["dropped", "still said"]
    old = [
        {"phrase": "a", "last_used": day},
        {"phrase": "b", "last_used": day + timedelta(days=200)},
    ]
    assert [r["status"] for r in phrase_status(old)] == ["dropped", "still said"]
    assert phrase_status([]) == []


def test_the_ttl_cache_recomputes_after_its_ttl() -> None:
    from deskwatch.web.cache import TtlCache

    clock = [100.0]
    calls: list[int] = []
    cache = TtlCache(60, clock=lambda: clock[0])

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute) == 1
    clock[0] += 59
    assert cache.get("k", compute) == 1
    clock[0] += 2
    assert cache.get("k", compute) == 2 and len(calls) == 2


def test_names_of_themes_and_countries() -> None:
    from deskwatch.web.names import Names

    names = Names(themes={"defence-security": "Defence and security"})
    assert names.of("theme", "defence-security") == "Defence and security"
    assert names.of("theme", "defence-security", "Stored label") == "Stored label"
    assert names.of("theme", "not-in-taxonomy") == "not-in-taxonomy"
    # a country by the name desk officers use, whatever label the tag stored
    assert names.of("country", "PS", "Palestine, State of") == "Palestine"
    assert names.of("country", "UA") == "Ukraine"
    assert names.of("country", "QQ") == "QQ"  # unknown: as given
    assert names.of("person", "Yoko Kamikawa", "Yoko Kamikawa (Foreign Minister)") == (
        "Yoko Kamikawa (Foreign Minister)"
    )
    assert names.basis("country:RU") == "Russia"
    assert names.basis("theme:defence-security") == "Defence and security"
    assert names.basis("version") == "version"
