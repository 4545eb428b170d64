"""Every refused command line is one line on stderr and a non-zero exit, the same in every
command (issue 18): a wrong database URL, an unknown theme or source, a misplaced or unknown
option, a missing argument. On SQLite and Postgres (the `cli` fixture), against a seeded archive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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
    # a missing file or folder: its path, before anything is read, in every command taking one
    (["ingest", "/nonexistent/x.txt"], {}, 2, "error: /nonexistent/x.txt: no such file or folder"),
    (
        ["ingest", "/nonexistent/in/", "file:/nonexistent/y.txt"],
        {},
        2,
        "error: /nonexistent/in, /nonexistent/y.txt: no such file or folder",
    ),
    (
        ["config", "check", "/nonexistent/deskwatch.yaml"],
        {},
        2,
        "error: /nonexistent/deskwatch.yaml: config file not found",
    ),
    (
        ["--config", "/nonexistent/deskwatch.yaml", "config", "check"],
        {},
        2,
        "error: /nonexistent/deskwatch.yaml: config file not found",
    ),
    (["eval", "--gold", "/nonexistent/gold"], {}, 2, "error: /nonexistent/gold: no such file"),
    (["eval", "--corpus", "/nonexistent/c"], {}, 2, "error: /nonexistent/c: no such file"),
    (
        ["eval", "--diffs", "/nonexistent/d.yaml", "--corpus", "/nonexistent/c"],
        {},
        2,
        "error: /nonexistent/c, /nonexistent/d.yaml: no such file or folder",
    ),
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


def test_ingest_of_a_missing_file_stores_none_of_the_others(seeded: Cli, tmp_path: Path) -> None:
    """The missing path is refused before anything is read: the file beside it is not stored
    either, so running the corrected command line stores it once."""
    there = tmp_path / "statement.txt"
    there.write_text("Statement on the ceasefire talks.\n\nThe minister said more.\n", "utf-8")
    before = len(seeded("releases", "--json").json())
    refused = seeded("ingest", str(there), str(tmp_path / "missing.txt"))
    assert refused.exit_code == 2 and refused.stdout == ""
    assert (
        refused.stderr == f"deskwatch: error: {tmp_path / 'missing.txt'}: no such file or folder\n"
    )
    assert len(seeded("releases", "--json").json()) == before
    stored = seeded("ingest", str(there), "--json")
    assert stored.exit_code == 0, stored.stderr
    assert stored.json()["new_releases"] == 1


def test_a_known_source_with_nothing_left_to_show_is_not_an_error(seeded: Cli) -> None:
    past_the_end = seeded("releases", "--source", "seeds", "--offset", "1000", "--json")
    assert past_the_end.exit_code == 0, past_the_end.stderr
    assert past_the_end.json() == []
