"""The tag stage through the real pipeline, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from core.records import PublisherLink, ReleaseRecord
from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from pipeline.stages.tag import tag_pending, tag_versions, taxonomy_for
from storage.db import open_database
from storage.models import ReleaseVersion, Tag
from storage.releases import store_record, sync_source
from storage.tags import release_ids_tagged, tags_for_releases, tags_for_versions

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _seed_tags(db_url: str) -> tuple[App, list[Tag]]:
    app = App.load(None, Settings(database_url=db_url))
    summary = run_in_process(app, now=NOW)
    assert summary.errors == 0
    assert summary.stages["tagged_versions"] == 1
    db = open_database(db_url)
    try:
        with db.session() as session:
            tags = list(session.scalars(select(Tag)))
    finally:
        db.dispose()
    return app, tags


def test_seed_gets_its_countries_themes_and_people(db_url: str) -> None:
    _app, tags = _seed_tags(db_url)
    rule = [t for t in tags if t.origin == "rule"]
    countries = {t.value: t for t in rule if t.kind == "country"}
    assert {"JP", "GB", "IL", "PS", "UA", "RU"} <= set(countries)
    assert countries["JP"].focus is True
    assert countries["IL"].focus is False
    themes = {t.value for t in rule if t.kind == "theme"}
    assert {
        "middle-east-escalation",
        "ukraine-support",
        "indo-pacific",
        "defence-security",
        "trade-economic-security",
    } <= themes
    people = {t.value: t.attributes for t in rule if t.kind == "person"}
    assert people["James Cleverly"]["role"] == "Foreign Secretary"
    assert people["Grant Shapps"]["role"] == "Defence Secretary"
    assert people["Yōko Kamikawa"]["role"] == "Minister for Foreign Affairs"
    assert people["Yōko Kamikawa"]["country"] == "JP"
    assert people["Yōko Kamikawa"]["ascii"] == "Yoko Kamikawa"
    assert people["Minoru Kihara"]["role"] == "counterpart of the Defence Secretary"
    assert people["Minoru Kihara"]["country"] == "JP"
    assert {t.taxonomy_version for t in tags} == {taxonomy_for(_app).version}


def test_evidence_offsets_point_into_the_stored_text(db_url: str) -> None:
    _seed_tags(db_url)
    db = open_database(db_url)
    try:
        with db.session() as session:
            version = session.scalars(select(ReleaseVersion)).one()
            tags = tags_for_versions(session, [version.id])[version.id]
            assert tags
            for tag in tags:
                for ev in tag.evidence:
                    source = version.text if ev["field"] == "text" else version.title
                    assert source[ev["start"] : ev["end"]] == ev["text"]
                    offset = ev["sentence_start"]
                    assert ev["sentence"][ev["start"] - offset : ev["end"] - offset] == ev["text"]
    finally:
        db.dispose()


def test_a_second_run_does_not_retag_and_retag_is_idempotent(db_url: str) -> None:
    app, before = _seed_tags(db_url)
    db = open_database(db_url)
    try:
        assert tag_pending(app, db, now=NOW) == {"tagged_versions": 0, "tags_written": 0}
        first = tag_versions(app, db, now=NOW, everything=True)
        second = tag_versions(app, db, now=NOW, everything=True)
        assert first == second == {"tagged_versions": 1, "tags_written": len(before)}
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Tag)) == len(before)
        since = tag_versions(
            app, db, now=NOW, everything=True, since=datetime(2030, 1, 1, tzinfo=UTC)
        )
        assert since["tagged_versions"] == 0
    finally:
        db.dispose()


def test_publisher_links_become_publisher_tags_beside_rule_tags(db_url: str) -> None:
    app = App.load(None, Settings(database_url=db_url))
    db = open_database(db_url, upgrade=True)
    record = ReleaseRecord(
        key="https://www.gov.uk/government/news/test",
        title="UK and Japan agree closer defence ties",
        text="The UK and Japan agreed closer defence cooperation today in Tokyo.",
        raw=b"x",
        content_type="application/json",
        publisher_links=(
            PublisherLink("world_location", "japan", "Japan"),
            PublisherLink(
                "world_location",
                "uk-mission-to-the-un",
                "UK Mission to the United Nations, New York",
            ),
            PublisherLink("person", "/government/people/grant-shapps", "Grant Shapps"),
        ),
    )
    try:
        with db.session() as session:
            source = sync_source(session, "test", "files", {})
            stored = store_record(session, source, record, now=NOW)
        tag_pending(app, db, now=NOW)
        with db.session() as session:
            tags = tags_for_versions(session, [stored.version_id])[stored.version_id]
            keys = {(t.kind, t.value, t.origin) for t in tags}
            assert ("country", "JP", "publisher") in keys
            assert ("country", "JP", "rule") in keys
            assert ("person", "Grant Shapps", "publisher") in keys
            assert not any(
                t.origin == "publisher" and t.value not in ("JP", "Grant Shapps") for t in tags
            )
            by_release = tags_for_releases(session, [stored.release_id])
            assert {t.id for t in by_release[stored.release_id]} == {t.id for t in tags}
            assert release_ids_tagged(session, themes=["defence-security"], countries=["jp"]) == [
                stored.release_id
            ]
            assert release_ids_tagged(session, themes=["climate-change"]) == []
    finally:
        db.dispose()


def test_overlapping_taggers_share_the_work_without_duplicates(db_url: str) -> None:
    import threading

    app = App.load(None, Settings(database_url=db_url))
    db = open_database(db_url, upgrade=True)
    try:
        with db.session() as session:
            source = sync_source(session, "many", "files", {})
            for n in range(30):
                record = ReleaseRecord(
                    key=f"file://many/{n}.txt",
                    title=f"Statement {n} on Ukraine",
                    text=f"Statement {n}: the UK will support Ukraine with military aid for Kyiv.",
                    raw=b"x",
                    content_type="text/plain",
                )
                store_record(session, source, record, now=NOW)
        app.config.tagging.batch_size = 4
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                results.append(tag_pending(app, db, now=NOW))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert sum(r["tagged_versions"] for r in results) >= 30
        with db.session() as session:
            versions = session.scalars(select(ReleaseVersion)).all()
            assert {v.tagged_with for v in versions} == {taxonomy_for(app).version}
            by_version = tags_for_versions(session, [v.id for v in versions])
            for tags in by_version.values():
                keys = [(t.kind, t.value, t.origin) for t in tags]
                assert len(keys) == len(set(keys))
                assert ("country", "UA", "rule") in keys
    finally:
        db.dispose()
