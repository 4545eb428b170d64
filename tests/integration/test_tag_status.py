"""What the tag stage records beside the tags - each tag's status, the text's language, why a
version is untagged - and what reads it: `show`, `releases`, search, the run summary, the
alert matcher, translations through their English original. On SQLite and Postgres."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.query import parse
from ingest.govuk import parse_content_item
from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from pipeline.stages.tag import tag_pending
from storage.db import open_database
from storage.models import ReleaseVersion, Tag
from storage.releases import store_record, sync_source
from storage.search import search
from tests.fixtures.cli import Cli
from tests.integration.test_alert_pipeline import seed_app

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

ENGLISH = (
    "The United Kingdom and the United States have sanctioned two Houthi commanders who "
    "directed attacks on merchant ships in the Red Sea.\n\n"
    "The Foreign Secretary said the attacks on shipping in Yemen's waters threaten freedom of "
    "navigation and must stop. The sanctions freeze the commanders' assets in the UK."
)
# our own Arabic wording of the same news (not corpus text)
ARABIC = (
    "فرضت المملكة المتحدة والولايات المتحدة عقوبات على قائدين من الحوثيين وجّها هجمات على "
    "السفن التجارية في البحر الأحمر. وقال وزير الخارجية إن الهجمات على السفن تهدد حرية "
    "الملاحة ويجب أن تتوقف، وإن العقوبات تجمّد أصول القائدين في المملكة المتحدة."
)
BASE = "/government/news/uk-sanctions-houthi-commanders-red-sea"


def content_item(
    base_path: str, locale: str, title: str, body: str, translations: list[dict[str, str]]
) -> bytes:
    return json.dumps(
        {
            "base_path": base_path,
            "title": title,
            "locale": locale,
            "document_type": "press_release",
            "first_published_at": "2026-11-20T10:00:00Z",
            "details": {"body": "".join(f"<p>{p}</p>" for p in body.split("\n\n"))},
            "links": {"available_translations": translations},
        },
        ensure_ascii=False,
    ).encode()


EN_LINK = {"locale": "en", "base_path": BASE, "title": "UK sanctions Houthi commanders"}
AR_LINK = {"locale": "ar", "base_path": BASE + ".ar", "title": "عقوبات على قادة حوثيين"}


def store_items(db_url: str, *raws: bytes) -> tuple[App, list[int]]:
    app = App.load(None, Settings(database_url=db_url, mail_from="deskwatch@example.org"))
    db = open_database(db_url, upgrade=True)
    try:
        with db.session() as session:
            source = sync_source(session, "govuk", "files", {"path": "x"})
            ids = [
                store_record(session, source, parse_content_item(raw), now=NOW).release_id
                for raw in raws
            ]
        tag_pending(app, db, now=NOW)
    finally:
        db.dispose()
    return app, ids


def test_the_seed_stores_a_suggested_theme_and_its_language(db_url: str, cli: Cli) -> None:
    app = App.load(None, Settings(database_url=db_url, mail_from="deskwatch@example.org"))
    run_in_process(app, now=NOW)
    db = open_database(db_url)
    try:
        with db.session() as session:
            version = session.scalars(select(ReleaseVersion)).one()
            assert (version.language, version.untagged_reason) == ("en", None)
            status = {t.value: t.status for t in session.scalars(select(Tag))}
            assert status["climate-change"] == "suggested"
            assert status["ukraine-support"] == status["JP"] == "tagged"

            # theme: is over the bar, suggested: below it
            def found(query: str) -> list[int]:
                return [h.release_id for h in search(session, parse(query))]

            assert found("theme:climate-change") == []
            assert found("suggested:climate-change") == [version.release_id]
            assert found("suggested:ukraine-support") == []
            assert found("theme:ukraine-support") == [version.release_id]
            # with words too (the full-text index applies the tag filters inside on Postgres)
            assert found("japan suggested:climate-change") == [version.release_id]
            assert found("japan theme:climate-change") == []
    finally:
        db.dispose()
    shown = cli("show", "1", "--json").json()
    assert shown["suggested"] == ["climate-change"]
    assert "climate-change" not in shown["themes"]
    assert shown["suggested_themes"] == ["climate-change"]
    assert {t["value"]: t["status"] for t in shown["tags"]}["climate-change"] == "suggested"
    assert (shown["text_language"], shown["untagged_reason"]) == ("en", None)
    text = cli("show", "1").stdout
    assert "suggested: " in text and "not tagged" not in text


def test_a_translation_takes_the_tags_of_its_english_original(db_url: str, cli: Cli) -> None:
    english = content_item(BASE, "en", "UK sanctions Houthi commanders", ENGLISH, [EN_LINK])
    arabic = content_item(BASE + ".ar", "ar", AR_LINK["title"], ARABIC, [AR_LINK, EN_LINK])
    # the translation is stored first: the order does not matter
    _app, (ar_id, en_id) = store_items(db_url, arabic, english)
    db = open_database(db_url)
    try:
        with db.session() as session:
            versions = {v.release_id: v for v in session.scalars(select(ReleaseVersion))}
            assert (versions[ar_id].language, versions[ar_id].untagged_reason) == ("ar", None)
            tags = list(session.scalars(select(Tag)))
    finally:
        db.dispose()
    own = {(t.kind, t.value, t.status) for t in tags if t.release_id == en_id}
    copied = [t for t in tags if t.release_id == ar_id]
    assert {"YE"} <= {v for k, v, _s in own if k == "country"}
    assert {(t.kind, t.value, t.status) for t in copied} == own
    assert {t.origin for t in copied} == {"translation"}
    assert {t.attributes["original"]["release_id"] for t in copied} == {en_id}
    # the evidence points into the original's text
    yemen = next(t for t in copied if t.value == "YE")
    assert all(ENGLISH[e["start"] : e["end"]] == e["text"] for e in yemen.evidence)

    shown = cli("show", str(ar_id), "--json").json()
    assert shown["tags_from_original"]["key"] == "https://www.gov.uk" + BASE
    assert "YE" in shown["countries"] and shown["untagged"] is None
    text = cli("show", str(ar_id)).stdout
    assert f"tags from the English original: release {en_id}" in text
    listed = {r["id"]: r for r in cli("releases", "--json").json()}
    assert "YE" in listed[ar_id]["countries"]
    assert {r["id"] for r in cli("releases", "--country", "YE", "--json").json()} == {
        ar_id,
        en_id,
    }


def test_a_translation_without_its_original_is_untagged_and_says_why(db_url: str, cli: Cli) -> None:
    alone = content_item(BASE + ".ar", "ar", AR_LINK["title"], ARABIC, [AR_LINK])
    linked = content_item(
        "/government/news/other.ar", "ar", "بيان", ARABIC, [{"locale": "en", "base_path": BASE}]
    )
    _app, (alone_id, linked_id) = store_items(db_url, alone, linked)
    shown = cli("show", str(alone_id), "--json").json()
    assert shown["untagged_reason"] == "Arabic text; no English original linked"
    assert (shown["text_language"], shown["untagged"]) == ("ar", "not tagged (ar)")
    assert shown["themes"] == shown["countries"] == []
    text = cli("show", str(alone_id)).stdout
    assert "not tagged: Arabic text; no English original linked (language: ar)" in text
    # linked, but the original was never stored
    reason = cli("show", str(linked_id), "--json").json()["untagged_reason"]
    assert (
        reason
        == f"Arabic text; its English original https://www.gov.uk{BASE} is not in the archive"
    )
    rows = list(csv.DictReader(io.StringIO(cli("releases", "--csv").stdout)))
    assert [r["untagged"] for r in rows] == ["not tagged (ar)"] * 2
    assert "note" in cli("releases").stdout  # the table's column


def test_the_run_summary_counts_the_untagged_by_language(
    db_url: str, tmp_path: Path, cli: Cli
) -> None:
    folder = tmp_path / "items"
    folder.mkdir()
    (folder / "ar.json").write_bytes(
        content_item(BASE + ".ar", "ar", AR_LINK["title"], ARABIC, [AR_LINK])
    )
    urdu = "وزیر اعظم نے کہا کہ برطانیہ اور پاکستان کے درمیان تعلقات بہت مضبوط ہیں۔ ہم تجارت اور تعلیم میں مل کر کام کریں گے اور لوگوں کے درمیان روابط بڑھائیں گے۔"
    (folder / "ur.json").write_bytes(
        content_item("/government/news/pm.ur", "ur", "پیغام", urdu, [])
    )
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        f"sources:\n  - name: items\n    type: files\n    path: {folder}\n", encoding="utf-8"
    )
    result = cli(
        "--config", str(config), "run", "--json", env={"DESKWATCH_MAIL_FROM": "desk@example.org"}
    )
    assert result.stdout, (result.exit_code, result.stderr)
    summary = result.json()
    assert summary["totals"]["untagged"] == 2, result.stderr
    assert summary["untagged_languages"] == {"ar": 1, "ur": 1}
    assert "untagged:ar" not in summary["totals"]


def _alerts(app: App, db_url: str) -> list[Any]:
    from storage.models import Alert

    run_in_process(app, now=NOW)
    db = open_database(db_url)
    try:
        with db.session() as session:
            return [
                (a.email, [r["value"] for r in a.reasons]) for a in session.scalars(select(Alert))
            ]
    finally:
        db.dispose()


CLIMATE = {"email": "climate.desk@example.org", "themes": ["climate-change"]}


def test_a_suggested_theme_does_not_alert(db_url: str, tmp_path: Path) -> None:
    app = seed_app(tmp_path, db_url, [CLIMATE])
    assert _alerts(app, db_url) == []


def test_a_suggested_theme_alerts_a_subscription_that_asks(db_url: str, tmp_path: Path) -> None:
    app = seed_app(tmp_path, db_url, [{**CLIMATE, "include_suggested": True}])
    assert _alerts(app, db_url) == [("climate.desk@example.org", ["climate-change"])]


def test_migration_0007_upgrades_an_archive_of_0003(db_url: str) -> None:
    """An archive made under 0003 (tags without a status, versions without a language): after
    the upgrade its tags are "tagged", its subscriptions take no suggested tags, and new
    versions are still indexed for search (SQLite keeps its full-text triggers)."""
    from sqlalchemy import text

    from storage.db import upgrade_database
    from tests.fixtures.archive import ITEMS, at, record, without_text_kind

    db = open_database(db_url)
    try:
        upgrade_database(db, "0003")
        with without_text_kind(), db.session() as session:  # 0003 has no text_kind column
            source = sync_source(session, "seeds", "files", {"path": "seeds"})
            first = store_record(session, source, record(ITEMS[0]), now=at(ITEMS[0].published))
            session.execute(
                text(
                    "INSERT INTO tags (release_id, version_id, kind, value, label, score, origin,"
                    " focus, evidence, attributes, taxonomy_version, created_at) VALUES (:r, :v,"
                    " 'country', 'JP', 'Japan', 0.8, 'rule', :focus, '[]', '{}', 'old', :at)"
                ),
                {"r": first.release_id, "v": first.version_id, "focus": True, "at": NOW},
            )
            session.execute(
                text(
                    "INSERT INTO subscriptions (email, themes, countries, keywords, frequency,"
                    " focus_only, origin, created_at) VALUES ('a@example.org', '[]', '[\"JP\"]',"
                    " '[]', 'immediate', :no, 'cli', :at)"
                ),
                {"no": False, "at": NOW},
            )
        upgrade_database(db)
        with db.session() as session:
            second = store_record(session, source, record(ITEMS[2]), now=at(ITEMS[2].published))
        with db.session() as session:
            tag = session.scalars(select(Tag)).one()
            assert (tag.value, tag.status) == ("JP", "tagged")
            version = session.get(ReleaseVersion, first.version_id)
            assert version is not None
            assert (version.language, version.untagged_reason) == (None, None)
            flags = session.execute(text("SELECT include_suggested FROM subscriptions")).scalars()
            assert [bool(f) for f in flags] == [False]
            hits = search(session, parse("traders"))
            assert [h.release_id for h in hits] == [second.release_id]
    finally:
        db.dispose()
