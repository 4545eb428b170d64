"""What every entry point builds once: Settings + Config, the runtime settings resolved from the
two (the environment wins over the file), and the database they name."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.config import FetchPolicy
from pipeline import settings as resolve
from pipeline.config import Config, load_config
from pipeline.settings import Settings
from storage.db import Database, open_database

if TYPE_CHECKING:  # smtplib and ssl are imported by the commands that send mail
    from alerts.mailer import MailSettings


@dataclass
class App:
    """`database_url` and `fetching` are resolved when the App is made; `mail` on first use (it
    reads the SMTP password file, which commands that send no mail must not depend on)."""

    settings: Settings
    config: Config
    database_url: str = field(init=False)
    """DESKWATCH_DATABASE_URL, else the file's database_url, else deskwatch.db here."""
    fetching: FetchPolicy = field(init=False)
    """The fetcher's policy: the `fetching:` section under the DESKWATCH_FETCH_* variables."""

    def __post_init__(self) -> None:
        self.database_url = resolve.database_url(self.settings, self.config.database_url)
        self.fetching = resolve.fetch_policy(self.settings, self.config.fetching)

    @classmethod
    def load(cls, config_path: Path | str | None = None, settings: Settings | None = None) -> App:
        """`config_path` (the --config option) wins over DESKWATCH_CONFIG; neither means the
        bundled default config."""
        settings = settings if settings is not None else Settings()
        path = config_path if config_path is not None else settings.config
        return cls(settings=settings, config=load_config(path))

    @cached_property
    def mail(self) -> MailSettings:
        """The SMTP settings (ConfigError when the password file cannot be read)."""
        return resolve.mail_settings(self.settings, self.config.smtp)

    def open_db(self, *, upgrade: bool = False) -> Database:
        return open_database(self.database_url, upgrade=upgrade)
