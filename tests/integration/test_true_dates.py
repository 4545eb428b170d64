"""True dates (issue 18): a release goes by its published time, else its updated time, else when
it was first seen, and `releases`, `search` and `export` say which; an undated release is
neither at the top of the list with an empty date nor dated as if published. SQLite and Postgres."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from core.records import ReleaseRecord
from storage.db import open_database
from storage.releases import store_record, sync_source
from tests.fixtures.cli import Cli

PUBLISHED = datetime(2023, 10, 9, 9, 0, tzinfo=UTC)
UPDATED = datetime(2023, 10, 12, 9, 0, tzinfo=UTC)
SEEN = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def _record(key: str, title: str, **dates: datetime | None) -> ReleaseRecord:
    text = f"{title}. A statement on the ceasefire talks."
    fields: dict[str, object] = {"key": key, "title": title, "text": text, "raw": text.encode()}
    fields.update({"content_type": "text/plain", "published_at": None, **dates})
    return ReleaseRecord(**fields)  # type: ignore[arg-type]


def _store(db_url: str) -> None:
    db = open_database(db_url, upgrade=True)
    try:
        with db.session() as s:
            source = sync_source(s, "desk", "files", {})
            # stored in the reverse of date order, so id order and date order differ
            store_record(s, source, _record("k-seen", "Undated one"), now=SEEN)
            store_record(s, source, _record("k-upd", "Updated one", updated_at=UPDATED), now=SEEN)
            store_record(
                s, source, _record("k-pub", "Published one", published_at=PUBLISHED), now=SEEN
            )
    finally:
        db.dispose()


def test_each_listing_says_which_date_it_shows(cli: Cli, db_url: str) -> None:
    _store(db_url)
    rows = cli("releases", "--json").json()
    assert [(r["title"], r["date_kind"]) for r in rows] == [
        ("Undated one", "first seen"),  # seen in 2026: newest by the date it goes by
        ("Updated one", "updated"),
        ("Published one", "published"),
    ]
    assert rows[1]["date"].startswith("2023-10-12") and rows[1]["published_at"] is None

    table = cli("releases").stdout
    assert "2026-11-27 (seen)" in table and "2023-10-12 (updated)" in table
    assert "2023-10-09 (" not in table  # a publication date needs no label

    hits = cli("search", "ceasefire", "--json").json()
    kinds = {h["title"]: (h["date"], h["date_kind"]) for h in hits}
    assert kinds["Undated one"] == ("2026-11-27", "first seen")
    assert kinds["Updated one"] == ("2023-10-12", "updated")
    assert next(h for h in hits if h["title"] == "Undated one")["published_at"] is None
    searched = cli("search", "ceasefire").stdout
    assert "2026-11-27 (seen)" in searched

    exported = cli("export", "--format", "jsonl").stdout.splitlines()
    order = [(r["title"], r["date_kind"]) for r in map(json.loads, exported)]
    assert order == [  # oldest first by the date each goes by, not by id
        ("Published one", "published"),
        ("Updated one", "updated"),
        ("Undated one", "first seen"),
    ]
