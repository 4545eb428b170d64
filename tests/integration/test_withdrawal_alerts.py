"""A GOV.UK withdrawal alerts its subscribers (issue 18): a Content API item read from a folder,
subscribed to, run; then the same item withdrawn (same body), run: one "<title>: withdrawn" mail
per matching subscriber, then none however often deskwatch runs. A withdrawal reversed is not
alerted again; one at another time is a new fact. Through the real pipeline with a real SMTP
server, on SQLite and Postgres. Every text here is written for these tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from pipeline import steps
from pipeline.app import App
from pipeline.config import load_config
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from storage.db import open_database
from storage.models import Withdrawal
from tests.integration.alerts_helpers import alerts_of, parts

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TITLE = "Winter equipment for Ukrainian forces"
BODY = (
    "<p>The Foreign Secretary announced further winter equipment for Ukrainian forces today.</p>"
    "<p>Generators and cold-weather clothing will reach the front line before January.</p>"
)
REASON = "This announcement is out of date: see the winter support package of 2027."
WITHDRAWN_AT = "2026-12-03T10:15:00Z"
DESK = "ukraine.desk@example.org"
DAILY = "daily.desk@example.org"
ELSEWHERE = "japan.desk@example.org"


def item(withdrawn_at: str | None = None, reason: str = REASON) -> dict[str, Any]:
    """A news article in the Content API's shape; withdrawn when `withdrawn_at` is given."""
    data: dict[str, Any] = {
        "base_path": "/government/news/winter-equipment-for-ukrainian-forces",
        "content_id": "0b6c2f7e-1d1a-4c55-9a57-2f3f3f1e0a11",
        "title": TITLE,
        "description": "Further winter equipment for Ukraine.",
        "document_type": "press_release",
        "schema_name": "news_article",
        "locale": "en",
        "first_published_at": "2026-11-30T08:00:00Z",
        "public_updated_at": "2026-11-30T08:00:00Z",
        "details": {"body": BODY},
        "links": {},
    }
    if withdrawn_at is not None:
        data["withdrawn_notice"] = {"explanation": f"<p>{reason}</p>", "withdrawn_at": withdrawn_at}
    return data


def write(folder: Path, data: dict[str, Any]) -> None:
    (folder / "winter.json").write_text(json.dumps(data), encoding="utf-8")


def make_app(tmp_path: Path, db_url: str, server: Any) -> tuple[App, Path]:
    folder = tmp_path / "govuk"
    folder.mkdir()
    config = {
        "sources": [{"name": "govuk-folder", "type": "files", "path": str(folder)}],
        "subscriptions": [
            {"email": DESK, "keywords": ["winter equipment"]},
            {"email": DAILY, "keywords": ["generators"], "frequency": "daily"},
            {"email": ELSEWHERE, "keywords": ["Tokyo"]},
        ],
        "smtp": {"mail_from": "deskwatch@example.org"},
    }
    path = tmp_path / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = Settings(
        database_url=db_url,
        outbox_dir=tmp_path / "outbox",
        smtp_host=server.host,
        smtp_port=server.port,
    )
    return App(settings=env, config=load_config(path)), folder


def withdrawn_mails(server: Any, email: str) -> list[Any]:
    return [m for m in server.sink.to(email) if m["Subject"].endswith(": withdrawn")]


def test_a_withdrawal_mails_each_matching_subscriber_once(db_url, tmp_path, smtp_server) -> None:
    app, folder = make_app(tmp_path, db_url, smtp_server)
    write(folder, item())
    first = run_in_process(app, now=NOW).totals()
    assert first["new_releases"] == 1 and first["alerts_sent"] == 1
    [new] = smtp_server.sink.to(DESK)
    assert "Withdrawn" not in parts(new)[0]

    write(folder, item(WITHDRAWN_AT))
    smtp_server.stop()  # the mail server is down when the withdrawal is matched
    run = run_in_process(app, now=NOW + timedelta(days=2)).totals()
    assert run["new_versions"] == 0  # the body is the same: no new version
    assert run["withdrawals_matched"] == 1
    assert run["alerts_created"] == 2  # the desk's mail, and the daily desk's digest entry
    assert run["alerts_deferred"] == 1
    smtp_server.start()
    back = run_in_process(app, now=NOW + timedelta(days=2, minutes=15)).totals()
    assert back["withdrawals_matched"] == 0 and back["alerts_sent"] == 1
    [mail] = withdrawn_mails(smtp_server, DESK)
    assert mail["Subject"] == f"[deskwatch] {TITLE}: withdrawn"
    text, html = parts(mail)
    assert f"Withdrawn: {REASON} (3 December 2026)" in text
    assert f"Withdrawn: {REASON} (3 December 2026)" in html
    assert "Keyword: “winter equipment”" in text  # why: the same matching as for a version
    assert "THIS RELEASE WAS EDITED" not in text
    assert smtp_server.sink.to(ELSEWHERE) == []

    again = run_in_process(app, now=NOW + timedelta(days=2, hours=1)).totals()
    assert again["alerts_created"] == 0 and again["alerts_sent"] == 0
    assert len(smtp_server.sink.to(DESK)) == 2

    # the daily desk: one digest entry for the release (its new version and its withdrawal)
    db = open_database(db_url)
    try:
        counts = steps.send_digests(
            app, db, frequency="daily", now=NOW + timedelta(days=2, hours=2)
        )
        assert counts["digests_sent"] == 1 and counts["digest_alerts"] == 2
        [digest] = smtp_server.sink.to(DAILY)
        assert "· 1 release ·" in digest["Subject"]
        text, html = parts(digest)
        assert text.count(TITLE) == 1
        assert f"  Withdrawn: {REASON} (3 December 2026)" in text
        assert f"Withdrawn: {REASON} (3 December 2026)" in html
        assert {a.status for a in alerts_of(db)} == {"sent"}
    finally:
        db.dispose()


def test_a_reversed_withdrawal_is_not_alerted_again_but_a_new_one_is(
    db_url, tmp_path, smtp_server
) -> None:
    app, folder = make_app(tmp_path, db_url, smtp_server)
    write(folder, item())
    run_in_process(app, now=NOW)
    write(folder, item(WITHDRAWN_AT))
    run_in_process(app, now=NOW + timedelta(days=1))
    assert len(withdrawn_mails(smtp_server, DESK)) == 1

    write(folder, item())  # the notice goes: reversed, nothing to mail
    assert run_in_process(app, now=NOW + timedelta(days=2)).totals()["alerts_sent"] == 0
    write(folder, item(WITHDRAWN_AT))  # the same withdrawal back: not news
    assert run_in_process(app, now=NOW + timedelta(days=3)).totals()["alerts_sent"] == 0
    assert len(withdrawn_mails(smtp_server, DESK)) == 1

    # withdrawn again, at another time and for another reason: a new fact, mailed once
    later = "This announcement has been withdrawn again while the package is reviewed."
    write(folder, item("2026-12-05T12:00:00Z", later))
    totals = run_in_process(app, now=NOW + timedelta(days=4)).totals()
    assert totals["alerts_sent"] == 1
    mails = withdrawn_mails(smtp_server, DESK)
    assert len(mails) == 2
    assert f"Withdrawn: {later} (5 December 2026)" in parts(mails[-1])[0]

    db = open_database(db_url)
    try:
        with db.session() as session:
            rows = list(session.scalars(select(Withdrawal).order_by(Withdrawal.id)))
        # the first ended when the second replaced it; both were matched once
        assert [(r.withdrawn_at.day, r.ended_at is None) for r in rows] == [(3, False), (5, True)]
        assert all(r.checked_at is not None for r in rows)
    finally:
        db.dispose()


def test_a_withdrawal_reversed_before_its_digest_went_is_not_told(
    db_url, tmp_path, smtp_server
) -> None:
    app, folder = make_app(tmp_path, db_url, smtp_server)
    write(folder, item())
    run_in_process(app, now=NOW)
    write(folder, item(WITHDRAWN_AT))
    run_in_process(app, now=NOW + timedelta(days=1))  # the daily desk's entry waits
    write(folder, item())  # the page is back before the digest goes
    run_in_process(app, now=NOW + timedelta(days=1, hours=1))
    db = open_database(db_url)
    try:
        counts = steps.send_digests(
            app, db, frequency="daily", now=NOW + timedelta(days=1, hours=2)
        )
        assert counts["digests_sent"] == 1 and counts["digest_alerts"] == 1  # the release only
        [digest] = smtp_server.sink.to(DAILY)
        assert "Withdrawn" not in parts(digest)[0]
        told = [a for a in alerts_of(db) if a.email == DAILY and a.withdrawal_id is not None]
        assert [a.status for a in told] == ["cancelled"]
    finally:
        db.dispose()


def test_a_release_first_seen_withdrawn_is_one_mail_that_says_so(
    db_url, tmp_path, smtp_server
) -> None:
    app, folder = make_app(tmp_path, db_url, smtp_server)
    write(folder, item(WITHDRAWN_AT))
    totals = run_in_process(app, now=NOW + timedelta(days=3)).totals()
    assert totals["withdrawals_matched"] == 0  # known from the start: the new release's mail
    [mail] = smtp_server.sink.to(DESK)
    assert not mail["Subject"].endswith(": withdrawn")
    assert f"Withdrawn: {REASON} (3 December 2026)" in parts(mail)[0]
    assert run_in_process(app, now=NOW + timedelta(days=4)).totals()["alerts_sent"] == 0


def test_a_release_withdrawn_before_withdrawals_were_kept_is_not_news(db_url) -> None:
    """An archive from before migration 0011 holds the notice on the release and no withdrawal
    row: reading the same notice again records it as already known, and only a withdrawal at
    another time is one to alert."""
    from core.records import ReleaseRecord
    from core.records import Withdrawal as Notice
    from storage.releases import store_record, sync_source

    def record(notice: str | None, withdrawal: Notice | None) -> ReleaseRecord:
        return ReleaseRecord(
            key="https://www.gov.uk/guidance/old",
            title="Old guidance",
            text="Old guidance text.",
            raw=b"{}",
            content_type="application/json",
            withdrawn_notice=notice,
            withdrawal=withdrawal,
        )

    then = datetime(2025, 3, 1, tzinfo=UTC)
    line = f"{REASON} (withdrawn 2025-03-01T00:00:00Z)"
    db = open_database(db_url, upgrade=True)
    try:
        with db.session() as session:
            source = sync_source(session, "govuk", "govuk", {})
            store_record(session, source, record(line, None), now=NOW)  # as deskwatch did
        with db.session() as session:
            source = sync_source(session, "govuk", "govuk", {})
            store_record(session, source, record(line, Notice(REASON, then)), now=NOW)
            later = Notice("Withdrawn again.", then + timedelta(days=400))
            store_record(session, source, record("Withdrawn again.", later), now=NOW)
        with db.session() as session:
            rows = list(session.scalars(select(Withdrawal).order_by(Withdrawal.id)))
            assert [(r.withdrawn_at, r.checked_at is None, r.ended_at is None) for r in rows] == [
                (then, False, False),  # known: checked at once; ended by the next
                (then + timedelta(days=400), True, True),  # news: waits for the alert stage
            ]
    finally:
        db.dispose()
