"""DESKWATCH_DATABASE_PASSWORD_FILE: the password comes from a file (a Docker secret) and is put
into a URL that names none, so no password sits in a URL or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from pipeline.settings import Settings, database_url


def test_the_password_file_completes_a_url_without_one(tmp_path: Path) -> None:
    secret = tmp_path / "pg-password"
    secret.write_text("s3cr@t/:pw\n", encoding="utf-8")
    settings = Settings(
        database_url="postgresql+psycopg://deskwatch@postgres:5432/deskwatch",
        database_password_file=secret,
    )
    url = database_url(settings, None)
    assert url == "postgresql+psycopg://deskwatch:s3cr%40t%2F%3Apw@postgres:5432/deskwatch"
    from sqlalchemy.engine import make_url

    assert make_url(url).password == "s3cr@t/:pw"


def test_without_the_setting_the_url_is_untouched() -> None:
    settings = Settings(database_url="sqlite:///x.db")
    assert database_url(settings, None) == "sqlite:///x.db"


def test_a_missing_file_or_two_passwords_is_one_config_error(tmp_path: Path) -> None:
    missing = Settings(
        database_url="postgresql://deskwatch@postgres/deskwatch",
        database_password_file=tmp_path / "nope",
    )
    with pytest.raises(ConfigError, match="cannot read the database password file"):
        database_url(missing, None)
    secret = tmp_path / "pw"
    secret.write_text("x", encoding="utf-8")
    both = Settings(
        database_url="postgresql://deskwatch:inline@postgres/deskwatch",
        database_password_file=secret,
    )
    with pytest.raises(ConfigError, match="give the password in one place"):
        database_url(both, None)
