"""Every refused command line is one line on stderr and a non-zero exit, the same in every
command (issue 18): a wrong database URL, an unknown theme or source, a misplaced or unknown
option, a missing argument. On SQLite and Postgres (the `cli` fixture), against a seeded archive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from tests.fixtures.cli import Cli


@pytest.fixture
def seeded(cli: Cli, db_url: str) -> Cli:
    run_in_process(
        App.load(None, Settings(database_url=db_url)), now=datetime(2026, 11, 27, tzinfo=UTC)
    )
    return cli


CASES = [
    # (argv, environment, exit code, what the line says)
    (["releases"], {"DESKWATCH_DATABASE_URL": "sqlite://archive.db"}, 1, "invalid SQLite URL"),
    (["search", "x"], {"DESKWATCH_DATABASE_URL": "sqlite://archive.db"}, 1, "three or four"),
    (["search", "theme:nosuch"], {}, 2, "unknown theme 'nosuch'"),
    (["search", "suggested:nosuch Ukraine"], {}, 2, "unknown theme 'nosuch'"),
    (["timeline", "--theme", "nosuch"], {}, 2, "unknown theme 'nosuch'"),
    (["timeline", "theme:nosuch"], {}, 2, "unknown theme 'nosuch'"),
    (["releases", "--theme", "nosuch"], {}, 2, "unknown theme 'nosuch'"),
    (["releases", "--source", "nosuch"], {}, 2, "unknown source 'nosuch' (sources: seeds)"),
    (
        ["releases", "--config", "x.yaml"],
        {},
        2,
        "--config is an option of deskwatch itself: deskwatch --config FILE releases",
    ),
    (["search", "-c", "x.yaml", "x"], {}, 2, "-c is an option of deskwatch itself"),
    (["releases", "--nosuch"], {}, 2, "No such option: --nosuch"),
    (["--nosuch", "releases"], {}, 2, "No such option: --nosuch; see deskwatch --help"),
    (["nosuchcommand"], {}, 2, "No such command 'nosuchcommand'"),
    (["show"], {}, 2, "Missing argument 'release_id'; see deskwatch show --help"),
    (["show", "abc"], {}, 2, "Invalid value for 'release_id'"),
    (["releases", "--limit", "0"], {}, 2, "Invalid value for '--limit'"),
    (["--config", "/nonexistent/deskwatch.yaml", "releases"], {}, 2, "/nonexistent/deskwatch"),
]


@pytest.mark.parametrize(
    ("argv", "env", "code", "says"), CASES, ids=[" ".join(c[0]) for c in CASES]
)
def test_a_refused_command_line_is_one_line(
    seeded: Cli, argv: list[str], env: dict[str, str], code: int, says: str
) -> None:
    result = seeded(*argv, env=env)
    assert result.exit_code == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("deskwatch: error: ")
    assert says in lines[0]
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert result.stdout == ""


def test_a_known_source_with_nothing_left_to_show_is_not_an_error(seeded: Cli) -> None:
    past_the_end = seeded("releases", "--source", "seeds", "--offset", "1000", "--json")
    assert past_the_end.exit_code == 0, past_the_end.stderr
    assert past_the_end.json() == []
