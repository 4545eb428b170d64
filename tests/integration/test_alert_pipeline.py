"""Alerts through the whole pipeline (ingest -> tag -> diff -> alerts -> send) on the seed release,
with a real SMTP server, on SQLite and Postgres; the digests; subscriptions synced from the
config file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.errors import ConfigError
from pipeline import steps
from pipeline.app import App
from pipeline.config import SEEDS_DIR, load_config
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from pipeline.stages.alert import create_alerts
from storage.db import open_database
from tests.integration.alerts_helpers import alerts_of, parts

NOW = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # a Friday
SEED_TITLE = (
    "Foreign Secretary and Defence Secretary in Japan for G7 foreign ministers and UK-Japan "
    "2+2 talks"
)
MIDEAST = {
    "email": "mideast.desk@example.org",
    "name": "Middle East desk",
    "themes": ["middle-east-escalation"],
}
UKRAINE = {"email": "ukraine.desk@example.org", "themes": ["ukraine-support"]}


def seed_app(
    tmp_path: Path, db_url: str, subscriptions: list[dict[str, Any]], **settings: Any
) -> App:
    """The seed source and these subscriptions, from a real config file."""
    config = {
        "sources": [{"name": "seeds", "type": "files", "path": str(SEEDS_DIR / "releases")}],
        "subscriptions": subscriptions,
        "smtp": {"mail_from": "deskwatch@example.org"},
    }
    path = tmp_path / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", **settings)
    return App(settings=env, config=load_config(path))


def smtp(server: Any) -> dict[str, Any]:
    return {"smtp_host": server.host, "smtp_port": server.port}


def test_seed_run_mails_each_desk_once_and_the_second_run_none(
    db_url, tmp_path, smtp_server
) -> None:
    app = seed_app(tmp_path, db_url, [MIDEAST, UKRAINE], **smtp(smtp_server))
    summary = run_in_process(app, now=NOW)
    totals = summary.totals()
    assert totals["new_releases"] == 1
    assert totals["alerts_created"] == 2 and totals["alerts_sent"] == 2

    [mideast] = smtp_server.sink.to("mideast.desk@example.org")
    [ukraine] = smtp_server.sink.to("ukraine.desk@example.org")
    assert mideast["Subject"] == f"[deskwatch] Middle East escalation · {SEED_TITLE}"
    assert ukraine["Subject"].startswith("[deskwatch] ") and SEED_TITLE in ukraine["Subject"]
    text, html = parts(mideast)
    assert "Published 7 November 2023" in text
    assert "WHY YOU GOT THIS" in text and "Theme: Middle East escalation" in text
    assert "*Middle East*" in text  # the tagger's evidence, marked
    assert ">Middle East</mark>" in html

    again = run_in_process(app, now=NOW + timedelta(minutes=15)).totals()
    assert again["new_releases"] == 0
    assert again["alerts_created"] == 0 and again["alerts_sent"] == 0
    assert len(smtp_server.sink.messages) == 2


def test_smtp_down_during_a_run_then_back_exactly_once(db_url, tmp_path, smtp_server) -> None:
    app = seed_app(tmp_path, db_url, [MIDEAST, UKRAINE], **smtp(smtp_server))
    smtp_server.stop()
    totals = run_in_process(app, now=NOW).totals()  # the run finishes
    assert totals["errors"] == 0 and totals["new_releases"] == 1
    assert totals["alerts_created"] == 2 and totals["alerts_deferred"] == 2
    assert {a.status for a in alerts_of(open_database(db_url))} == {"pending"}

    smtp_server.start()
    totals = run_in_process(app, now=NOW + timedelta(minutes=15)).totals()
    assert totals["alerts_sent"] == 2
    totals = run_in_process(app, now=NOW + timedelta(minutes=30)).totals()
    assert totals["alerts_sent"] == 0
    assert sorted(r for _f, rcpts, _m in smtp_server.sink.messages for r in rcpts) == [
        "mideast.desk@example.org",
        "ukraine.desk@example.org",
    ]


def test_daily_and_weekly_digests(db_url, tmp_path, smtp_server) -> None:
    subs = [
        {**UKRAINE, "frequency": "daily", "countries": ["JP"], "focus_only": True},
        {"email": "weekly@example.org", "themes": ["indo-pacific"], "frequency": "weekly"},
        {"email": "nothing@example.org", "themes": ["humanitarian"], "frequency": "daily"},
    ]
    app = seed_app(tmp_path, db_url, subs, **smtp(smtp_server))
    totals = run_in_process(app, now=NOW).totals()
    assert totals["alerts_created"] == 2 and totals["alerts_sent"] == 0  # digests wait
    db = open_database(db_url)
    try:
        counts = steps.send_digests(app, db, frequency="daily", now=NOW + timedelta(minutes=30))
        assert counts["digests_sent"] == 1 and counts["digest_alerts"] == 1
        [daily] = smtp_server.sink.to("ukraine.desk@example.org")
        assert daily["Subject"] == (
            "[deskwatch] Daily digest · 1 release · Friday 27 November 2026"
        )
        text, html = parts(daily)
        assert "== Support for Ukraine ==" in text  # grouped by theme
        assert SEED_TITLE in text
        assert "Why: theme Support for Ukraine; country Japan (focus)" in text
        assert "Support for Ukraine</h2>" in html
        # nobody gets an empty digest, and a digest goes once
        assert smtp_server.sink.to("nothing@example.org") == []
        again = steps.send_digests(app, db, frequency="daily", now=NOW + timedelta(days=1))
        assert again["digests_sent"] == 0
        weekly = steps.send_digests(app, db, frequency="weekly", now=NOW + timedelta(hours=1))
        assert weekly["digests_sent"] == 1
        [mail] = smtp_server.sink.to("weekly@example.org")
        assert mail["Subject"] == (
            "[deskwatch] Weekly digest · 1 release · week to Friday 27 November 2026"
        )
        keys = {a.email: a.digest_key for a in alerts_of(db)}
        assert keys == {
            "ukraine.desk@example.org": "daily:2026-11-27",
            "weekly@example.org": "weekly:2026-W48",
        }
    finally:
        db.dispose()


def test_a_digest_that_starts_late_names_its_day_and_carries_what_queued_meanwhile(
    db_url, tmp_path, smtp_server
) -> None:
    # a serve that runs behind (a busy worker, a backlog of due runs) starts the digest scheduled
    # for the evening before after the morning's alerts were queued
    app = seed_app(tmp_path, db_url, [{**UKRAINE, "frequency": "daily"}], **smtp(smtp_server))
    run_in_process(app, now=NOW)
    db = open_database(db_url)
    try:
        scheduled = NOW - timedelta(hours=12)
        # cut at its scheduled time, the alert would wait for the next day's digest
        assert steps.send_digests(app, db, frequency="daily", now=scheduled)["digests_sent"] == 0
        counts = steps.send_digests(
            app, db, frequency="daily", now=NOW + timedelta(minutes=5), period_at=scheduled
        )
        assert counts["digests_sent"] == 1 and counts["digest_alerts"] == 1
        [daily] = smtp_server.sink.to("ukraine.desk@example.org")
        assert daily["Subject"].endswith(f"· {scheduled:%A} {scheduled.day} {scheduled:%B %Y}")
        assert {a.digest_key for a in alerts_of(db)} == {f"daily:{scheduled.date().isoformat()}"}
    finally:
        db.dispose()


def test_a_digest_missed_in_an_outage_goes_with_the_next_run(db_url, tmp_path, smtp_server) -> None:
    app = seed_app(tmp_path, db_url, [{**UKRAINE, "frequency": "daily"}], **smtp(smtp_server))
    run_in_process(app, now=NOW)
    db = open_database(db_url)
    try:
        smtp_server.stop()
        at_eight = NOW + timedelta(minutes=30)
        assert steps.send_digests(app, db, frequency="daily", now=at_eight)["digests_sent"] == 0
        smtp_server.start()
        totals = run_in_process(app, now=at_eight + timedelta(minutes=15)).totals()
        assert totals["digests_sent"] == 1
        assert len(smtp_server.sink.to("ukraine.desk@example.org")) == 1
        assert (
            steps.send_digests(app, db, frequency="daily", now=NOW + timedelta(days=1))[
                "digests_sent"
            ]
            == 0
        )
    finally:
        db.dispose()


def test_config_sync_is_idempotent_and_removal_ends(db_url, tmp_path) -> None:
    db = open_database(db_url, upgrade=True)
    try:
        app = seed_app(tmp_path, db_url, [MIDEAST, UKRAINE])
        assert create_alerts(app, db, now=NOW)["subscriptions_added"] == 2
        counts = create_alerts(app, db, now=NOW + timedelta(hours=1))
        assert counts["subscriptions_added"] == 0 and counts["subscriptions_ended"] == 0
        # removing one entry ends it; editing the other ends it and starts the new one
        edited = {**UKRAINE, "countries": ["UA"]}
        app = seed_app(tmp_path, db_url, [edited])
        counts = create_alerts(app, db, now=NOW + timedelta(hours=2))
        assert counts["subscriptions_added"] == 1 and counts["subscriptions_ended"] == 2
        from storage.subscriptions import active_subscriptions

        with db.session() as session:
            [row] = active_subscriptions(session)
            assert (row.email, row.countries, row.created_at) == (
                "ukraine.desk@example.org",
                ["UA"],
                NOW + timedelta(hours=2),
            )
    finally:
        db.dispose()


def test_a_bad_subscription_in_the_config_is_skipped_or_refused(db_url, tmp_path) -> None:
    # an unknown theme id: that subscription is skipped and reported, the run goes on
    app = seed_app(tmp_path, db_url, [{"email": "a@example.org", "themes": ["no-such-theme"]}])
    summary = run_in_process(app, now=NOW)
    [warning] = summary.warnings
    assert "subscriptions.0 (a@example.org): unknown theme id 'no-such-theme'" in warning
    assert summary.stages["subscriptions_added"] == 0
    with pytest.raises(ConfigError, match=r"subscriptions\.0\.email: .*invalid email address"):
        seed_app(tmp_path, db_url, [{"email": "not an address", "themes": ["sanctions"]}])
    with pytest.raises(ConfigError, match=r"smtp: .*never read from the config file"):
        path = tmp_path / "bad.yaml"
        path.write_text("smtp:\n  host: mail.example.org\n  password: hunter2\n")
        load_config(path)


def test_the_quick_start_writes_real_mail_into_the_outbox(db_url, tmp_path) -> None:
    app = seed_app(tmp_path, db_url, [MIDEAST, UKRAINE])
    assert run_in_process(app, now=NOW).totals()["alerts_sent"] == 2
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    assert run_in_process(app, now=NOW + timedelta(hours=1)).totals()["alerts_sent"] == 0
    assert len(sorted((tmp_path / "outbox").glob("*.eml"))) == 2


STATEMENT = (
    "The Foreign Secretary met the Ukrainian Foreign Minister in Kyiv today to discuss support "
    "for Ukraine through the winter.\n\n"
    "The UK will provide generators and winter clothing to Ukrainian forces."
)


def test_an_edited_release_alerts_only_when_the_edit_is_substantive(
    db_url, tmp_path, smtp_server
) -> None:
    folder = tmp_path / "releases"
    folder.mkdir()
    release = folder / "winter-support.txt"
    release.write_text(STATEMENT, encoding="utf-8")
    # a GOV.UK page: its edits normally carry a change note, so one without is a silent edit
    (folder / "winter-support.txt.meta.yaml").write_text(
        "url: https://www.gov.uk/government/news/winter-support\n", encoding="utf-8"
    )
    config = {
        "sources": [{"name": "desk", "type": "files", "path": str(folder)}],
        "subscriptions": [UKRAINE],
        "smtp": {"mail_from": "deskwatch@example.org"},
    }
    path = tmp_path / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = Settings(database_url=db_url, smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    app = App(settings=settings, config=load_config(path))

    assert run_in_process(app, now=NOW).totals()["alerts_sent"] == 1
    # a typographic edit: a new version, classified trivial, no mail
    release.write_text(STATEMENT.replace("today", "today,"), encoding="utf-8")
    totals = run_in_process(app, now=NOW + timedelta(hours=1)).totals()
    assert totals["new_versions"] == 1 and totals["alerts_created"] == 0
    # a new sentence with new numbers: substantive, a silent edit (no change note)
    release.write_text(
        STATEMENT + "\n\nThe UK will also send 200 air defence missiles to Ukraine.",
        encoding="utf-8",
    )
    totals = run_in_process(app, now=NOW + timedelta(hours=2)).totals()
    assert totals["new_versions"] == 1 and totals["alerts_sent"] == 1
    first, second = smtp_server.sink.to("ukraine.desk@example.org")
    text, html = parts(second)
    assert "THIS RELEASE WAS EDITED (version 3)" in text
    assert "The change is substantive. Silent edit" in text
    assert "200 air defence missiles" in text
    assert "200 air defence missiles" in html and "<ins" in html
    assert "EDITED" not in parts(first)[0]
