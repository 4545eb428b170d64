"""The one Settings object: environment variables with the DESKWATCH_ prefix.

Built once at each entry point (`Settings()`), then passed down. Nothing else reads the
environment. The YAML config file (see pipeline.config) supplies defaults for some of these
keys; an environment variable always wins over the file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///deskwatch.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKWATCH_", extra="ignore")

    database_url: str | None = None
    """SQLAlchemy URL; default sqlite:///deskwatch.db (a file in the current directory)."""
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
