"""`deskwatch timeline` over the archive's real range (issue 18), on SQLite and Postgres: without
since:/until: it runs from the earliest to the latest true release date (published, else
updated, else first seen), leaving out, and counting on stderr, dates before 1990 or in the
future; since:/until: in the query choose the range instead."""

from __future__ import annotations

from datetime import UTC, datetime

from core.records import ReleaseRecord
from storage.db import open_database
from storage.releases import store_record, sync_source
from tests.fixtures.cli import Cli
from tests.integration.test_true_dates import _record as dated_record

SEEN = datetime(2024, 2, 2, 6, 0, tzinfo=UTC)


def _record(key: str, **dates: datetime | None) -> ReleaseRecord:
    return dated_record(key, key, **dates)  # titled by its key


def _store(db_url: str) -> None:
    db = open_database(db_url, upgrade=True)
    try:
        with db.session() as s:
            source = sync_source(s, "desk", "files", {})
            for record in (
                _record("published", published_at=datetime(2023, 10, 9, 9, tzinfo=UTC)),
                _record("updated", updated_at=datetime(2023, 12, 12, 9, tzinfo=UTC)),
                _record("seen"),  # no date of its own: first seen, 2 Feb 2024
                _record("a-feed-said-1881", published_at=datetime(1881, 5, 1, tzinfo=UTC)),
                _record("from-the-future", published_at=datetime(2999, 1, 1, tzinfo=UTC)),
            ):
                store_record(s, source, record, now=SEEN)
    finally:
        db.dispose()


def test_the_default_range_is_the_archives_plausible_dates(cli: Cli, db_url: str) -> None:
    _store(db_url)
    result = cli("timeline", "--json")
    assert result.exit_code == 0, result.stderr
    assert [(r["period"], r["all releases"]) for r in result.json()] == [
        ("2023-10", 1),  # published
        ("2023-11", 0),
        ("2023-12", 1),  # updated only
        ("2024-01", 0),
        ("2024-02", 1),  # first seen only
    ]
    today = datetime.now(UTC).date()
    assert result.stderr == (
        f"2 release(s) dated before 1990-01-01 or after {today} left out of the range; "
        "put since:/until: in the query to count them\n"
    )


def test_as_of_ends_the_default_range_and_a_query_range_wins(cli: Cli, db_url: str) -> None:
    _store(db_url)
    weeks = cli("timeline", "--by", "week", "--as-of", "2024-01-31", "--json")
    assert weeks.exit_code == 0, weeks.stderr
    # fetched on 2 Feb 2024, nothing was known on 31 Jan: no row, and nothing left out
    assert weeks.json() == [] and weeks.stderr == ""

    asked = cli("timeline", "since:1800-01-01 until:1900-12-31", "--json")
    assert asked.exit_code == 0, asked.stderr
    assert asked.json() == [{"period": "1881-05", "since:1800-01-01 until:1900-12-31": 1}]
    assert asked.stderr == ""

    later = cli("timeline", "since:2990", "--json")
    assert later.exit_code == 0, later.stderr
    assert later.json() == [{"period": "2999-01", "since:2990": 1}]  # asked for: counted
    assert later.stderr == ""
