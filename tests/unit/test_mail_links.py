"""The reading room's signed links in every mail: resolved from the settings (pipeline.links),
signed per recipient when the envelope is made, and put in the composed message's headers and
in the foot of both bodies (alerts.compose)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from alerts.compose import AlertItem, Envelope, compose_alert, compose_digest
from alerts.mailer import MailSettings
from core.errors import ConfigError
from core.tokens import LINK_LIFETIME, TokenError, verify
from pipeline.app import App
from pipeline.config import Config
from pipeline.links import MailLinks, mail_links
from pipeline.mail_items import envelope
from pipeline.settings import Settings

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SECRET = b"a-secret-for-signing-links"
BASE = "https://deskwatch.example.org"
DESK = "a.rather.long.address.for.the.middle.east.desk@fcdo.example.gov.uk"


def item() -> AlertItem:
    return AlertItem(7, 3, 9, 1, "UK statement on Gaza", NOW, "fcdo-news", "https://x.org", ())


def signed(unsubscribe: str | None = None, *, links: MailLinks | None = None) -> Envelope:
    settings = MailSettings(mail_from="deskwatch@example.org", unsubscribe=unsubscribe)
    return envelope(settings, DESK, [], NOW, None, links or MailLinks(BASE, SECRET))


def received(message):  # what the recipient's server reads: the SMTP bytes parsed back
    return message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)


def uris(header: str) -> list[str]:
    return [part.strip().strip("<>") for part in header.split(",")]


def test_the_envelope_signs_both_links_for_its_recipient_from_now() -> None:
    env = signed()
    assert env.one_click and env.manage
    assert env.one_click.startswith(BASE + "/unsubscribe/")
    assert env.manage.startswith(BASE + "/subscriptions/")
    for url in (env.one_click, env.manage):
        token = urlsplit(url).path.rpartition("/")[2]
        assert verify(token, SECRET, now=NOW + LINK_LIFETIME - timedelta(minutes=1)) == DESK
        with pytest.raises(TokenError, match="expired"):
            verify(token, SECRET, now=NOW + LINK_LIFETIME)
        with pytest.raises(TokenError):
            verify(token, b"another-secret-entirely", now=NOW)
    # another recipient's links are not this one's
    settings = MailSettings(mail_from="d@example.org")
    other = envelope(settings, "x@example.org", [], NOW, None, MailLinks(BASE, SECRET))
    assert other.one_click != env.one_click


def test_without_the_reading_room_the_envelope_has_no_links() -> None:
    env = envelope(MailSettings(mail_from="deskwatch@example.org"), DESK, [], NOW)
    assert env.one_click is None and env.manage is None


@pytest.mark.parametrize("compose", ["alert", "digest"])
def test_headers_name_the_one_click_link_unencoded(compose: str) -> None:
    env = signed()
    message = (
        compose_alert(item(), env)
        if compose == "alert"
        else compose_digest([item()], env, frequency="daily", period_key="k", period_label="l")
    )
    mail = received(message)
    assert uris(mail["List-Unsubscribe"]) == [env.one_click]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # a signed link is longer than a line: it must stay a URI, not become RFC 2047 words
    raw = message.as_bytes(policy=policy.SMTP).decode()
    assert f"List-Unsubscribe: <{env.one_click}>\r\n" in raw
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"Manage your subscriptions: {env.manage}" in text
    assert f"Unsubscribe from all of them: {env.one_click}" in text
    assert f'<a href="{env.manage}"' in html and ">Manage your subscriptions</a>" in html
    assert f'<a href="{env.one_click}"' in html and ">Unsubscribe</a>" in html


def test_a_mailto_unsubscribe_stays_as_the_second_choice() -> None:
    env = signed("mailto:unsubscribe@example.org?subject=stop")
    mail = received(compose_alert(item(), env))
    assert uris(mail["List-Unsubscribe"]) == [
        env.one_click,
        "mailto:unsubscribe@example.org?subject=stop",
    ]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_reading_room_replaces_an_https_unsubscribe() -> None:
    env = signed("https://elsewhere.example.org/u")
    mail = received(compose_alert(item(), env))
    assert uris(mail["List-Unsubscribe"]) == [env.one_click]


def test_a_plain_http_reading_room_gets_no_one_click_post() -> None:
    env = signed(links=MailLinks("http://127.0.0.1:8080", SECRET))
    mail = received(compose_alert(item(), env))
    assert uris(mail["List-Unsubscribe"]) == [env.one_click]
    assert mail["List-Unsubscribe-Post"] is None  # RFC 8058 asks for HTTPS


def app(tmp_path: Path, web: dict[str, object], **env: object) -> App:
    config = Config.model_validate({"web": web})
    return App(settings=Settings(database_url="sqlite://", **env), config=config)  # type: ignore[arg-type]


def test_links_need_a_base_url_and_a_secret(tmp_path: Path, caplog) -> None:
    assert mail_links(app(tmp_path, {})) is None
    assert mail_links(app(tmp_path, {}, web_secret="s" * 20)) is None  # no base URL: no guess
    assert mail_links(app(tmp_path, {"base_url": BASE})) is None
    assert "no web secret" in caplog.text
    links = mail_links(app(tmp_path, {"base_url": BASE + "/"}, web_secret="s" * 20))
    assert links == MailLinks(BASE, b"s" * 20)
    assert "s" * 20 not in repr(links)


def test_the_environment_wins_and_a_secret_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "web-secret"
    secret.write_text("from-the-secret-file\n", encoding="utf-8")
    web = {"base_url": "https://file.example.org", "secret_file": secret}
    assert mail_links(app(tmp_path, web)) == MailLinks(
        "https://file.example.org", b"from-the-secret-file"
    )
    env = {"web_base_url": "https://env.example.org", "web_secret": "from-the-environment"}
    assert mail_links(app(tmp_path, web, **env)) == MailLinks(
        "https://env.example.org", b"from-the-environment"
    )
    secret.write_text("short", encoding="utf-8")
    with pytest.raises(ConfigError, match="shorter than 16"):
        mail_links(app(tmp_path, web))
