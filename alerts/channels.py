"""Alert channels: where a composed alert goes. Email (alerts.mailer: an SMTP server, or the
outbox folder) is the one that ships; another channel is one class and one `register_channel`.

A channel is opened for one batch of sends and closed after it:

    with open_channel("email", settings) as channel:
        receipt = channel.send(message, "desk@example.org")

`send` hands over one composed message (an email.message.EmailMessage: subject, plain-text and
HTML parts, Message-ID) for one recipient and returns a Receipt. Two kinds of failure:

    ChannelUnavailable   no message can go now (the server is down, refuses the connection,
                         authentication fails): the caller stops the batch, and every alert of it
                         is tried again later
    DeliveryError        this one message failed; `permanent` marks a refusal that retrying will
                         not cure (a refused recipient), else it is retried with a back-off
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

from core.errors import ConfigError, DeliveryError

if TYPE_CHECKING:
    from alerts.mailer import MailSettings

DEFAULT_CHANNEL = "email"


class ChannelUnavailable(DeliveryError):
    """No message can be sent through the channel now: an outage, not a problem of one message."""


@dataclass(frozen=True)
class Receipt:
    message_id: str
    """What identifies the message that was handed over (for email, its Message-ID)."""


class Channel(Protocol):
    def send(self, message: EmailMessage, recipient: str) -> Receipt: ...

    def close(self) -> None: ...

    def describe(self) -> str:
        """Where messages go, for logs (never a secret)."""
        ...


ChannelFactory = Callable[["MailSettings"], Channel]
"""Makes a channel for one batch from the resolved mail settings (the sender's address and the
retry policy; a channel other than email may ignore the SMTP keys)."""


def _email(settings: MailSettings) -> Channel:
    from alerts.mailer import EmailChannel

    return EmailChannel(settings)


_channels: dict[str, ChannelFactory] = {DEFAULT_CHANNEL: _email}


def register_channel(name: str, factory: ChannelFactory) -> None:
    if name in _channels:
        raise ValueError(f"alert channel {name!r} is already registered")
    _channels[name] = factory


def unregister_channel(name: str) -> None:
    if name != DEFAULT_CHANNEL:
        _channels.pop(name, None)


def channel_names() -> list[str]:
    return list(_channels)


def check_channel(name: str) -> None:
    """ConfigError unless `name` is a registered channel."""
    if name not in _channels:
        expected = ", ".join(repr(n) for n in _channels)
        raise ConfigError(f"unknown alert channel {name!r} (expected one of {expected})")


@contextmanager
def open_channel(name: str, settings: MailSettings) -> Iterator[Channel]:
    """The channel registered as `name`, closed when the block ends."""
    check_channel(name)
    channel = _channels[name](settings)
    try:
        yield channel
    finally:
        channel.close()
