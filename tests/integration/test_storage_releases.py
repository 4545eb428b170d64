"""Releases and versions on SQLite and Postgres: idempotent, versioned, whitespace-blind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.records import PublisherLink, ReleaseRecord
from storage.db import Database
from storage.models import Release, ReleaseVersion
from storage.releases import Outcome, get_release, list_releases, store_record, sync_source

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def record(text: str, **kw: object) -> ReleaseRecord:
    fields: dict[str, object] = {
        "key": "https://www.gov.uk/government/news/example",
        "title": "Example statement",
        "text": text,
        "raw": text.encode(),
        "content_type": "text/plain",
        "published_at": T0,
    }
    fields.update(kw)
    return ReleaseRecord(**fields)  # type: ignore[arg-type]


def counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Release)) or 0,
            s.scalar(select(func.count()).select_from(ReleaseVersion)) or 0,
        )


def test_store_new_unchanged_and_edited(database: Database) -> None:
    with database.session() as s:
        source = sync_source(s, "src", "files", {})
        first = store_record(s, source, record("We call for a pause."), now=T0)
    assert first.outcome is Outcome.NEW_RELEASE

    with database.session() as s:
        source = sync_source(s, "src", "files", {})
        again = store_record(
            s, source, record("We  call for a pause.\n"), now=T0 + timedelta(hours=1)
        )
    assert again.outcome is Outcome.UNCHANGED
    assert counts(database) == (1, 1)

    with database.session() as s:
        source = sync_source(s, "src", "files", {})
        edited = store_record(
            s,
            source,
            record("We call for a ceasefire.", change_note="Updated call"),
            now=T0 + timedelta(hours=2),
        )
    assert edited.outcome is Outcome.NEW_VERSION
    assert counts(database) == (1, 2)

    with database.session() as s:
        release = get_release(s, first.release_id)
        assert [v.number for v in release.versions] == [1, 2]
        assert release.versions[1].change_note == "Updated call"
        assert release.versions[1].text == "We call for a ceasefire."
        assert release.first_seen_at == T0
        assert release.last_seen_at == T0 + timedelta(hours=2)
        assert release.published_at == T0
        assert release.published_at.tzinfo is not None


def test_reverting_to_an_earlier_text_is_a_new_version(database: Database) -> None:
    # e.g. a warning added to travel advice and later removed: the removal is news too
    with database.session() as s:
        source = sync_source(s, "src", "files", {})
        store_record(s, source, record("A."), now=T0)
        store_record(s, source, record("A. Warning."), now=T0 + timedelta(minutes=1))
        back = store_record(s, source, record("A."), now=T0 + timedelta(minutes=2))
        same = store_record(s, source, record("A. "), now=T0 + timedelta(minutes=3))
    assert back.outcome is Outcome.NEW_VERSION
    assert same.outcome is Outcome.UNCHANGED
    assert counts(database) == (1, 3)
    with database.session() as s:
        numbers = [v.number for v in get_release(s, back.release_id).versions]
    assert numbers == [1, 2, 3]


def test_raw_bytes_and_publisher_links_are_kept(database: Database) -> None:
    raw = b"<p>We call for a pause.</p>\xff"
    links = (PublisherLink("world_location", "japan", "Japan"),)
    with database.session() as s:
        source = sync_source(s, "src", "govuk", {})
        stored = store_record(
            s, source, record("We call for a pause.", raw=raw, publisher_links=links), now=T0
        )
    with database.session() as s:
        version = s.get(ReleaseVersion, stored.version_id)
        assert version is not None
        assert version.raw == raw
        assert version.publisher_links == [
            {"kind": "world_location", "value": "japan", "title": "Japan"}
        ]
        assert len(version.sha256) == 64 and version.raw_sha256 != version.sha256


def test_list_releases_newest_first_and_by_source(database: Database) -> None:
    with database.session() as s:
        a = sync_source(s, "a", "files", {})
        b = sync_source(s, "b", "files", {})
        store_record(s, a, record("old", key="k1", published_at=T0), now=T0)
        store_record(s, b, record("new", key="k2", published_at=T0 + timedelta(days=1)), now=T0)
        store_record(
            s, a, record("undated", key="k3", published_at=None), now=T0 + timedelta(days=2)
        )
    with database.session() as s:
        assert [r.key for r in list_releases(s)] == ["k3", "k2", "k1"]
        assert [r.key for r in list_releases(s, source="a")] == ["k3", "k1"]
        assert [r.key for r in list_releases(s, limit=1, offset=1)] == ["k2"]
