"""Config is data, and safe (issue 15 part 4 and 7), on SQLite and Postgres: a run with another
config (or the bundled default) against an archive of other sources is refused in one line and
changes nothing unless --sync; the same file edited still syncs; a bad subscription is skipped
and reported (run summary, `deskwatch health`), never failing the run for the others."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from pipeline.config import SEEDS_DIR
from storage.db import open_database
from storage.models import Source, Subscription
from tests.fixtures.cli import Cli


def write_config(path: Path, sources: list[str], subscriptions: str = "") -> Path:
    folder = path.parent / "releases"
    if not folder.exists():
        shutil.copytree(SEEDS_DIR / "releases", folder)
    lines = ["sources:"]
    lines += [f"  - {{name: {name}, type: files, path: releases}}" for name in sources]
    path.write_text("\n".join(lines) + "\n" + subscriptions, encoding="utf-8")
    return path


SUBSCRIPTIONS = """subscriptions:
  - {email: ua@example.org, themes: [ukraine-support]}
  - {email: gaza@example.org, countries: [PS]}
"""


def archive(db_url: str) -> tuple[dict[str, bool], list[str]]:
    """Every source's enabled flag, and the addresses of the active subscriptions."""
    db = open_database(db_url)
    try:
        with db.session() as session:
            sources = {s.name: s.enabled for s in session.scalars(select(Source))}
            active = session.scalars(
                select(Subscription.email).where(Subscription.ended_at.is_(None))
            )
            return sources, sorted(active)
    finally:
        db.dispose()


def test_the_bundled_default_is_refused_against_another_archive_until_sync(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "prod.yaml", ["desk-a", "desk-b"], SUBSCRIPTIONS)
    first = cli("run", "--in-process", "--json", env={"DESKWATCH_CONFIG": str(config)})
    assert first.exit_code == 0, first.stderr
    before = archive(db_url)
    assert before == ({"desk-a": True, "desk-b": True}, ["gaza@example.org", "ua@example.org"])

    refused = cli("run", "--in-process", "--json")  # no DESKWATCH_CONFIG: the bundled default
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        f"deskwatch: error: this archive was last run with {config} (2 sources); this run uses "
        "the bundled default config: not disabling 2 sources or ending 2 subscriptions; pass "
        "--sync to make this config the archive's"
    )
    assert archive(db_url) == before  # nothing disabled, ended, or added (no seeds source)

    # the production config still runs as before
    again = cli("run", "--in-process", "--json", env={"DESKWATCH_CONFIG": str(config)})
    assert again.exit_code == 0, again.stderr

    synced = cli("run", "--in-process", "--json", "--sync")
    assert synced.exit_code == 0, synced.stderr
    assert archive(db_url) == ({"desk-a": False, "desk-b": False, "seeds": True}, [])
    # ... and the bundled default is now the archive's: the next run needs no --sync
    assert cli("run", "--in-process", "--json").exit_code == 0


def test_a_different_file_is_refused_but_the_same_file_edited_syncs(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "desk.yaml", ["desk-a", "desk-b"], SUBSCRIPTIONS)
    assert cli("run", "--in-process", env={"DESKWATCH_CONFIG": str(config)}).exit_code == 0

    other = write_config(tmp_path / "other.yaml", ["desk-a"])
    refused = cli("run", "--in-process", env={"DESKWATCH_CONFIG": str(other)})
    assert refused.exit_code == 2
    assert "not disabling 1 source or ending 2 subscriptions" in refused.stderr
    assert f"this run uses {other}:" in refused.stderr

    # adding to the archive is never refused: another file with more sources runs
    wider = write_config(tmp_path / "wider.yaml", ["desk-a", "desk-b", "desk-c"], SUBSCRIPTIONS)
    assert cli("run", "--in-process", env={"DESKWATCH_CONFIG": str(wider)}).exit_code == 0

    # the file the archive was last run with, edited: the operator's change, synced
    write_config(
        wider, ["desk-a"], "subscriptions:\n  - {email: ua@example.org, countries: [UA]}\n"
    )
    edited = cli("run", "--in-process", env={"DESKWATCH_CONFIG": str(wider)})
    assert edited.exit_code == 0, edited.stderr
    assert archive(db_url) == (
        {"desk-a": True, "desk-b": False, "desk-c": False},
        ["ua@example.org"],
    )


def test_a_bad_subscription_is_skipped_and_reported_not_fatal(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    typo = SUBSCRIPTIONS + "  - {email: typo@example.org, themes: [ukrane-support]}\n"
    config = write_config(tmp_path / "desk.yaml", ["desk-a"], typo)
    env = {"DESKWATCH_CONFIG": str(config)}
    result = cli("run", "--in-process", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    summary = result.json()
    assert summary["totals"]["new_releases"] == 1
    [warning] = summary["warnings"]
    assert warning.startswith(f"{config}: subscriptions.2 (typo@example.org): unknown theme id")
    assert archive(db_url)[1] == ["gaza@example.org", "ua@example.org"]

    plain = cli("run", "--in-process", env=env)
    assert plain.exit_code == 0
    assert "skipped:" in plain.stderr and "ukrane-support" in plain.stderr

    health = cli("health", "--json", env=env)
    [check] = [c for c in health.json()["checks"] if c["name"] == "config"]
    assert check["status"] == "failing" and "ukrane-support" in check["message"]
    assert health.exit_code == 1

    write_config(config, ["desk-a"], SUBSCRIPTIONS)
    fixed = cli("health", "--json", env=env).json()
    [check] = [c for c in fixed["checks"] if c["name"] == "config"]
    assert check["status"] == "ok"


def test_read_only_commands_with_another_config_change_nothing(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "prod.yaml", ["desk-a", "desk-b"], SUBSCRIPTIONS)
    assert cli("run", "--in-process", env={"DESKWATCH_CONFIG": str(config)}).exit_code == 0
    before = archive(db_url)
    for command in (
        ["releases"],
        ["show", "1"],
        ["search", "ukraine"],
        ["sources"],
        ["subscriptions"],
        ["alerts"],
        ["health"],
        ["metrics"],
        ["config", "check"],
    ):
        cli(*command)  # the bundled default config
        assert archive(db_url) == before, command
