"""`deskwatch search`, `export` and `timeline` end to end, on SQLite and Postgres."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from storage.db import open_database
from tests.fixtures.archive import ITEMS, fill
from tests.fixtures.cli import Cli


@pytest.fixture
def filled(cli: Cli, db_url: str) -> Cli:
    db = open_database(db_url, upgrade=True)
    try:
        fill(db)
    finally:
        db.dispose()
    return cli


def test_search_prints_a_table_json_and_csv(filled: Cli) -> None:
    table = filled("search", "ceasefire", env={"COLUMNS": "300"})
    assert table.exit_code == 0, table.stderr
    assert "UK statement on the situation in Gaza" in table.stdout
    assert "**ceasefire**" in table.stdout

    result = filled("search", "defence", "--json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert rows[0]["title"] == "Defence Secretary visits Kyiv"  # the title match first
    assert {r["title"] for r in rows[1:]} == {
        "Foreign Secretary meets his Japanese counterpart in Tokyo",
        "Trade deal with Japan cuts tariffs",
    }
    assert rows[0]["themes"] == ["defence-security", "ukraine-support"]
    assert rows[0]["countries"] == ["UA"]
    assert rows[0]["date"] == "2024-03-20"
    assert "**Defence**" in rows[0]["snippet"]

    result = filled("search", "theme:defence-security", "--csv", "--limit", "1")
    lines = list(csv.reader(io.StringIO(result.stdout)))
    assert lines[0] == ["date", "title", "themes", "countries", "snippet"]
    assert lines[1][:4] == [
        "2024-03-20",
        "Defence Secretary visits Kyiv",
        "defence-security, ukraine-support",
        "UA",
    ]
    assert len(lines) == 2


def test_search_offset_and_as_of(filled: Cli) -> None:
    first = filled("search", "since:2000", "--limit", "2", "--json").json()
    second = filled("search", "since:2000", "--limit", "2", "--offset", "2", "--json").json()
    assert len(first) == len(second) == 2 and first[-1]["id"] != second[0]["id"]
    then = filled("search", '"humanitarian pauses"', "--as-of", "2023-12-11", "--json").json()
    assert [r["version"] for r in then] == [1]
    assert filled("search", '"humanitarian pauses"', "--json").json() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", '"sustainable ceasefire'], "unbalanced quote"),
        (["search", "colour:red"], "unknown field 'colour:'"),
        (["search", "since:last-week"], "bad date 'last-week'"),
        (["search", "(gaza"], "unbalanced parenthesis"),
        (["search", "   "], "the query is empty"),
        (["search", "gaza", "--as-of", "2023-02-30"], "bad date '2023-02-30' for --as-of"),
        (["export", "--format", "csv", "country:"], "'country:' needs a value"),
        (["timeline", "gaza OR"], "OR at position 6"),
    ],
)
def test_malformed_queries_exit_2_with_one_line(filled: Cli, args: list[str], message: str) -> None:
    result = filled(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("deskwatch: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_export_csv_and_jsonl(filled: Cli) -> None:
    result = filled("export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(ITEMS)
    japan = next(r for r in rows if r["title"].startswith("Foreign Secretary meets"))
    assert japan["themes"] == "defence-security; indo-pacific"
    assert japan["countries"] == "JP; GB"
    assert japan["people"] == "Yōko Kamikawa"
    assert japan["url"] == "https://www.gov.uk/government/news/japan-defence"
    assert "Yōko Kamikawa in Tokyo today" in japan["text"]

    result = filled("export", "--format", "jsonl", "country:UA")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in records] == [
        "New sanctions on Russian oil traders",
        "Defence Secretary visits Kyiv",
    ]
    assert records[1]["people"] == ["Grant Shapps"]
    assert records[1]["published_at"].startswith("2024-03-20")


def test_timeline_counts_and_draws_one_line_per_theme(filled: Cli, tmp_path: Path) -> None:
    result = filled("timeline", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == [
        {"period": "2023-11", "all releases": 1},
        {"period": "2023-12", "all releases": 1},
        {"period": "2024-01", "all releases": 1},
        {"period": "2024-02", "all releases": 1},
        {"period": "2024-03", "all releases": 2},
    ]
    png = tmp_path / "timeline.png"
    result = filled(
        "timeline",
        "--theme",
        "defence-security",
        "--theme",
        "ukraine-support",
        "--png",
        str(png),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert rows[0] == {
        "period": "2023-11",
        "theme:defence-security": 1,
        "theme:ukraine-support": 0,
    }
    assert rows[-1] == {
        "period": "2024-03",
        "theme:defence-security": 1,
        "theme:ukraine-support": 1,
    }
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    weeks = filled("timeline", "japan*", "--country", "JP", "--by", "week", "--csv")
    lines = list(csv.reader(io.StringIO(weeks.stdout)))
    assert lines[0] == ["period", "country:JP"]
    assert lines[1] == ["2023-11-06", "1"] and lines[-1] == ["2024-03-04", "1"]


def test_timeline_png_in_a_missing_folder_is_one_line(filled: Cli, tmp_path: Path) -> None:
    result = filled("timeline", "--png", str(tmp_path / "nowhere" / "t.png"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
