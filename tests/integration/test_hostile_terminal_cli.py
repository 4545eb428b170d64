"""What `deskwatch ingest` and `deskwatch run` print about an item or a source is clean (issue
17), on SQLite and Postgres: a file name, a source name or an error text carrying escape
sequences (`ESC [2J` erases the screen, `ESC ] 0;...BEL` retitles the window), CR, backspace or
NUL reaches the terminal with those removed, and the line still names the item."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from deskwatch.runner import LiveProgress
from pipeline.summary import SourceSummary
from tests.fixtures.cli import Cli, CliResult
from tests.integration.test_cli_run import no_prefect_env

HOSTILE = "\x1b]0;evil\x07\x1b[2J\r\x08"
"""A window title, an erased screen, a carriage return and a backspace."""
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
"""Every C0 and C1 control character but the newline."""


def _clean(result: CliResult) -> str:
    printed = result.stdout + result.stderr
    assert not CONTROL.search(printed), repr(printed)
    assert "Traceback" not in printed
    return printed


def _folder(tmp_path: Path) -> Path:
    """Real files whose names carry the hostile sequence: one good, one with a sidecar of the
    wrong type, one with a date (holding a NUL and an ESC) that is no date, one not JSON."""
    folder = tmp_path / "desk"
    folder.mkdir()
    good = folder / f"good{HOSTILE}name.txt"
    good.write_text("A good statement on Tuesday 7 November 2023.\n", encoding="utf-8")
    typed = folder / f"typed{HOSTILE}name.txt"
    typed.write_text("Typed sidecar.\n", encoding="utf-8")
    (folder / f"typed{HOSTILE}name.txt.meta.yaml").write_text("title: [1, 2]\n", encoding="utf-8")
    dated = folder / "dated.txt"
    dated.write_text("Badly dated.\n", encoding="utf-8")
    (folder / "dated.txt.meta.yaml").write_text(
        'published_at: "next \\0\\e[2J tuesday"\n', encoding="utf-8"
    )
    (folder / f"list{HOSTILE}name.json").write_text("not json", encoding="utf-8")
    return folder


def test_ingest_a_folder_of_hostile_file_names_prints_clean_lines(cli: Cli, tmp_path: Path) -> None:
    result = cli("ingest", str(_folder(tmp_path)))
    assert result.exit_code == 1, result.stderr  # the bad files are problems
    printed = _clean(result)
    assert "1 new releases" in result.stdout  # the good file, hostile name and all
    problems = [line for line in result.stderr.splitlines() if line.startswith("  problem: ")]
    assert len(problems) == 3, result.stderr
    joined = "\n".join(problems)
    # each file still named, its sequences gone (a CR may have become a space on the way)
    assert re.search(r"/typed ?name\.txt\.meta\.yaml: title must be text", joined), joined
    assert re.search(r"/list ?name\.json: ", joined), joined
    # (the date is quoted as Python writes it, its NUL and ESC as printable `\x00\x1b`)
    assert re.search(r"/dated\.txt\.meta\.yaml: published_at 'next .*tuesday'", joined), joined
    assert "evil" not in printed
    stored = cli("releases", "--json").json()  # the data itself is kept whole, as JSON
    assert len(stored) == 1


def _hostile_config(tmp_path: Path) -> Path:
    """A source whose name, and whose error (a folder path), carry the hostile sequence, and a
    source of hostile file names."""
    escaped = HOSTILE.encode("unicode_escape").decode().replace("\\x1b", "\\e")
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        f"""sources:
  - name: "gone{escaped}desk"
    type: files
    path: "{tmp_path}/missing{escaped}folder"
  - name: "files{escaped}desk"
    type: files
    path: {_folder(tmp_path)}
""",
        encoding="utf-8",
    )
    return config


def test_run_prints_clean_lines_about_hostile_sources(cli: Cli, tmp_path: Path) -> None:
    config = str(_hostile_config(tmp_path))
    plain = cli("--config", config, "run")
    assert plain.exit_code == 1
    printed = _clean(plain)
    assert re.search(r"source gone ?desk: error: .*/missing ?folder", printed), printed
    assert re.search(r"source files ?desk: partial: 1 new release", printed), printed
    assert "evil" not in printed and "[2J" not in printed

    quiet = cli("--config", config, "run", "--quiet")
    assert quiet.exit_code == 1 and quiet.stdout == ""
    [line] = _clean(quiet).splitlines()
    assert re.search(r" source gone ?desk: error: .*/missing ?folder", line), line

    data = cli("--config", config, "run", "--json").json()  # JSON keeps the names, escaped
    assert data["ok"] is False and data["error"] == f"1 of 2 sources failed: gone{HOSTILE}desk"


def test_log_lines_of_a_real_process_are_clean(db_url: str, tmp_path: Path) -> None:
    """In a process of its own (no pytest log capture), deskwatch's warning that a source
    failed goes to stderr through Python's last-resort handler: it is cleaned too."""
    config = _hostile_config(tmp_path)
    env = {**no_prefect_env(tmp_path / "prefect-home"), "DESKWATCH_DATABASE_URL": db_url}
    result = subprocess.run(
        [sys.executable, "-m", "deskwatch", "--config", str(config), "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    printed = _clean(CliResult(result.returncode, result.stdout, result.stderr))
    warning = [line for line in printed.splitlines() if " failed: " in line]
    assert warning and re.search(r"source gone ?desk failed: .*/missing ?folder", warning[0])
    assert "evil" not in printed


def test_the_live_display_prints_no_hostile_sequence() -> None:
    """In a terminal (rich's live lines, which draw with escape sequences of their own): the
    source's name and error are shown, without the publisher's sequences."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    name = f"gone{HOSTILE}[bold]desk"  # markup in a name is text too
    with LiveProgress(console) as live:
        live.sources([name])
        live.source_started(name)
        live.source_finished(SourceSummary(name, "error", error=f"folder {HOSTILE}x is gone"))
        live.stage_failed("tag", f"RuntimeError: {HOSTILE}broke\nsecond line")
    shown = out.getvalue()
    assert "\x1b]0;" not in shown and "\x1b[2J" not in shown and "\x08" not in shown
    assert "gone[bold]desk" in shown
    assert "folder x is gone" in shown
    assert "failed: RuntimeError: broke second line" in shown
