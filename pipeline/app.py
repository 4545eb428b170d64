"""What every entry point builds once: Settings + Config, and the database they name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config, load_config
from pipeline.settings import DEFAULT_DATABASE_URL, Settings
from storage.db import Database, open_database


@dataclass
class App:
    settings: Settings
    config: Config

    @classmethod
    def load(cls, config_path: Path | str | None = None, settings: Settings | None = None) -> App:
        """`config_path` (the --config option) wins over DESKWATCH_CONFIG; neither means the
        bundled default config."""
        settings = settings if settings is not None else Settings()
        path = config_path if config_path is not None else settings.config
        return cls(settings=settings, config=load_config(path))

    @property
    def database_url(self) -> str:
        """The environment wins over the config file; the default is deskwatch.db here."""
        return self.settings.database_url or self.config.database_url or DEFAULT_DATABASE_URL

    def open_db(self, *, upgrade: bool = False) -> Database:
        return open_database(self.database_url, upgrade=upgrade)
