"""The reading room's settings: the `web:` section of the config file under the DESKWATCH_WEB_*
variables (the environment wins), resolved once when the app is made, and the rule that keeps it
safe by default: bound anywhere but loopback, it needs an auth other than none."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConfigError
from pipeline.app import App
from pipeline.links import configured_base_url, configured_secret
from pipeline.settings import first_set

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = "http://127.0.0.1:8080"
    auth: str = "none"
    users: dict[str, str] = field(default_factory=dict)
    """name -> password hash (deskwatch.web.security.hash_password)."""
    proxy_header: str = "X-Remote-User"
    secret: bytes = b""
    secret_is_ephemeral: bool = False
    """No secret was configured: one was made up at start (links die with the process)."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_users(path: Path) -> dict[str, str]:
    """`name:hash` lines; blank lines and # comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"cannot read the web users file {path}: {reason}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not name or not hashed.startswith("pbkdf2_sha256$"):
            raise ConfigError(
                f"{path}:{number}: expected name:pbkdf2_sha256$... (deskwatch web --hash)"
            )
        users[name] = hashed
    return users


def _secret(app: App) -> tuple[bytes, bool]:
    secret = configured_secret(app)
    if secret is not None:
        return secret, False
    return secrets.token_bytes(32), True


def web_settings(app: App, *, host: str | None = None, port: int | None = None) -> WebSettings:
    """The options (`deskwatch web --host --port`) over the environment over the file.
    ConfigError when the result would serve the archive unauthenticated beyond this machine."""
    s, web = app.settings, app.config.web
    host = str(first_set(host, s.web_host, web.host))
    port = int(first_set(port, s.web_port, web.port))
    auth = str(first_set(s.web_auth, web.auth))
    if auth not in ("none", "basic", "proxy"):
        raise ConfigError(f"DESKWATCH_WEB_AUTH: unknown auth {auth!r} (none, basic or proxy)")
    if auth == "none" and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve the archive on {host} without authentication: set web.auth "
            "to basic (with web.users_file) or proxy (docs/web.md)"
        )
    users: dict[str, str] = {}
    if auth == "basic":
        users_file = first_set(s.web_users_file, web.users_file)
        if users_file is None:
            raise ConfigError("web.auth is basic but no web.users_file is set")
        users = read_users(Path(users_file))
        if not users:
            raise ConfigError(f"the web users file {users_file} names nobody")
    shown = f"[{host}]" if ":" in host else host
    base_url = configured_base_url(app) or f"http://{shown}:{port}"
    secret, ephemeral = _secret(app)
    return WebSettings(
        host=host,
        port=port,
        base_url=base_url,
        auth=auth,
        users=users,
        proxy_header=web.proxy_header,
        secret=secret,
        secret_is_ephemeral=ephemeral,
    )
