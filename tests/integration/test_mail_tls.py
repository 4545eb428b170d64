"""Mail over TLS, against a real SMTP server (aiosmtpd) with a certificate from a throw-away CA
(trustme): STARTTLS and implicit TLS deliver, the login travels only inside TLS, a certificate
the system does not trust is an outage (never a fall back to plain text), and a server that
requires STARTTLS refuses a client configured without it. The CA is trusted for a test through
SSL_CERT_FILE, which Python's default context reads, as an operator's system CA store would be."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from alerts.mailer import MailServerUnavailable, MailSettings, SMTPSender
from tests.fixtures.mail import SMTP_PASSWORD, SMTP_USER, _Authenticator
from tests.fixtures.servers import SMTPServer, SMTPSink, free_port

trustme = pytest.importorskip("trustme")


class _TLSSink(SMTPSink):
    """Keeps every message and whether its session was encrypted and logged in."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, bool]] = []  # (encrypted, authenticated)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        # STARTTLS sets session.ssl; with implicit TLS the transport itself is encrypted
        transport = getattr(server, "transport", None)
        tls = session.ssl is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None
        )
        self.sessions.append((tls, bool(session.authenticated)))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def ca(tmp_path: Path) -> Any:
    authority = trustme.CA()
    authority.bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(authority.bundle))
    return authority


@pytest.fixture
def trusted(ca: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The throw-away CA is in the trust store deskwatch's default TLS context reads."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.bundle))


def _server_context(ca: Any) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _serve(**options: Any) -> Iterator[SMTPServer]:
    from aiosmtpd.controller import Controller

    sink = _TLSSink()
    port = free_port()
    server = SMTPServer(
        "127.0.0.1", port, sink, Controller(sink, hostname="127.0.0.1", port=port, **options)
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def starttls_server(ca: Any) -> Iterator[SMTPServer]:
    """Offers STARTTLS and requires it; AUTH (PLAIN/LOGIN) only inside TLS and required."""
    yield from _serve(
        tls_context=_server_context(ca),
        require_starttls=True,
        authenticator=_Authenticator(),
        auth_required=True,
        auth_require_tls=True,
    )


@pytest.fixture
def implicit_tls_server(ca: Any) -> Iterator[SMTPServer]:
    """TLS from the first byte (port 465 style)."""
    yield from _serve(ssl_context=_server_context(ca))


def _message(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "deskwatch@example.org"
    message["To"] = "desk@example.org"
    message["Subject"] = subject
    message.set_content("A release matched your subscription.")
    return message


def _send(settings: MailSettings, subject: str) -> None:
    sender = SMTPSender(settings)
    try:
        sender.send(_message(subject), "desk@example.org")
    finally:
        sender.close()


def test_starttls_delivers_and_logs_in_inside_tls(
    starttls_server: SMTPServer, trusted: None
) -> None:
    settings = MailSettings(
        host="127.0.0.1",
        port=starttls_server.port,
        starttls=True,
        username=SMTP_USER,
        password=SecretStr(SMTP_PASSWORD),
        mail_from="deskwatch@example.org",
    )
    _send(settings, "over STARTTLS")
    sink = starttls_server.sink
    assert [m["Subject"] for m in sink.to("desk@example.org")] == ["over STARTTLS"]
    assert sink.sessions == [(True, True)]  # type: ignore[attr-defined]


def test_implicit_tls_delivers(implicit_tls_server: SMTPServer, trusted: None) -> None:
    settings = MailSettings(
        host="127.0.0.1", port=implicit_tls_server.port, ssl=True, mail_from="d@example.org"
    )
    assert settings.describe().endswith("(implicit TLS)")
    _send(settings, "over implicit TLS")
    sink = implicit_tls_server.sink
    assert [m["Subject"] for m in sink.to("desk@example.org")] == ["over implicit TLS"]
    assert sink.sessions == [(True, False)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_an_untrusted_certificate_is_an_outage_and_nothing_goes_in_clear(
    mode: str,
    starttls_server: SMTPServer,
    implicit_tls_server: SMTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a trust store without the throw-away CA: the server's certificate cannot be verified
    other = trustme.CA()
    other.cert_pem.write_to_path(str(tmp_path / "other.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "other.pem"))
    server = starttls_server if mode == "starttls" else implicit_tls_server
    settings = MailSettings(
        host="127.0.0.1",
        port=server.port,
        starttls=mode == "starttls",
        ssl=mode == "ssl",
        username=SMTP_USER if mode == "starttls" else None,
        password=SecretStr(SMTP_PASSWORD) if mode == "starttls" else None,
    )
    with pytest.raises(MailServerUnavailable, match="CERTIFICATE_VERIFY_FAILED|certificate"):
        _send(settings, "never sent")
    assert server.sink.messages == []


def test_a_server_that_requires_starttls_refuses_a_client_without_it(
    starttls_server: SMTPServer, trusted: None
) -> None:
    settings = MailSettings(host="127.0.0.1", port=starttls_server.port)  # no TLS, no login
    with pytest.raises(MailServerUnavailable, match="530"):
        _send(settings, "never sent")
    assert starttls_server.sink.messages == []
