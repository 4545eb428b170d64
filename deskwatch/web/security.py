"""The reading room's guards, as Starlette middleware and small pure helpers.

- Every response carries a strict Content-Security-Policy (own scripts, styles and images only;
  no inline script, no framing), nosniff, no referrer, and `Cache-Control: no-store` for pages.
- Authentication (web.auth): `basic` checks HTTP basic credentials against PBKDF2-SHA256 hashes;
  `proxy` trusts the user name a reverse proxy puts in a header (the proxy must strip it from
  clients' requests); `none` is refused unless bound to loopback (deskwatch.web.settings).
  The subscription pages and the one-click unsubscribe are not behind it: their signed token is
  the credential (core.tokens), as a link in a mail must work without a password.
- CSRF: every form carries a token that is an HMAC of a random per-browser cookie under the
  secret; a POST without the pair, or from another Origin, is refused with 403. The RFC 8058
  one-click POST (body `List-Unsubscribe=One-Click`) comes from a mail provider, not a browser,
  and is accepted on its signed token alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
CSRF_COOKIE = "dw_csrf"
CSRF_FIELD = "csrf"
PBKDF2_ITERATIONS = 600_000
PUBLIC_PREFIXES = ("/static/", "/unsubscribe/", "/subscriptions/", "/healthz")
"""Paths served without authentication (the token pages carry their own credential)."""


# -- passwords ------------------------------------------------------------------------------------


def hash_password(
    password: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes | None = None
) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hash>` (base64), the users file's format."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    b64 = base64.b64encode
    return f"pbkdf2_sha256${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, hashed: str) -> bool:
    try:
        scheme, iterations, salt, digest = hashed.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations)
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(got, expected)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header, else None."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


# -- CSRF -----------------------------------------------------------------------------------------


def csrf_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, b"csrf\n" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), submitted)


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


# -- middleware -----------------------------------------------------------------------------------


class Guard:
    """Security headers on every response; authentication on every non-public path. Sets
    scope["state"]["user"] to the signed-in name (None on loopback without auth)."""

    def __init__(
        self, app: ASGIApp, *, auth: str, users: dict[str, str], proxy_header: str
    ) -> None:
        self.app = app
        self.auth = auth
        self.users = users
        self.proxy_header = proxy_header
        self._verified: dict[tuple[str, str], bool] = {}
        self._key = secrets.token_bytes(32)

    def _user(self, headers: Headers) -> str | None | bool:
        """The user name; None when no auth is configured; False when the request must stop."""
        if self.auth == "none":
            return None
        if self.auth == "proxy":
            return headers.get(self.proxy_header) or False
        found = basic_credentials(headers.get("authorization"))
        if found is None or found[0] not in self.users:
            return False
        # PBKDF2 is slow on purpose: remember the outcome of a (user, password) pair once made,
        # keyed by an HMAC under a key of this process only (no password kept, even hashed)
        key = (found[0], hmac.new(self._key, found[1].encode(), hashlib.sha256).hexdigest())
        if key not in self._verified:
            if len(self._verified) > 1000:
                self._verified.clear()
            self._verified[key] = check_password(found[1], self.users[found[0]])
        return found[0] if self._verified[key] else False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                raw += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not path.startswith("/static/"):
                    raw.append((b"cache-control", b"no-store"))
                message["headers"] = raw
            await send(message)

        user: Any = None
        if not path.startswith(PUBLIC_PREFIXES):
            user = self._user(Headers(scope=scope))
            if user is False:
                headers = (
                    {"WWW-Authenticate": 'Basic realm="deskwatch"'} if self.auth == "basic" else {}
                )
                status = 401 if self.auth == "basic" else 403
                response = PlainTextResponse("authentication required\n", status, headers=headers)
                await response(scope, receive, with_headers)
                return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, with_headers)
