"""SMTP settings: the environment wins over the config file; the password comes only from the
environment or a password file and never shows in a repr or a description."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from pipeline.app import App
from pipeline.config import load_config
from pipeline.settings import Settings


def app_with(tmp_path: Path, smtp_yaml: str, **env: object) -> App:
    path = tmp_path / "deskwatch.yaml"
    path.write_text("smtp:\n" + smtp_yaml, encoding="utf-8")
    return App(settings=Settings(**env), config=load_config(path))  # type: ignore[arg-type]


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("from-file\n")
    yaml = (
        "  host: file.example.org\n  port: 2525\n  username: file-user\n"
        "  password_file: secret\n  starttls: true\n  mail_from: file@example.org\n"
        "  outbox_dir: mail-out\n  max_attempts: 3\n"
    )
    settings = app_with(tmp_path, yaml).mail
    assert (settings.host, settings.effective_port, settings.username) == (
        "file.example.org",
        2525,
        "file-user",
    )
    assert settings.password is not None and settings.password.get_secret_value() == "from-file"
    assert settings.starttls and not settings.ssl
    assert settings.outbox_dir == tmp_path / "mail-out"  # relative to the config file
    assert settings.max_attempts == 3

    env = app_with(
        tmp_path,
        yaml,
        smtp_host="env.example.org",
        smtp_port=465,
        smtp_username="env-user",
        smtp_password="from-env",
        smtp_starttls=False,
        smtp_ssl=True,
        mail_from="env@example.org",
    ).mail
    assert (env.host, env.effective_port, env.username, env.mail_from) == (
        "env.example.org",
        465,
        "env-user",
        "env@example.org",
    )
    assert env.password is not None and env.password.get_secret_value() == "from-env"
    assert env.ssl and not env.starttls
    assert "from-env" not in repr(env) and "from-env" not in env.describe()
    assert env.describe() == "smtp://env.example.org:465 (implicit TLS) as env-user"


def test_no_host_means_the_outbox(tmp_path: Path) -> None:
    settings = app_with(tmp_path, "  mail_from: d@example.org\n").mail
    assert settings.transport == "outbox" and settings.describe() == "outbox folder outbox"


def test_password_problems_are_one_clear_line(tmp_path: Path) -> None:
    app = app_with(tmp_path, "  host: h.example.org\n  password_file: missing-secret\n")
    with pytest.raises(ConfigError, match=r"cannot read the SMTP password file .*missing-secret"):
        _ = app.mail
    with pytest.raises(ConfigError, match="never read from the config file"):
        app_with(tmp_path, "  host: h.example.org\n  password: hunter2\n")
    with pytest.raises(ConfigError, match="choose one of ssl"):
        app_with(tmp_path, "  ssl: true\n  starttls: true\n")
    with pytest.raises(ConfigError, match="unsubscribe must be a mailto: or https: address"):
        app_with(tmp_path, "  unsubscribe: javascript:alert(1)\n")
