"""The feed parser over bytes (pure): good feeds, bozo feeds, hostile feeds, odd dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ingest.feed_reader import entry_key
from ingest.feeds import looks_like_feed, parse_feed
from tests.fixtures.web_sources import NOW, web_fixture

BASE = "http://127.0.0.1:9/statements.atom"


def _atom(entries: str, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        f"{entries}</feed>"
    ).encode()


def test_atom_fixture():
    feed = parse_feed(web_fixture("feed.atom"), url=BASE, now=NOW)
    assert feed.bozo_reason is None
    assert [e.title for e in feed.entries][:2] == [
        "Statement on the River Accord",
        "UK statement on maritime security in the Strait",
    ]
    first = feed.entries[0]
    assert first.link == (
        "http://127.0.0.1:9/news/statement-on-the-river-accord?utm_source=feed&utm_medium=rss"
    )
    assert entry_key(first, BASE) == "http://127.0.0.1:9/news/statement-on-the-river-accord"
    assert first.published_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert feed.entries[2].content_html.startswith("<p>The Foreign Minister")


def test_rss_without_links_keys_by_entry_id():
    raw = (
        b"<rss version='2.0'><channel><title>x</title>"
        b"<item><guid isPermaLink='false'>42</guid><title>A</title><description>Text</description></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(raw, url=BASE, now=NOW)
    assert entry_key(feed.entries[0], BASE) == BASE + "#42"


def test_duplicate_ids_keep_the_first():
    entry = "<entry><id>urn:x:1</id><title>{}</title><link href='http://a.example/{}'/></entry>"
    feed = parse_feed(_atom(entry.format("first", 1) + entry.format("second", 2)), now=NOW)
    assert [e.title for e in feed.entries] == ["first"]
    assert feed.duplicates == ["urn:x:1"]


def test_missing_and_future_dates():
    entries = (
        "<entry><id>urn:x:1</id><title>no date</title></entry>"
        "<entry><id>urn:x:2</id><title>future</title><published>3200-01-30T00:00:00Z</published>"
        "<updated>2026-11-01T00:00:00Z</updated></entry>"
        "<entry><id>urn:x:3</id><title>old</title><updated>1881-03-01T00:00:00Z</updated></entry>"
    )
    feed = parse_feed(_atom(entries), now=NOW)
    no_date, future, old = feed.entries
    assert no_date.published_at is None and no_date.updated_at is None
    assert future.published_at is None
    assert future.updated_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert feed.dropped_dates == ["urn:x:2"]
    assert old.updated_at == datetime(1881, 3, 1, tzinfo=UTC)


def test_malformed_feed_is_bozo_but_keeps_good_entries():
    raw = _atom(
        "<entry><id>urn:x:1</id><title>good</title></entry><entry><title>bad &nope; </entry>"
    )
    feed = parse_feed(raw, now=NOW)
    assert feed.bozo_reason
    assert feed.entries[0].title == "good"


def test_entity_expansion_bomb_is_refused_quickly():
    head = (
        '<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>"
    )
    raw = _atom("<entry><id>urn:x:1</id><title>&j;</title></entry>", head)
    started = time.perf_counter()
    feed = parse_feed(raw, now=NOW)
    assert time.perf_counter() - started < 10  # a guard against hanging, not a speed target
    assert all(len(e.title) < 1000 for e in feed.entries)


def test_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    marker = "MARKER-7f3c2a9e-never-in-the-archive"
    secret.write_text(marker)
    head = f'<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    raw = _atom(
        "<entry><id>urn:x:1</id><title>t &xxe;</title><summary>&xxe;</summary></entry>", head
    )
    feed = parse_feed(raw, now=NOW)
    assert marker not in repr(feed)


def test_ten_thousand_entries():
    entries = "".join(
        f"<entry><id>urn:x:{i}</id><title>Entry {i}</title>"
        f"<updated>2026-01-01T00:00:00Z</updated><summary>Text {i}</summary></entry>"
        for i in range(10_000)
    )
    feed = parse_feed(_atom(entries), now=NOW)
    assert len(feed.entries) == 10_000


def test_looks_like_feed():
    assert looks_like_feed(web_fixture("feed.atom"))
    assert looks_like_feed(b"<rss version='2.0'></rss>", "text/plain")
    assert not looks_like_feed(web_fixture("river-accord.html"), "text/html")
    assert not looks_like_feed(web_fixture("maritime-security.json"), "application/json")


def test_feed_links_lose_publishers_tracking_parameters():
    from core.normalise import canonical_url

    assert canonical_url(
        "https://www.bbc.co.uk/news/world-1?at_medium=RSS&at_campaign=KARANGA"
    ) == ("https://www.bbc.co.uk/news/world-1")
    assert canonical_url("https://n.example/a.html?smid=tw-share&page=2") == (
        "https://n.example/a.html?page=2"
    )
    assert canonical_url("https://n.example/a?attribute=1") == "https://n.example/a?attribute=1"


def test_mislabelled_and_invalid_encodings_keep_the_entries():
    entry = "<entry><id>urn:x:1</id><title>Déclaration – café</title></entry>"
    latin = _atom(entry).decode().encode("cp1252")  # the XML declaration still says utf-8
    feed = parse_feed(latin, content_type="application/atom+xml; charset=utf-8", now=NOW)
    assert feed.bozo_reason and "CharacterEncodingOverride" in feed.bozo_reason
    assert feed.entries[0].title == "Déclaration – café"
    broken = _atom("<entry><id>urn:x:1</id><title>ok</title></entry>").replace(b"ok", b"o\xff\xfek")
    feed = parse_feed(broken, now=NOW)
    assert [e.entry_id for e in feed.entries] == ["urn:x:1"]


def test_entries_are_counted_however_they_are_spelled():
    """The guard before parsing counts what any parser would read as an entry: a namespace
    prefix, upper case, a UTF-16 body; not words that merely begin the same."""
    from ingest.feeds import count_entries

    assert count_entries(b"<feed><entry>a</entry><a:entry>b</a:entry><ENTRY/></feed>") == 3
    assert count_entries(b"<rss><channel><item>a</item><ITEM>b</ITEM><rss:Item >c</rss:Item>") == 3
    assert count_entries("<feed><entry></entry><entry/></feed>".encode("utf-16")) == 2
    assert count_entries(b"<feed><entryway/><items/><itemized>x</itemized></feed>") == 0
