"""The one Settings object: environment variables with the DESKWATCH_ prefix.

Built once at each entry point (`Settings()`), then passed down. Nothing else reads the
environment. The YAML config file (see pipeline.config) supplies defaults for some of these
keys; an environment variable always wins over the file. That precedence is resolved here, once,
into the objects the stages use (pipeline.app.App: database_url, fetching, mail).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError
from ingest.config import FetchingConfig, FetchPolicy
from pipeline.alerting import SmtpConfig, check_mail_from

if TYPE_CHECKING:  # smtplib and ssl are imported by the commands that send mail
    from alerts.mailer import MailSettings

DEFAULT_DATABASE_URL = "sqlite:///deskwatch.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKWATCH_", extra="ignore")

    database_url: str | None = None
    """SQLAlchemy URL; default sqlite:///deskwatch.db (a file in the current directory)."""
    database_password_file: Path | None = None
    """A file holding the database password (a Docker secret), put into database_url, which
    then names no password: the password stays out of URLs and the environment."""
    config: Path | None = None
    """Path of the YAML config file; default: the bundled config (the seeds/ folder only)."""

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_password_file: Path | None = None
    smtp_starttls: bool | None = None
    smtp_ssl: bool | None = None
    mail_from: str | None = None
    outbox_dir: Path | None = None

    contact: str | None = None
    """Contact address put in the User-Agent of every request deskwatch makes."""
    fetch_delay_s: float | None = None
    """Seconds between two requests to one host; wins over the config's fetching.delay_s."""

    web_host: str | None = None
    web_port: int | None = None
    web_base_url: str | None = None
    web_auth: str | None = None
    web_users_file: Path | None = None
    web_secret: SecretStr | None = None
    """Signs the reading room's subscription links and form tokens; wins over web.secret_file."""


# -- the environment over the file, resolved once (pipeline.app.App) ------------------------------

SMTP_VARIABLES = {
    "host": "smtp_host",
    "port": "smtp_port",
    "username": "smtp_username",
    "password_file": "smtp_password_file",
    "starttls": "smtp_starttls",
    "ssl": "smtp_ssl",
    "mail_from": "mail_from",
    "outbox_dir": "outbox_dir",
}
"""The `smtp:` keys that have an environment variable, and its Settings field."""
FETCHING_VARIABLES = {"delay_s": "fetch_delay_s"}
"""The `fetching:` keys that have an environment variable."""


def _set(value: object) -> bool:
    return value is not None and value != ""


def first_set(*values: Any) -> Any:
    """The first value that is set (not None, not an empty string), else None."""
    return next((v for v in values if _set(v)), None)


def overlay(settings: Settings, section: BaseModel, variables: dict[str, str]) -> dict[str, Any]:
    """The keys of a config-file section, each replaced by its environment variable when set."""
    merged = section.model_dump()
    for key, field in variables.items():
        merged[key] = first_set(getattr(settings, field), merged[key])
    return merged


def database_url(settings: Settings, from_file: str | None) -> str:
    """DESKWATCH_DATABASE_URL, else the file's, else deskwatch.db here; with the password of
    DESKWATCH_DATABASE_PASSWORD_FILE when that is set (ConfigError when it cannot be read)."""
    url = str(first_set(settings.database_url, from_file, DEFAULT_DATABASE_URL))
    if settings.database_password_file is None:
        return url
    from sqlalchemy.engine import make_url

    path = settings.database_password_file
    try:
        password = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"cannot read the database password file {path}: {reason}") from None
    parsed = make_url(url)
    if parsed.password is not None:
        raise ConfigError(
            "the database URL names a password and DESKWATCH_DATABASE_PASSWORD_FILE is set: "
            "give the password in one place"
        )
    return parsed.set(password=password).render_as_string(hide_password=False)


def fetch_policy(settings: Settings, fetching: FetchingConfig) -> FetchPolicy:
    """The fetcher's policy: the `fetching:` section, DESKWATCH_FETCH_DELAY_S over its delay_s,
    and the contact address of the settings."""
    return FetchPolicy(**overlay(settings, fetching, FETCHING_VARIABLES), contact=settings.contact)


def mail_settings(settings: Settings, smtp: SmtpConfig) -> MailSettings:
    """SMTP settings: each DESKWATCH_SMTP_* (and DESKWATCH_MAIL_FROM, DESKWATCH_OUTBOX_DIR)
    variable over the `smtp:` key of the file. The password comes from DESKWATCH_SMTP_PASSWORD,
    else from the password file, read here (ConfigError when it cannot be read)."""
    merged = overlay(settings, smtp, SMTP_VARIABLES)
    password_file = merged.pop("password_file")
    password = settings.smtp_password
    if password is None and password_file is not None:
        try:
            password = SecretStr(Path(password_file).read_text(encoding="utf-8").strip())
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise ConfigError(
                f"cannot read the SMTP password file {password_file}: {reason}"
            ) from None
    merged["mail_from"] = merged["mail_from"] or "deskwatch@localhost"
    try:  # DESKWATCH_MAIL_FROM wins over the file, so it is checked here as the file's is
        check_mail_from(merged["mail_from"])
    except ValueError as exc:
        raise ConfigError(f"DESKWATCH_MAIL_FROM / smtp.mail_from: {exc}") from None
    merged["mail_from"] = merged["mail_from"].strip()
    merged["outbox_dir"] = Path(merged["outbox_dir"] or "outbox")
    from alerts.mailer import MailSettings

    return MailSettings(**merged, password=password)
