"""`deskwatch config check [FILE]`: each problem on one line, exit 2 when any, and no archive
opened or created (the database URL points at a file that must not appear)."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import SEEDS_DIR
from tests.fixtures.cli import Cli


def no_archive_cli(tmp_path: Path) -> tuple[Cli, Path]:
    database = tmp_path / "never.db"
    return Cli({"DESKWATCH_DATABASE_URL": f"sqlite:///{database}"}), database


def test_a_good_config_is_ok_and_says_when_schedules_take_effect(tmp_path: Path) -> None:
    cli, database = no_archive_cli(tmp_path)
    result = cli("config", "check", str(SEEDS_DIR / "deskwatch.yaml"))
    assert result.exit_code == 0, result.stdout
    assert "schedule run: every 900 s" in result.stdout
    assert "restart `deskwatch serve`" in result.stdout
    assert result.stdout.rstrip().endswith(": ok")
    assert not database.exists()


def test_every_problem_is_one_line_and_exit_2(tmp_path: Path) -> None:
    cli, database = no_archive_cli(tmp_path)
    config = tmp_path / "bad.yaml"
    config.write_text(
        "sources:\n"
        "  - {name: gone, type: files, path: nowhere}\n"
        "  - {name: ftp, type: feed, url: 'ftp://example.org/feed'}\n"
        "subscriptions:\n"
        "  - {email: a@example.org, themes: [ukrane-support]}\n"
        "  - {email: b@example.org, countries: [ZZ]}\n"
        "smtp: {host: mail.example.org, password_file: missing-secret}\n",
        encoding="utf-8",
    )
    result = cli("config", "check", str(config))
    assert result.exit_code == 2
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 5, result.stdout
    text = "\n".join(problems)
    assert "sources.0 (gone): no such folder" in text
    assert "sources.1 (ftp): url 'ftp://example.org/feed' is not http:// or https://" in text
    assert "subscriptions.0 (a@example.org): unknown theme id 'ukrane-support'" in text
    assert "subscriptions.1 (b@example.org): unknown country code 'ZZ'" in text
    assert "smtp: cannot read the SMTP password file" in text
    assert result.stdout.rstrip().endswith("5 problems")
    assert not database.exists()


def test_a_file_that_does_not_load_is_one_problem(tmp_path: Path) -> None:
    cli, _ = no_archive_cli(tmp_path)
    config = tmp_path / "broken.yaml"
    config.write_text("schedule:\n  run: {cron: 'every day'}\n", encoding="utf-8")
    result = cli("config", "check", str(config))
    assert result.exit_code == 2
    [problem] = [line for line in result.stdout.splitlines() if line.startswith("problem: ")]
    assert "invalid cron expression" in problem
