"""The reading room's links in every mail (docs/web.md): its address and the secret that signs
them, the environment over the `web:` key of the config file, resolved here for both callers (the
alert stage, which signs the links, and `deskwatch web`, which checks them).

A mail carries the links only when the reading room is configured: a base URL (readers follow
it from their mail, so it is never guessed from the host and port) and a secret. The links are
signed per recipient when the mail is composed (core.tokens, expiry from `now`), never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from core.errors import ConfigError
from core.tokens import subscriptions_url, unsubscribe_url
from pipeline.settings import first_set

if TYPE_CHECKING:
    from pipeline.app import App

log = logging.getLogger("deskwatch.alerts")

SECRET_MIN = 16
"""A secret file shorter than this is refused (a typo, or an empty file)."""


@dataclass(frozen=True)
class MailLinks:
    """Where the reading room is, and the key its links are signed with."""

    base_url: str
    secret: bytes = field(repr=False)

    def for_recipient(self, email: str, now: datetime) -> tuple[str, str]:
        """(one-click unsubscribe link, subscriptions page link) for `email`, valid from `now`
        for core.tokens.LINK_LIFETIME."""
        return (
            unsubscribe_url(self.base_url, email, self.secret, now),
            subscriptions_url(self.base_url, email, self.secret, now),
        )


def configured_base_url(app: App) -> str | None:
    """DESKWATCH_WEB_BASE_URL, else web.base_url, without a trailing slash; None if neither."""
    value = first_set(app.settings.web_base_url, app.config.web.base_url)
    return str(value).rstrip("/") if value is not None else None


def configured_secret(app: App) -> bytes | None:
    """DESKWATCH_WEB_SECRET, else the content of web.secret_file; None if neither is set.
    ConfigError when the file cannot be read or is shorter than SECRET_MIN characters."""
    env = app.settings.web_secret
    if env is not None and env.get_secret_value():
        return env.get_secret_value().encode()
    path = app.config.web.secret_file
    if path is None:
        return None
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"cannot read the web secret file {path}: {reason}") from None
    if len(value) < SECRET_MIN:
        raise ConfigError(f"the web secret in {path} is shorter than {SECRET_MIN} characters")
    return value.encode()


def mail_links(app: App) -> MailLinks | None:
    """The links mails carry, or None when the reading room is not configured (a base URL and a
    secret); a base URL without a secret is logged, since its links could not be checked."""
    base_url = configured_base_url(app)
    if base_url is None:
        return None
    secret = configured_secret(app)
    if secret is None:
        log.warning(
            "web.base_url is set but no web secret (DESKWATCH_WEB_SECRET or web.secret_file): "
            "mails carry no reading-room links"
        )
        return None
    return MailLinks(base_url, secret)
