"""Mail bookkeeping against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and Postgres:
a Message-ID per message (seven digests to one desk are seven ids) that a retried send keeps,
`sent_at` taken when the server accepted the mail, and the claims of a sender that died mid-batch
released after the short lease and shown by `deskwatch alerts`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.stages import alert as alert_stage
from pipeline.stages.alert import create_alerts, send_alerts, send_digests
from storage.alerts import LEASE, claim, is_stale, renew_claims
from tests.fixtures.cli import Cli
from tests.fixtures.servers import SMTPSink
from tests.integration.alerts_helpers import (
    T0,
    UKRAINE_TAGS,
    UKRAINE_TEXT,
    alerts_of,
    make_app,
    smtp_settings,
    store,
)

UKRAINE_DESK = {"email": "ukraine.desk@example.org", "themes": ["ukraine-support"]}
DAILY_DESK = {**UKRAINE_DESK, "frequency": "daily"}


class TimingSink(SMTPSink):
    """Keeps the moment each message arrived (taken inside the handler, before the reply), and
    can answer the next `busy` DATA commands with a temporary refusal."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[datetime] = []
        self.tried_ids: list[str] = []
        self.busy = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        self.tried_ids.append(
            str(message_from_bytes(envelope.content, policy=policy.default)["Message-ID"])
        )
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 try again later"
        self.arrived.append(datetime.now(UTC))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def timing_server(smtp_server):  # type: ignore[no-untyped-def]
    """The smtp_server fixture with a TimingSink in place of its sink."""
    smtp_server.stop()
    smtp_server.sink = TimingSink()
    smtp_server.start()  # a stopped server starts again with a new controller on its sink
    return smtp_server


def test_seven_digests_to_one_desk_have_seven_message_ids(database, tmp_path, smtp_server) -> None:
    app = make_app(database.url, tmp_path, [DAILY_DESK], **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    for n in range(7):  # seven digests in one day (sent by hand): one period key, seven mails
        at = T0 + timedelta(hours=n)
        store(database, f"ukraine-{n}", f"Support {n}", UKRAINE_TEXT, UKRAINE_TAGS, now=at)
        create_alerts(app, database, now=at)
        assert (
            send_digests(app, database, frequency="daily", now=at + timedelta(minutes=30))[
                "digests_sent"
            ]
            == 1
        )
    ids = [m["Message-ID"] for m in smtp_server.sink.to("ukraine.desk@example.org")]
    assert len(ids) == 7 and len(set(ids)) == 7
    # each alert records the id of the digest that carried it
    assert sorted({a.message_id for a in alerts_of(database)}) == sorted(ids)


def test_a_retried_send_keeps_its_message_id(database, tmp_path, timing_server) -> None:
    app = make_app(
        database.url,
        tmp_path,
        [UKRAINE_DESK, {**DAILY_DESK, "email": "daily@example.org"}],
        **smtp_settings(timing_server),
    )
    create_alerts(app, database, now=T0)
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    timing_server.sink.busy = 2  # the alert and the digest are each refused once
    assert send_alerts(app, database, now=T0)["alerts_sent"] == 0
    digest_at = T0 + timedelta(hours=1)
    assert send_digests(app, database, frequency="daily", now=digest_at)["digests_sent"] == 0
    later = T0 + timedelta(hours=2)
    counts = send_alerts(app, database, now=later)  # retries the alert, then the digest
    assert counts["alerts_sent"] == 1 and counts["digests_sent"] == 1
    alert_first, digest_first, alert_again, digest_again = timing_server.sink.tried_ids
    assert alert_first == alert_again and digest_first == digest_again
    assert alert_first != digest_first
    received = {m["Message-ID"] for _f, _r, m in timing_server.sink.messages}
    assert received == {alert_first, digest_first}


def test_sent_at_is_when_the_server_accepted(database, tmp_path, timing_server) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(timing_server))
    started = datetime.now(UTC)
    create_alerts(app, database, now=started)
    store(database, "ukraine-1", "Winter support", UKRAINE_TEXT, UKRAINE_TAGS, now=started)
    store(database, "ukraine-2", "Spring support", UKRAINE_TEXT, UKRAINE_TAGS, now=started)
    create_alerts(app, database, now=started)
    assert send_alerts(app, database, now=started)["alerts_sent"] == 2
    sent = sorted(a.sent_at for a in alerts_of(database) if a.sent_at is not None)
    arrived = sorted(timing_server.sink.arrived)
    assert len(sent) == len(arrived) == 2
    for accepted, handled in zip(sent, arrived, strict=True):
        # after the server had the message, not the run's start
        assert started < handled <= accepted < handled + timedelta(seconds=5)


def test_a_dead_senders_claims_go_after_the_short_lease_and_are_listed(
    database, tmp_path, smtp_server, db_url
) -> None:
    assert LEASE <= timedelta(minutes=2)
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(smtp_server))
    claimed_at = datetime.now(UTC) - LEASE - timedelta(seconds=30)
    create_alerts(app, database, now=claimed_at - timedelta(minutes=1))
    store(database, "ukraine-1", "Winter support", UKRAINE_TEXT, UKRAINE_TAGS, now=claimed_at)
    create_alerts(app, database, now=claimed_at)
    with database.session() as session:  # a sender claims its batch, then is killed
        assert len(
            claim(session, frequencies=["immediate"], now=claimed_at, worker="dead", limit=9)
        )

    listed = Cli({"DESKWATCH_DATABASE_URL": db_url})("alerts", "--json").json()
    [row] = listed
    assert row["status"] == "stale claim" and row["claimed_by"] == "dead"
    assert "claimed 2 min ago and not sent" in row["last_error"]

    # within the lease nobody else takes it; after it, the next run sends it once
    assert send_alerts(app, database, now=claimed_at + LEASE / 2)["alerts_sent"] == 0
    assert send_alerts(app, database, now=datetime.now(UTC))["alerts_sent"] == 1
    assert len(smtp_server.sink.messages) == 1
    [after] = Cli({"DESKWATCH_DATABASE_URL": db_url})("alerts", "--json").json()
    assert after["status"] == "sent"


def test_a_live_sender_renews_its_lease(database, tmp_path, smtp_server, monkeypatch) -> None:
    app = make_app(database.url, tmp_path, [UKRAINE_DESK], **smtp_settings(smtp_server))
    create_alerts(app, database, now=T0)
    for n in range(3):
        store(database, f"ukraine-{n}", f"Support {n}", UKRAINE_TEXT, UKRAINE_TAGS)
    create_alerts(app, database, now=T0)
    with database.session() as session:
        [first, *_] = claim(session, frequencies=["immediate"], now=T0, worker="w", limit=9)
        assert renew_claims(session, worker="w", now=T0 + LEASE) == 3
        assert renew_claims(session, worker="someone else", now=T0 + LEASE) == 0
    [row, *_] = alerts_of(database)
    assert row.claimed_at == T0 + LEASE and not is_stale(row, T0 + LEASE + LEASE / 2)
    assert is_stale(row, T0 + 2 * LEASE + timedelta(seconds=1))

    # the stage renews before each send once RENEW has passed (here: always)
    renewed: list[str] = []
    real = alert_stage.outbox.renew_claims

    def spy(session: Any, *, worker: str, now: datetime) -> int:
        renewed.append(worker)
        return real(session, worker=worker, now=now)

    monkeypatch.setattr(alert_stage, "RENEW", timedelta(0))
    monkeypatch.setattr(alert_stage.outbox, "renew_claims", spy)
    assert send_alerts(app, database, now=T0 + 3 * LEASE)["alerts_sent"] == 3
    assert len(renewed) == 3 and len(set(renewed)) == 1
