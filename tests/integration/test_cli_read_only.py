"""Commands that only read never create or migrate an archive, on SQLite and Postgres: a missing
archive, one behind this deskwatch's migrations and one a newer deskwatch migrated are each one
line and a non-zero exit, and leave the database as they found it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from storage.db import (
    MIGRATIONS_DIR,
    current_revisions,
    open_database,
    upgrade_database,
)
from tests.fixtures.archive import fill
from tests.fixtures.cli import Cli

READ_ONLY_COMMANDS = [
    ["releases"],
    ["show", "1"],
    ["search", "ceasefire"],
    ["export", "--format", "csv"],
    ["timeline", "--json"],
    ["phrases", "sanctions"],
    ["diff", "1"],
    ["diff", "1", "--statements"],
    ["sources"],
    ["subscriptions"],
    ["alerts"],
    ["health"],
    ["metrics"],
]
NO_ARCHIVE_HINT = "; run `deskwatch db upgrade` or `deskwatch run` first\n"


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _revisions() -> tuple[str, str]:
    """This code's head revision and the one before it."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.revision, head.down_revision


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=" ".join)
def test_a_missing_archive_is_one_line_and_nothing_is_created(
    cli: Cli, db_url: str, tmp_path: Path, args: list[str]
) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("deskwatch: error: no archive at ")
    assert result.stderr.endswith(NO_ARCHIVE_HINT) and result.stderr.count("\n") == 1
    if db_url.startswith("sqlite"):
        assert result.stderr == f"deskwatch: error: no archive at {db_url}{NO_ARCHIVE_HINT}"
        assert list(tmp_path.iterdir()) == []  # no database file, no -wal or -shm beside it
    else:
        assert _tables(db_url) == []


def test_an_empty_sqlite_file_is_no_archive_either(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = Cli({"DESKWATCH_DATABASE_URL": f"sqlite:///{path}"})("releases")
    assert result.exit_code == 1 and result.stderr.endswith(NO_ARCHIVE_HINT)
    assert path.stat().st_size == 0


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=" ".join)
def test_an_archive_behind_the_migrations_says_so_and_stays_behind(
    cli: Cli, db_url: str, args: list[str]
) -> None:
    head, previous = _revisions()
    db = open_database(db_url)
    try:
        upgrade_database(db, previous)
        result = cli(*args)
        assert result.exit_code == 1
        assert result.stderr.startswith("deskwatch: error: the archive at ")
        assert result.stderr.endswith(
            f" is at revision {previous}, this deskwatch needs {head}; run `deskwatch db upgrade`\n"
        )
        assert result.stderr.count("\n") == 1
        assert current_revisions(db) == {previous}
    finally:
        db.dispose()


def test_db_upgrade_brings_an_old_archive_up_to_date_for_the_readers(cli: Cli, db_url: str) -> None:
    head, previous = _revisions()
    db = open_database(db_url)
    try:
        upgrade_database(db, previous)
        assert cli("releases", "--json").exit_code == 1
        upgraded = cli("db", "upgrade")
        assert upgraded.exit_code == 0, upgraded.stderr
        assert "(1 migration(s) applied)" in upgraded.stdout
        assert current_revisions(db) == {head}
    finally:
        db.dispose()
    result = cli("releases", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == []


def test_an_archive_from_a_newer_deskwatch_is_refused(cli: Cli, db_url: str) -> None:
    head, _ = _revisions()
    db = open_database(db_url, upgrade=True)
    try:
        with db.session() as session:
            session.execute(text("UPDATE alembic_version SET version_num = 'from-the-future'"))
    finally:
        db.dispose()
    result = cli("releases")
    assert result.exit_code == 1
    assert "is at revision from-the-future, which this deskwatch does not know" in result.stderr
    assert f"(it needs {head})" in result.stderr


def test_a_read_only_archive_reads_and_refuses_writes(db_url: str) -> None:
    db = open_database(db_url, upgrade=True)
    try:
        archive = fill(db)
    finally:
        db.dispose()
    reader = open_database(db_url, read_only=True)
    try:
        assert reader.migrated == []
        with reader.session() as session:
            count = session.execute(text("SELECT count(*) FROM releases")).scalar()
        assert count == len(archive.ids)
        with pytest.raises(Exception, match="(?i)read.?only"), reader.session() as session:
            session.execute(text("DELETE FROM releases"))
        with reader.session() as session:
            assert session.execute(text("SELECT count(*) FROM releases")).scalar() == count
    finally:
        reader.dispose()


def test_write_mode_migrates_and_says_what_it_applied(db_url: str) -> None:
    head, previous = _revisions()
    db = open_database(db_url)
    try:
        upgrade_database(db, previous)
    finally:
        db.dispose()
    writer = open_database(db_url, upgrade=True)
    try:
        assert writer.migrated == [head]
    finally:
        writer.dispose()
    again = open_database(db_url, upgrade=True)
    try:
        assert again.migrated == []
    finally:
        again.dispose()
    with pytest.raises(ValueError):
        open_database(db_url, upgrade=True, read_only=True)


def test_sources_lists_the_config_without_syncing_it(cli: Cli, db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        "sources:\n"
        "  - {name: alpha, type: files, path: releases}\n"
        "  - {name: beta, type: files, path: releases, enabled: false}\n",
        encoding="utf-8",
    )
    assert cli("db", "upgrade").exit_code == 0
    result = cli("--config", str(config), "sources", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {r["name"]: r for r in result.json()}
    assert rows["alpha"]["warning"] == "never run" and rows["alpha"]["enabled"] is True
    assert rows["beta"]["warning"] == "never run; disabled in the config"
    assert rows["alpha"]["releases"] == 0 and rows["alpha"]["last_success_at"] is None
    db = open_database(db_url)
    try:
        with db.session() as session:
            assert session.execute(text("SELECT count(*) FROM sources")).scalar() == 0
    finally:
        db.dispose()
