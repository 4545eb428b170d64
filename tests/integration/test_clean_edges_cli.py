"""Clean edges at the CLI (issue 17), on SQLite and Postgres: a publisher's escape sequences
never reach the terminal, numbers past 64 bits and a locked database or full disk are one line
and an exit code, and the outbox never keeps a partial file."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from deskwatch.cli import EXIT_IO, EXIT_TRY_AGAIN, environment_error
from tests.fixtures.cli import Cli

HOSTILE_TITLE = "Statement \x1b[2J\x1b]0;owned\x07on \x1b[1;31mFreedonia\x1b[0m\x9b5m talks"


@pytest.fixture
def archive_with_a_hostile_title(cli: Cli, tmp_path) -> Cli:
    release = tmp_path / "statement.txt"
    release.write_text(
        f"{HOSTILE_TITLE}\n\n12 November 2026\n\nThe ministry welcomes the talks.\n",
        encoding="utf-8",
    )
    result = cli("ingest", str(release))
    assert result.exit_code == 0, result.stderr
    return cli


def test_releases_and_show_never_print_a_raw_escape(archive_with_a_hostile_title: Cli):
    cli = archive_with_a_hostile_title
    stored = cli("releases", "--json").json()
    assert stored[0]["title"].startswith("Statement \x1b[2J")  # the archive keeps the data whole
    for args in (("releases",), ("releases", "--csv"), ("show", str(stored[0]["id"]))):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert "Freedonia" in result.stdout
        assert not any(c in result.stdout for c in "\x1b\x07\x9b"), (args, result.stdout)
    raw = cli("show", str(stored[0]["id"]), "--json").stdout
    assert "\x1b" not in raw and "\\u001b" in raw


@pytest.mark.parametrize(
    "args",
    [
        ("show", str(2**64)),
        ("show", str(2**63)),
        ("releases", "--offset", str(2**63)),
        ("releases", "--limit", str(2**70)),
        ("search", "talks", "--offset", str(2**63)),
        ("diff", "1", "--against", str(2**64)),
    ],
)
def test_numbers_past_64_bits_are_refused_in_one_line(cli: Cli, args):
    cli("db", "upgrade")
    result = cli(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and "Invalid value" in result.stderr


def test_the_largest_offset_is_read_by_the_database(archive_with_a_hostile_title: Cli):
    result = archive_with_a_hostile_title("releases", "--offset", str(2**63 - 1), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == []


def test_a_locked_database_is_one_line_and_exit_75(sqlite_url, tmp_path, monkeypatch):
    """Another process holds the SQLite write lock past the busy timeout (shortened here from
    60 s): the command says so in one line and exits 75, try again later."""
    import storage.db

    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    cli = Cli({"DESKWATCH_DATABASE_URL": sqlite_url})
    assert cli("db", "upgrade").exit_code == 0
    release = tmp_path / "statement.txt"
    release.write_text("A statement\n\nThe ministry welcomes the talks.\n", encoding="utf-8")
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("ingest", str(release))
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == EXIT_TRY_AGAIN, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "locked" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_full_disk_is_one_line_with_its_own_exit_code():
    with pytest.raises(OSError) as caught:
        with open("/dev/full", "w") as full:  # every write: ENOSPC, as a full disk answers
            full.write("x")
    assert caught.value.errno == errno.ENOSPC
    message, code = environment_error(caught.value) or ("", 0)
    assert code == EXIT_IO and message.startswith("the disk is full")


def test_a_full_database_disk_is_one_line_with_its_own_exit_code(tmp_path):
    """SQLite's own "database or disk is full", from a database capped at a few pages."""
    db = sqlite3.connect(tmp_path / "small.db")
    db.execute("CREATE TABLE t (x)")
    db.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as caught:
        db.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    db.close()
    assert "full" in str(caught.value)
    assert (environment_error(caught.value) or ("", 0))[1] == EXIT_IO


def test_the_outbox_leaves_no_partial_file_when_a_write_fails(tmp_path):
    """A write the operating system cuts short (here a file-size limit, as a full disk would)
    fails the send; the temporary .eml it started is removed, not left in the outbox."""
    script = textwrap.dedent(
        f"""
        import resource, signal
        from email.message import EmailMessage
        from alerts.mailer import OutboxSender

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG instead
        message = EmailMessage()
        message["Message-ID"] = "<a1@deskwatch>"
        message["Subject"] = "s"
        message.set_content("x" * 200_000)
        outbox = OutboxSender(__import__("pathlib").Path({str(tmp_path / "outbox")!r}))
        outbox.folder.mkdir()
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
        try:
            outbox.send(message, "desk@example.org")
        except Exception as exc:
            print(type(exc).__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "MailServerUnavailable", done.stderr
    assert list((tmp_path / "outbox").iterdir()) == []
