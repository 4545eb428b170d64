"""Environment over file, resolved once into App: for each family of settings, the environment
variable wins, the file's key is used when the variable is absent, and the default when neither."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import ConfigError
from pipeline.app import App
from pipeline.settings import Settings

FILE = """
database_url: sqlite:///from-file.db
fetching: {delay_s: 0.25, timeout_s: 7}
smtp:
  host: file.example.org
  port: 2525
  username: file-user
  password_file: secret
  starttls: true
  mail_from: file@example.org
  outbox_dir: file-outbox
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DESKWATCH_"):
            monkeypatch.delenv(name)


def _app(tmp_path: Path, text: str | None) -> App:
    if text is None:
        return App.load(None, Settings())
    path = tmp_path / "deskwatch.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "secret").write_text("file-password\n", encoding="utf-8")
    return App.load(path, Settings())


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DATABASE_URL": "sqlite:///from-env.db",
        "FETCH_DELAY_S": "0",
        "CONTACT": "desk@example.org",
        "SMTP_HOST": "env.example.org",
        "SMTP_PORT": "465",
        "SMTP_USERNAME": "env-user",
        "SMTP_PASSWORD": "env-password",
        "SMTP_STARTTLS": "false",
        "SMTP_SSL": "true",
        "MAIL_FROM": "env@example.org",
        "OUTBOX_DIR": str(tmp_path / "env-outbox"),
    }.items():
        monkeypatch.setenv(f"DESKWATCH_{name}", value)
    app = _app(tmp_path, FILE)
    assert app.database_url == "sqlite:///from-env.db"
    assert app.fetching.delay_s == 0  # zero is a value, not "unset"
    assert app.fetching.timeout_s == 7  # no variable: the file
    assert "desk@example.org" in app.fetching.user_agent
    mail = app.mail
    assert (mail.host, mail.port, mail.username, mail.mail_from) == (
        "env.example.org",
        465,
        "env-user",
        "env@example.org",
    )
    assert (mail.starttls, mail.ssl) == (False, True)
    assert mail.password is not None and mail.password.get_secret_value() == "env-password"
    assert mail.outbox_dir == tmp_path / "env-outbox"


def test_the_file_when_the_environment_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKWATCH_SMTP_HOST", "")  # an empty variable counts as unset
    app = _app(tmp_path, FILE)
    assert app.database_url == "sqlite:///from-file.db"
    assert (app.fetching.delay_s, app.fetching.timeout_s) == (0.25, 7)
    mail = app.mail
    assert (mail.host, mail.port, mail.username, mail.mail_from) == (
        "file.example.org",
        2525,
        "file-user",
        "file@example.org",
    )
    assert (mail.starttls, mail.ssl) == (True, False)
    assert mail.password is not None and mail.password.get_secret_value() == "file-password"
    assert mail.outbox_dir == tmp_path / "file-outbox"


def test_the_defaults_when_neither_says(tmp_path: Path) -> None:
    for app in (_app(tmp_path, "sources: []\n"), _app(tmp_path, None)):
        assert app.database_url == "sqlite:///deskwatch.db"
        assert (app.fetching.delay_s, app.fetching.timeout_s) == (1.0, 20.0)
        assert app.fetching.user_agent == "deskwatch/0.1 (media monitoring of official releases)"
        mail = app.mail
        assert (mail.host, mail.transport, mail.effective_port) == (None, "outbox", 25)
        assert (mail.mail_from, mail.outbox_dir, mail.password) == (
            "deskwatch@localhost",
            Path("outbox"),
            None,
        )


def test_an_unreadable_password_file_fails_only_when_mail_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "deskwatch.yaml"
    path.write_text("smtp: {host: h.example.org, password_file: missing}\n", encoding="utf-8")
    app = App.load(path, Settings())  # loading, and the database and fetching settings, work
    assert app.database_url == "sqlite:///deskwatch.db"
    with pytest.raises(ConfigError, match="cannot read the SMTP password file"):
        _ = app.mail
