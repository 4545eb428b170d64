"""`deskwatch releases` and `deskwatch search` into a pipe (the CliRunner's stdout is not a
terminal), on SQLite and Postgres: each row is one line, no cell wrapped or cut mid-word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from tests.fixtures.cli import Cli

TITLE = "Foreign Secretary and Defence Secretary in Japan for G7 foreign ministers and UK-Japan"


@pytest.fixture
def seeded(cli: Cli, db_url: str) -> Cli:
    run_in_process(
        App.load(None, Settings(database_url=db_url)), now=datetime(2026, 11, 27, tzinfo=UTC)
    )
    return cli


@pytest.mark.parametrize("argv", [["releases"], ["search", "Japan"]])
def test_a_table_in_a_pipe_keeps_each_row_on_one_line(seeded: Cli, argv: list[str]) -> None:
    result = seeded(*argv)
    assert result.exit_code == 0, result.stderr
    json_row = seeded(*argv, "--json").json()[0]
    [row] = [line for line in result.stdout.splitlines() if TITLE in line]
    for theme in json_row["themes"]:
        assert theme in row  # defence-security whole, never `defence-securit y`
    assert "2023-11-07" in row
