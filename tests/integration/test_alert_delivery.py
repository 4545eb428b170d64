"""Alerts end to end against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and Postgres:
matching committed tags and diffs, exactly-once delivery through outages, refused recipients,
authentication failures, hostile titles, the outbox folder, and retries."""

from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from pipeline.stages.alert import create_alerts, send_alerts
from storage.alerts import LEASE, claim, retry_failed
from tests.fixtures.mail import SMTP_PASSWORD, SMTP_USER
from tests.integration.alerts_helpers import (
    GAZA_TAGS,
    GAZA_TEXT,
    T0,
    UKRAINE_TAGS,
    UKRAINE_TEXT,
    alerts_of,
    make_app,
    parts,
    smtp_settings,
    store,
)

UKRAINE_DESK = {
    "email": "ukraine.desk@example.org",
    "name": "Ukraine desk",
    "themes": ["ukraine-support"],
}
MIDEAST_DESK = {"email": "mideast.desk@example.org", "themes": ["middle-east-escalation"]}


def test_one_mail_each_and_none_on_the_second_run(database, tmp_path, smtp_server) -> None:
    app = make_app(
        database.url, tmp_path, [UKRAINE_DESK, MIDEAST_DESK], **smtp_settings(smtp_server)
    )
    create_alerts(app, database, now=T0)  # the subscriptions start before the releases arrive
    earlier = store(
        database,
        "gaza-1",
        "Earlier statement on Gaza",
        "The UK calls for humanitarian pauses in Gaza.",
        GAZA_TAGS[1:2],
        now=T0,
    )
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS, now=T0)
    store(
        database,
        "gaza-2",
        "UK calls for a sustainable ceasefire",
        GAZA_TEXT,
        GAZA_TAGS,
        now=T0,
        statement=(
            earlier,
            "theme:middle-east-escalation",
            {
                "added": ["The UK calls for a sustainable ceasefire in Gaza."],
                "removed": ["The UK calls for humanitarian pauses in Gaza."],
                "new_phrases": ["sustainable ceasefire"],
                "dropped_phrases": ["humanitarian pauses"],
            },
        ),
    )

    counts = create_alerts(app, database, now=T0)
    assert counts["alerts_created"] == 2
    assert send_alerts(app, database, now=T0)["alerts_sent"] == 2

    assert len(smtp_server.sink.messages) == 2
    [ukraine] = smtp_server.sink.to("ukraine.desk@example.org")
    [mideast] = smtp_server.sink.to("mideast.desk@example.org")
    assert ukraine["Subject"] == "[deskwatch] Ukraine support · Winter support for Ukraine"
    assert mideast["Subject"] == (
        "[deskwatch] Middle East escalation · UK calls for a sustainable ceasefire"
    )
    assert ukraine["To"] == "Ukraine desk <ukraine.desk@example.org>"
    assert ukraine["From"].addresses[0].addr_spec == "deskwatch@example.org"
    assert ukraine["List-Unsubscribe"].startswith("<mailto:deskwatch@example.org?subject=")
    text, html = parts(mideast)
    assert "WHY YOU GOT THIS" in text
    assert "Theme: Middle East escalation" in text
    assert "*ceasefire in Gaza*" in text  # the evidence, with the matched words marked
    assert "New language: sustainable ceasefire" in text
    assert "Dropped language: humanitarian pauses" in text
    assert (
        "Compared with the last statement on Middle East escalation: Earlier statement on Gaza,"
        " today"
    ) in text
    assert "deskwatch unsubscribe mideast.desk@example.org" in text
    assert "<mark" in html and ">ceasefire in Gaza</mark>" in html
    assert ">sustainable ceasefire</ins>" in html  # the diff stage's rendering (alerts.diffview)
    assert ">humanitarian pauses</del>" in html
    assert "https://www.gov.uk/government/news/gaza-2" in html

    # every alert is marked sent with the Message-ID the server received
    rows = {a.email: a for a in alerts_of(database)}
    assert rows["ukraine.desk@example.org"].status == "sent"
    assert rows["ukraine.desk@example.org"].message_id == ukraine["Message-ID"]
    # sent_at is when the server accepted the mail, not the run's `now`
    sent_at = rows["ukraine.desk@example.org"].sent_at
    assert sent_at is not None and sent_at > T0

    # a second run: nothing new to create, nothing to send
    later = T0 + timedelta(minutes=15)
    assert create_alerts(app, database, now=later)["alerts_created"] == 0
    assert send_alerts(app, database, now=later)["alerts_sent"] == 0
    assert len(smtp_server.sink.messages) == 2


def test_one_alert_per_version_with_every_reason(database, tmp_path, smtp_server) -> None:
    email = "analyst@example.org"
    subs = [
        {"email": email, "themes": ["ukraine-support"]},
        {"email": email, "countries": ["UA"], "focus_only": True},
        {"email": email, "keywords": ['"winter equipment"', "kyiv"]},
        {"email": email, "keywords": ["Kyi"]},  # not a whole word: no match
    ]
    app = make_app(database.url, tmp_path, subs, **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    assert create_alerts(app, database, now=T0)["alerts_created"] == 1
    [alert] = alerts_of(database)
    assert [(r["kind"], r["value"]) for r in alert.reasons] == [
        ("theme", "ukraine-support"),
        ("country", "UA"),
        ("keyword", "winter equipment"),
        ("keyword", "kyiv"),
    ]
    send_alerts(app, database, now=T0)
    [message] = smtp_server.sink.to(email)
    text, _html = parts(message)
    assert "Country: Ukraine (focus)" in text
    assert "Keyword: “winter equipment”" in text
    assert "*winter equipment*" in text
    assert "*Kyiv*" in text


def test_trivial_and_minor_edits_never_alert_substantive_ones_do(
    database, tmp_path, smtp_server
) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    send_alerts(app, database, now=T0)
    assert len(smtp_server.sink.messages) == 1

    t1 = T0 + timedelta(hours=1)
    store(
        database,
        "ukraine-1",
        "Winter support for Ukraine",
        UKRAINE_TEXT + " ",
        UKRAINE_TAGS,
        now=t1,
    )
    store(
        database,
        "ukraine-1",
        "Winter support for Ukraine",
        UKRAINE_TEXT.replace("today", "on Monday"),
        UKRAINE_TAGS,
        now=t1,
        classification="trivial",
    )
    store(
        database,
        "ukraine-1",
        "Winter support for Ukraine",
        UKRAINE_TEXT.replace("today", "this week"),
        UKRAINE_TAGS,
        now=t1,
        classification="minor",
    )
    assert create_alerts(app, database, now=t1)["alerts_created"] == 0

    t2 = T0 + timedelta(hours=2)
    edited = UKRAINE_TEXT + "\n\nThe UK will also provide air defence systems."
    store(
        database,
        "ukraine-1",
        "Winter support for Ukraine",
        edited,
        UKRAINE_TAGS,
        now=t2,
        classification="substantive",
        silent_edit=True,
        version_payload={"added": ["The UK will also provide air defence systems."]},
    )
    assert create_alerts(app, database, now=t2)["alerts_created"] == 1
    send_alerts(app, database, now=t2)
    assert len(smtp_server.sink.messages) == 2
    text, html = parts(smtp_server.sink.messages[-1][2])
    assert "THIS RELEASE WAS EDITED (version 4)" in text
    assert "The change is substantive. Silent edit: the publisher gave no change note." in text
    assert "+ The UK will also provide air defence systems." in text
    assert "Silent edit" in html


def test_releases_stored_before_the_subscription_are_not_alerted(
    database, tmp_path, smtp_server
) -> None:
    store(database, "ukraine-old", "Old support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS, now=T0)
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(smtp_server))
    later = T0 + timedelta(days=1)
    assert create_alerts(app, database, now=later)["alerts_created"] == 0
    store(database, "ukraine-new", "New support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS, now=later)
    assert create_alerts(app, database, now=later)["alerts_created"] == 1


def test_focus_only_countries(database, tmp_path, smtp_server) -> None:
    subs = [
        {"email": "israel.focus@example.org", "countries": ["IL"], "focus_only": True},
        {"email": "israel.any@example.org", "countries": ["il"]},
    ]
    app = make_app(database.url, tmp_path, subs, **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "gaza-2", "UK calls for a sustainable ceasefire", GAZA_TEXT, GAZA_TAGS)
    create_alerts(app, database, now=T0)
    assert [a.email for a in alerts_of(database)] == ["israel.any@example.org"]


def test_smtp_down_during_a_run_then_back_delivers_exactly_once(
    database, tmp_path, smtp_server
) -> None:
    app = make_app(
        database.url, tmp_path, [UKRAINE_DESK, MIDEAST_DESK], **smtp_settings(smtp_server)
    )
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    store(database, "gaza-2", "UK calls for a sustainable ceasefire", GAZA_TEXT, GAZA_TAGS)
    create_alerts(app, database, now=T0)

    smtp_server.stop()
    counts = send_alerts(app, database, now=T0)
    assert counts == {"alerts_sent": 0, "alerts_failed": 0, "alerts_deferred": 2}
    for alert in alerts_of(database):
        assert alert.status == "pending"
        assert alert.attempts == 1
        assert "cannot reach SMTP server" in (alert.last_error or "")
        assert alert.next_attempt_at == T0 + timedelta(seconds=60)

    # still down a minute later: the back-off doubles
    t1 = T0 + timedelta(minutes=1)
    send_alerts(app, database, now=t1)
    assert {a.next_attempt_at for a in alerts_of(database)} == {t1 + timedelta(seconds=120)}

    smtp_server.start()
    # not due yet: nothing is sent before the back-off has passed
    assert send_alerts(app, database, now=t1 + timedelta(seconds=30))["alerts_sent"] == 0
    t2 = t1 + timedelta(minutes=2)
    assert send_alerts(app, database, now=t2)["alerts_sent"] == 2
    assert send_alerts(app, database, now=t2 + timedelta(hours=1))["alerts_sent"] == 0
    assert sorted(r for _f, rcpts, _m in smtp_server.sink.messages for r in rcpts) == [
        "mideast.desk@example.org",
        "ukraine.desk@example.org",
    ]
    assert {a.status for a in alerts_of(database)} == {"sent"}


def test_a_refused_recipient_does_not_block_the_others(database, tmp_path, smtp_server) -> None:
    subs = [
        {"email": "gone@example.org", "themes": ["ukraine-support"]},
        UKRAINE_DESK,
    ]
    app = make_app(database.url, tmp_path, subs, **smtp_settings(smtp_server))
    smtp_server.sink.refuse.add("gone@example.org")
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    counts = send_alerts(app, database, now=T0)
    assert counts["alerts_sent"] == 1 and counts["alerts_failed"] == 1
    assert len(smtp_server.sink.to("ukraine.desk@example.org")) == 1
    rows = {a.email: a for a in alerts_of(database)}
    assert rows["gone@example.org"].status == "failed"  # a 5xx refusal is permanent
    assert "550" in (rows["gone@example.org"].last_error or "")

    # the mailbox comes back; `deskwatch alerts retry` re-queues the failed alert
    smtp_server.sink.refuse.clear()
    with database.session() as session:
        assert retry_failed(session) == 1
    assert send_alerts(app, database, now=T0 + timedelta(minutes=5))["alerts_sent"] == 1
    assert len(smtp_server.sink.to("gone@example.org")) == 1
    assert len(smtp_server.sink.to("ukraine.desk@example.org")) == 1


def test_authentication_failure_is_an_outage_and_never_shows_the_password(
    database, tmp_path, smtp_auth_server
) -> None:
    wrong = "not-the-password-42"
    settings = smtp_settings(smtp_auth_server, smtp_username=SMTP_USER, smtp_password=wrong)
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **settings)
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    assert send_alerts(app, database, now=T0)["alerts_deferred"] == 1
    [alert] = alerts_of(database)
    assert alert.status == "pending" and alert.attempts == 1
    assert "authentication failed" in (alert.last_error or "")
    assert wrong not in (alert.last_error or "")
    assert wrong not in repr(app.mail)
    assert smtp_auth_server.sink.messages == []
    assert set(smtp_auth_server.authenticator.tried) == {(SMTP_USER, wrong)}  # PLAIN, LOGIN

    # the right password, from a secret file this time
    secret = tmp_path / "smtp-password"
    secret.write_text(SMTP_PASSWORD + "\n")
    settings = smtp_settings(smtp_auth_server, smtp_username=SMTP_USER, smtp_password_file=secret)
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **settings)
    assert send_alerts(app, database, now=T0 + timedelta(minutes=5))["alerts_sent"] == 1
    assert len(smtp_auth_server.sink.to("ukraine.desk@example.org")) == 1


def test_html_and_header_injection_in_a_title_stay_inert(database, tmp_path, smtp_server) -> None:
    desk = {**UKRAINE_DESK, "keywords": ["link"]}
    app = make_app(database.url, tmp_path, [desk], **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    title = (
        "Support for Ukraine <script>alert('x')</script><img src=x onerror=alert(1)>\r\n"
        "Bcc: victim@example.org\r\nContent-Type: text/html\n\nInjected body"
    )
    text = UKRAINE_TEXT + "\n\nA <b>bold</b> claim & an <a href='http://evil.example'>link</a>."
    store(database, "ukraine-evil", title, text, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    assert send_alerts(app, database, now=T0)["alerts_sent"] == 1

    [(_sender, recipients, message)] = smtp_server.sink.messages
    assert recipients == ["ukraine.desk@example.org"]  # no Bcc smuggled in
    assert message["Bcc"] is None
    assert len(message.get_all("Content-Type")) == 1
    subject = message["Subject"]
    assert "\n" not in subject and "\r" not in subject
    assert subject == (
        "[deskwatch] Ukraine support · Support for Ukraine <script>alert('x')</script>"
        "<img src=x onerror=alert(1)> Bcc: victim@example.org Content-Type: text/html "
        "Injected body"
    )
    plain, html = parts(message)
    assert plain.splitlines()[0] == subject.removeprefix("[deskwatch] Ukraine support · ")
    # the release's markup arrives as text: escaped, never as elements
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "evil.example'>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert (
        "&lt;b&gt;bold&lt;/b&gt; claim &amp; an &lt;a href=&#39;http://evil.example&#39;&gt;"
        in html
    )
    assert ">link</mark>&lt;/a&gt;" in html  # the keyword is marked inside the escaped text


def test_max_attempts_then_failed_then_retry(database, tmp_path, smtp_server) -> None:
    app = make_app(
        database.url,
        tmp_path,
        [UKRAINE_DESK],
        smtp={"max_attempts": 3, "retry_delay_s": 10},
        **smtp_settings(smtp_server),
    )
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    smtp_server.stop()
    now = T0
    for attempt in range(1, 4):
        send_alerts(app, database, now=now)
        [alert] = alerts_of(database)
        assert alert.attempts == attempt
        now += timedelta(hours=1)
    assert alert.status == "failed" and alert.next_attempt_at is None
    smtp_server.start()
    assert send_alerts(app, database, now=now)["alerts_sent"] == 0  # failed stays failed
    with database.session() as session:
        assert retry_failed(session) == 1
    assert send_alerts(app, database, now=now)["alerts_sent"] == 1
    assert len(smtp_server.sink.messages) == 1


def test_a_dead_senders_claim_returns_after_the_lease(database, tmp_path, smtp_server) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    with database.session() as session:  # a sender claims, then dies before sending
        assert len(claim(session, frequencies=["immediate"], now=T0, worker="dead", limit=10)) == 1
    assert send_alerts(app, database, now=T0 + LEASE / 2)["alerts_sent"] == 0
    assert send_alerts(app, database, now=T0 + LEASE + timedelta(seconds=1))["alerts_sent"] == 1
    assert len(smtp_server.sink.messages) == 1


def test_overlapping_runs_create_each_alert_once(database, tmp_path) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK, MIDEAST_DESK])
    create_alerts(app, database, now=T0)
    for n in range(6):
        store(database, f"ukraine-{n}", f"Support for Ukraine {n}", UKRAINE_TEXT, UKRAINE_TAGS)
        store(database, f"gaza-{n}", f"Ceasefire {n}", GAZA_TEXT, GAZA_TAGS)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            create_alerts(app, database, now=T0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = alerts_of(database)
    assert len(rows) == 12
    assert len({(a.email, a.version_id, a.frequency) for a in rows}) == 12


def test_no_smtp_host_writes_eml_files_to_the_outbox(database, tmp_path) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], mail_from="deskwatch@example.org")
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    assert send_alerts(app, database, now=T0)["alerts_sent"] == 1
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "Ukraine desk <ukraine.desk@example.org>"
    assert message["Subject"] == "[deskwatch] Ukraine support · Winter support for Ukraine"
    text, html = parts(message)  # type: ignore[arg-type]
    assert "Winter support for Ukraine" in text and "<mark" in html
    [alert] = alerts_of(database)
    assert alert.status == "sent" and alert.message_id == message["Message-ID"]
    assert send_alerts(app, database, now=T0 + timedelta(hours=1))["alerts_sent"] == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert not list(Path(tmp_path / "outbox").glob(".tmp-*"))


def test_a_long_statement_diff_is_cut_to_a_few_sentences(database, tmp_path, smtp_server) -> None:
    app = make_app(database.url, tmp_path, [MIDEAST_DESK], **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    earlier = store(database, "gaza-1", "Earlier", "Talks on Gaza continue.", GAZA_TAGS[1:2])
    added = [f"New sentence number {n} about <Gaza>." for n in range(10)]
    store(
        database,
        "gaza-2",
        "UK calls for a sustainable ceasefire",
        GAZA_TEXT,
        GAZA_TAGS,
        statement=(earlier, "theme:middle-east-escalation", {"added": added}),
    )
    create_alerts(app, database, now=T0)
    send_alerts(app, database, now=T0)
    [message] = smtp_server.sink.to("mideast.desk@example.org")
    text, html = parts(message)
    assert [line for line in text.splitlines() if line.startswith("  + ")] == [
        f"  + New sentence number {n} about <Gaza>." for n in range(4)
    ]
    assert "... and 6 more sentences (deskwatch diff shows them all)" in text
    assert "New sentence number 3 about &lt;Gaza&gt;." in html
    assert "number 4 " not in html
    assert "… and 6 more sentences" in html


@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ({"smtp_ssl": True}, "cannot reach SMTP server"),  # TLS handshake with a plain server
        ({"smtp_starttls": True}, "STARTTLS extension not supported"),
    ],
)
def test_a_tls_mismatch_is_an_outage(database, tmp_path, smtp_server, setting, error) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(smtp_server, **setting))
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    assert send_alerts(app, database, now=T0)["alerts_deferred"] == 1
    [alert] = alerts_of(database)
    assert alert.status == "pending" and error in (alert.last_error or "")
    assert smtp_server.sink.messages == []


def test_overlapping_senders_send_each_alert_once(database, tmp_path, smtp_server) -> None:
    app = make_app(
        database.url, tmp_path, [UKRAINE_DESK, MIDEAST_DESK], **smtp_settings(smtp_server)
    )
    create_alerts(app, database, now=T0)
    for n in range(8):
        store(database, f"ukraine-{n}", f"Support for Ukraine {n}", UKRAINE_TEXT, UKRAINE_TAGS)
        store(database, f"gaza-{n}", f"Ceasefire {n}", GAZA_TEXT, GAZA_TAGS)
    create_alerts(app, database, now=T0)
    errors: list[BaseException] = []
    sent: list[int] = []

    def run() -> None:
        try:
            sent.append(send_alerts(app, database, now=T0)["alerts_sent"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 16
    ids = [m["Message-ID"] for _f, _r, m in smtp_server.sink.messages]
    assert len(ids) == 16 and len(set(ids)) == 16
    assert {a.status for a in alerts_of(database)} == {"sent"}
