"""The archive commands through the real CLI, on SQLite and Postgres."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from tests.fixtures.cli import Cli

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    run_in_process(
        App.load(None, Settings(database_url=cli.env["DESKWATCH_DATABASE_URL"])), now=NOW
    )
    return cli


def test_releases_json_shows_the_seed(seeded: Cli) -> None:
    result = seeded("releases", "--json")
    assert result.exit_code == 0, result.stderr
    [row] = result.json()
    assert row["published_at"] == "2023-11-07T00:00:00+00:00"
    assert row["source"] == "seeds"
    assert row["url"].endswith(".txt")
    assert row["title"].startswith("Foreign Secretary and Defence Secretary in Japan")
    assert isinstance(row["id"], int)


def test_releases_table_and_csv(seeded: Cli) -> None:
    table = seeded("releases")
    assert table.exit_code == 0
    assert "2023-11-07" in table.stdout and "seeds" in table.stdout
    rows = list(csv.DictReader(io.StringIO(seeded("releases", "--csv").stdout)))
    assert [r["source"] for r in rows] == ["seeds"]
    assert rows[0]["published_at"].startswith("2023-11-07")
    nope = seeded("releases", "--source", "nope", "--json")  # a typo, not an empty list
    assert nope.exit_code == 2 and "unknown source 'nope'" in nope.stderr
    both = seeded("releases", "--json", "--csv")
    assert both.exit_code == 2


def test_show_prints_text_and_versions(seeded: Cli) -> None:
    release_id = seeded("releases", "--json").json()[0]["id"]
    result = seeded("show", str(release_id), "--json")
    assert result.exit_code == 0
    detail = result.json()
    assert "Yōko Kamikawa" in detail["text"]
    assert "\n\n" in detail["text"]  # paragraphs kept
    [version] = detail["versions"]
    assert version["number"] == 1
    assert len(version["sha256"]) == 64
    assert version["change_note"] is None
    assert version["fetched_at"].startswith("2026-11-27")
    plain = seeded("show", str(release_id))
    assert plain.exit_code == 0
    assert "Versions" in plain.stdout and "Hiroshima" in plain.stdout


def test_unknown_id_is_one_line_and_non_zero(seeded: Cli) -> None:
    result = seeded("show", "999999")
    assert result.exit_code == 1
    assert result.stderr.strip() == "deskwatch: error: no release with id 999999"
    assert "Traceback" not in result.stdout + result.stderr


def test_db_upgrade(cli: Cli) -> None:
    first = cli("db", "upgrade")
    assert first.exit_code == 0, first.stderr
    assert "database is up to date" in first.stdout
    assert "(0 migration(s) applied)" in cli("db", "upgrade").stdout


def test_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("sources:\n  - {name: a, type: telepathy}\n")
    result = Cli({"DESKWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})(
        "--config", str(config), "releases"
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert str(config) in result.stderr and "telepathy" in result.stderr


def test_config_from_environment(tmp_path: Path) -> None:
    result = Cli({"DESKWATCH_CONFIG": str(tmp_path / "missing.yaml")})("releases")
    assert result.exit_code == 2
    assert "missing.yaml: config file not found" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://nobody@127.0.0.1:1/none", "cannot reach the database"),
        (
            "sqlite:////nonexistent-folder/x/deskwatch.db",
            "folder /nonexistent-folder/x does not exist",
        ),
        ("notadb://x", "cannot use database URL notadb://x"),
        ("just-a-word", "invalid database URL"),
    ],
)
def test_unreachable_database_is_one_line(url: str, message: str) -> None:
    result = Cli({"DESKWATCH_DATABASE_URL": url})("releases")
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def readme_command_table() -> set[str]:
    """The commands named in the README's command table: the words after `deskwatch` in each
    row's first cell, up to the first argument or option (`alerts retry`, `db upgrade`)."""
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    names = set()
    for cell in re.findall(r"^\| `deskwatch ([^`]+)`", table, flags=re.MULTILINE):
        words = []
        for word in cell.split():
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        names.add(" ".join(words))
    return names


def test_every_command_is_in_the_readme_command_table() -> None:
    import typer

    from deskwatch.cli import app

    group = typer.main.get_command(app)
    names: set[str] = set()
    groups: set[str] = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names |= {f"{name} {s}" for s in sub} if sub else {name}
        if sub and getattr(command, "invoke_without_command", False):
            names.add(name)  # a group that does something by itself (`deskwatch alerts`)
        groups |= {name} if sub else set()
        assert command.help or command.short_help, f"deskwatch {name} has no help"
    documented = readme_command_table()
    missing = names - documented
    assert not missing, f"commands missing from the README's command table: {sorted(missing)}"
    unknown = documented - names - groups
    assert not unknown, f"the README's command table names no such command: {sorted(unknown)}"
