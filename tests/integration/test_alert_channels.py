"""The alert stage sends through whichever channel the config names: a second channel, registered
here, that keeps what it is given in a list, runs through the real create/send path on SQLite and
Postgres, with its outages and its per-message failures handled as email's are."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from alerts.channels import ChannelUnavailable, Receipt, register_channel, unregister_channel
from alerts.mailer import MailSettings
from core.errors import ConfigError, DeliveryError
from pipeline.app import App
from pipeline.config import Config, load_config
from pipeline.settings import Settings
from pipeline.stages.alert import create_alerts, send_alerts, send_digests
from tests.integration.alerts_helpers import (
    GAZA_TAGS,
    GAZA_TEXT,
    T0,
    UKRAINE_TAGS,
    UKRAINE_TEXT,
    alerts_of,
    store,
)

UKRAINE_DESK = {"email": "ukraine.desk@example.org", "themes": ["ukraine-support"]}
MIDEAST_DESK = {"email": "mideast.desk@example.org", "themes": ["middle-east-escalation"]}


@dataclass
class ListChannel:
    """Keeps (recipient, subject) of every message; `down` makes it an outage, `refuse` refuses
    one recipient for good."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False
    refuse: str | None = None
    opened: int = 0
    closed: int = 0

    def __call__(self, settings: MailSettings) -> ListChannel:  # the factory
        self.opened += 1
        return self

    def send(self, message: EmailMessage, recipient: str) -> Receipt:
        if self.down:
            raise ChannelUnavailable("the list is down")
        if recipient == self.refuse:
            raise DeliveryError(f"{recipient} is not on the list", permanent=True)
        self.sent.append((recipient, str(message["Subject"])))
        return Receipt(message_id=f"list-{len(self.sent)}")

    def close(self) -> None:
        self.closed += 1

    def describe(self) -> str:
        return "a list in memory"


@pytest.fixture
def channel() -> Iterator[ListChannel]:
    kept = ListChannel()
    register_channel("list", kept)
    yield kept
    unregister_channel("list")


def _app(db_url: str, tmp_path: Path, subscriptions: list[dict[str, object]]) -> App:
    config = Config.model_validate({"subscriptions": subscriptions, "channel": "list"})
    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox")
    return App(settings=settings, config=config)


def _store_two(database) -> None:
    store(database, "ukraine-1", "Winter support for Ukraine", UKRAINE_TEXT, UKRAINE_TAGS)
    store(database, "gaza-1", "UK calls for a sustainable ceasefire", GAZA_TEXT, GAZA_TAGS)


def test_alerts_go_through_the_configured_channel(database, tmp_path, channel) -> None:
    app = _app(database.url, tmp_path, [UKRAINE_DESK, MIDEAST_DESK])
    create_alerts(app, database, now=T0)
    _store_two(database)
    assert create_alerts(app, database, now=T0)["alerts_created"] == 2
    assert send_alerts(app, database, now=T0)["alerts_sent"] == 2
    assert sorted(channel.sent) == [
        (
            "mideast.desk@example.org",
            "[deskwatch] Middle East escalation · UK calls for a sustainable ceasefire",
        ),
        ("ukraine.desk@example.org", "[deskwatch] Ukraine support · Winter support for Ukraine"),
    ]
    rows = alerts_of(database)
    assert {a.status for a in rows} == {"sent"}
    assert sorted(a.message_id or "" for a in rows) == ["list-1", "list-2"]  # the receipts
    assert channel.opened == channel.closed == 1
    assert not (tmp_path / "outbox").exists()  # nothing went to email's outbox


def test_an_outage_defers_the_batch_and_a_refusal_fails_one(database, tmp_path, channel) -> None:
    app = _app(database.url, tmp_path, [UKRAINE_DESK, MIDEAST_DESK])
    create_alerts(app, database, now=T0)
    _store_two(database)
    create_alerts(app, database, now=T0)
    channel.down = True
    counts = send_alerts(app, database, now=T0)
    assert (counts["alerts_sent"], counts["alerts_deferred"]) == (0, 2)
    assert {(a.status, a.attempts) for a in alerts_of(database)} == {("pending", 1)}
    assert "the list is down" in (alerts_of(database)[0].last_error or "")

    channel.down, channel.refuse = False, "mideast.desk@example.org"
    later = T0 + timedelta(hours=1)
    counts = send_alerts(app, database, now=later)
    assert (counts["alerts_sent"], counts["alerts_failed"]) == (1, 1)
    assert {a.email: a.status for a in alerts_of(database)} == {
        "ukraine.desk@example.org": "sent",
        "mideast.desk@example.org": "failed",
    }


def test_digests_go_through_the_channel_too(database, tmp_path, channel) -> None:
    app = _app(database.url, tmp_path, [{**UKRAINE_DESK, "frequency": "daily"}])
    create_alerts(app, database, now=T0)
    _store_two(database)
    create_alerts(app, database, now=T0)
    counts = send_digests(app, database, frequency="daily", now=T0 + timedelta(hours=1))
    assert counts["digests_sent"] == 1
    [(recipient, subject)] = channel.sent
    assert recipient == "ukraine.desk@example.org" and "digest" in subject.lower()


def test_an_unknown_channel_is_a_one_line_config_error(tmp_path) -> None:
    path = tmp_path / "deskwatch.yaml"
    path.write_text("channel: pigeon\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}: channel: unknown alert channel 'pigeon' (expected one of 'email')"
    )
