"""Handing composed mail over: to an SMTP server (smtplib), or as .eml files into an outbox folder
when no SMTP host is configured (the quick-start default). IO lives here and only here.
`EmailChannel` is the email alert channel (see alerts.channels) over the two.

A sender raises DeliveryError for one message that could not be handed over; `permanent` marks
a refusal that retrying will not cure (a 5xx for the recipient). `MailServerUnavailable` (the
server is down, refuses the connection, TLS or authentication fails) means no message can go
now: the caller stops the batch and retries all of it later. The password is never put in an
error message or a log line.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from alerts.channels import ChannelUnavailable, Receipt
from core.errors import DeliveryError


class MailServerUnavailable(ChannelUnavailable):
    """No message can be sent now (connection, TLS or authentication failure): an outage."""


@dataclass(frozen=True)
class MailSettings:
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    ssl: bool = False
    mail_from: str = "deskwatch@localhost"
    outbox_dir: Path = Path("outbox")
    timeout_s: float = 30.0
    max_attempts: int = 10
    retry_delay_s: float = 60.0
    max_retry_delay_s: float = 6 * 3600.0
    unsubscribe: str | None = None
    coalesce_minutes: float = 60.0
    """Successive versions of one page to one person within this window are one mail."""

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return 465 if self.ssl else 587 if self.starttls else 25

    @property
    def transport(self) -> str:
        return "smtp" if self.host else "outbox"

    def describe(self) -> str:
        """Where mail goes, for logs and the CLI (never the password)."""
        if not self.host:
            return f"outbox folder {self.outbox_dir}"
        security = "implicit TLS" if self.ssl else "STARTTLS" if self.starttls else "no TLS"
        user = f" as {self.username}" if self.username else ""
        return f"smtp://{self.host}:{self.effective_port} ({security}){user}"


class Sender(Protocol):
    def send(self, message: EmailMessage, recipient: str) -> None: ...

    def close(self) -> None: ...


class SMTPSender:
    """One connection, opened on the first send and reused for the batch."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.host
        where = f"{s.host}:{s.effective_port}"
        context = ssl.create_default_context()
        conn: smtplib.SMTP | None = None
        try:
            if s.ssl:
                conn = smtplib.SMTP_SSL(
                    s.host, s.effective_port, timeout=s.timeout_s, context=context
                )
            else:
                conn = smtplib.SMTP(s.host, s.effective_port, timeout=s.timeout_s)
            conn.ehlo()
            if s.starttls:
                conn.starttls(context=context)
                conn.ehlo()
            if s.username:
                password = s.password.get_secret_value() if s.password else ""
                conn.login(s.username, password)
        except smtplib.SMTPAuthenticationError as exc:
            self._drop(conn)
            raise MailServerUnavailable(
                f"SMTP authentication failed at {where} for user {s.username}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            self._drop(conn)
            raise MailServerUnavailable(f"SMTP server {where}: {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop(conn)
            raise MailServerUnavailable(
                f"cannot reach SMTP server {where}: {_describe(exc)}"
            ) from None
        return conn

    def send(self, message: EmailMessage, recipient: str) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(
                message, from_addr=self.settings.mail_from, to_addrs=[recipient]
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            raise DeliveryError(
                f"recipient {recipient} refused: {code} {_text(reply)}", permanent=code >= 500
            ) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryError(
                f"message to {recipient} refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=exc.smtp_code >= 500,
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            raise MailServerUnavailable(
                f"sender {self.settings.mail_from} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailServerUnavailable(
                f"SMTP server {self.settings.host} failed during send: {_describe(exc)}"
            ) from None

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                self._drop(conn)

    @staticmethod
    def _drop(conn: smtplib.SMTP | None) -> None:
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()


class OutboxSender:
    """Writes each message as `<Message-ID>.eml` into a folder: the same message written twice
    replaces its file, so the folder holds each alert once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, recipient: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailServerUnavailable(
                f"cannot create outbox folder {self.folder}: {exc}"
            ) from None
        name = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["Message-ID"]).strip("<> ")) or "mail"
        target = self.folder / f"{name[:200]}.eml"
        data = message.as_bytes(policy=policy.SMTP)
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            raise MailServerUnavailable(
                f"cannot write to outbox folder {self.folder}: {exc}"
            ) from None
        finally:
            if tmp is not None:  # a partial file (a full disk): never left in the outbox
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def close(self) -> None:
        pass


class EmailChannel:
    """The email channel: the SMTP sender when a host is set, else the outbox folder."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.sender: Sender = (
            SMTPSender(settings) if settings.host else OutboxSender(settings.outbox_dir)
        )

    def send(self, message: EmailMessage, recipient: str) -> Receipt:
        self.sender.send(message, recipient)
        return Receipt(message_id=str(message["Message-ID"]))

    def close(self) -> None:
        self.sender.close()

    def describe(self) -> str:
        return self.settings.describe()


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return " ".join(value.split())


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())
