"""Signed, expiring tokens for the links in alert mails (the reading room's subscription pages and
one-click unsubscribe). Pure: the caller passes the secret and the time.

A token is `<email>.<expiry>.<signature>`, each part urlsafe base64 without padding: the email
(UTF-8), the expiry (Unix seconds, decimal), and HMAC-SHA256 over both under the secret. The
token carries the address it is about, so the page needs no lookup to know whose it is, and
cannot be altered to name another address without the secret.

    token = sign("desk@example.org", secret, expires=now + LINK_LIFETIME)
    verify(token, secret, now=now)                 -> "desk@example.org", or TokenError
    unsubscribe_url(base_url, email, secret, now)  -> the link a mail's List-Unsubscribe names
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime, timedelta

from core.errors import DeskwatchError

LINK_LIFETIME = timedelta(days=90)
"""How long a link in a mail keeps working: long enough for an old mail, short enough that a
forwarded one stops working by itself."""
UNSUBSCRIBE_PATH = "/unsubscribe/"
"""The reading room's one-click endpoint (GET shows a confirmation button; POST unsubscribes,
RFC 8058); the token follows the slash."""
SUBSCRIPTIONS_PATH = "/subscriptions/"
"""The reading room's page where the token's owner sees and ends their own subscriptions."""


class TokenError(DeskwatchError):
    """A token that is malformed, signed with another secret, or expired."""


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(email: str, expires: int, secret: bytes) -> bytes:
    message = email.encode("utf-8") + b"\n" + str(expires).encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).digest()


def sign(email: str, secret: bytes, *, expires: datetime) -> str:
    """A token for `email` valid until `expires` (an aware datetime)."""
    if not secret:
        raise ValueError("an empty secret signs nothing")
    stamp = int(expires.timestamp())
    signature = _signature(email, stamp, secret)
    return ".".join(
        (_encode(email.encode("utf-8")), _encode(str(stamp).encode()), _encode(signature))
    )


def verify(token: str, secret: bytes, *, now: datetime) -> str:
    """The email a token was signed for; TokenError when it is not one of ours or has expired."""
    parts = token.split(".")
    if len(parts) != 3 or not secret:
        raise TokenError("this link is not valid")
    try:
        email = _decode(parts[0]).decode("utf-8")
        stamp = int(_decode(parts[1]).decode("ascii"))
        signature = _decode(parts[2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise TokenError("this link is not valid") from None
    if not hmac.compare_digest(signature, _signature(email, stamp, secret)):
        raise TokenError("this link is not valid")
    if now.timestamp() >= stamp:
        raise TokenError("this link has expired: use the one in a newer mail")
    return email


def unsubscribe_url(
    base_url: str, email: str, secret: bytes, now: datetime, *, lifetime: timedelta = LINK_LIFETIME
) -> str:
    """The one-click unsubscribe link for `email` (what a mail's `List-Unsubscribe` header names,
    with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`)."""
    token = sign(email, secret, expires=now + lifetime)
    return base_url.rstrip("/") + UNSUBSCRIBE_PATH + token


def subscriptions_url(
    base_url: str, email: str, secret: bytes, now: datetime, *, lifetime: timedelta = LINK_LIFETIME
) -> str:
    """The link to the page where `email` manages their subscriptions (for a mail's footer)."""
    token = sign(email, secret, expires=now + lifetime)
    return base_url.rstrip("/") + SUBSCRIPTIONS_PATH + token
