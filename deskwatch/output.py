"""The same three output shapes for every command that prints rows: a readable table (default),
`--json` (a list of objects) and `--csv`."""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
CsvOption = typer.Option(False, "--csv", help="Print CSV instead of a table.")


def pick(json_: bool, csv_: bool) -> Format:
    if json_ and csv_:
        raise typer.BadParameter("choose one of --json and --csv")
    return Format.JSON if json_ else Format.CSV if csv_ else Format.TABLE


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")  # a date-only publication date
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def emit(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    fmt: Format,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Print rows: JSON objects carry every key of each row; the table and CSV show `columns`."""
    if fmt is Format.JSON:
        print_json(list(rows))
        return
    if fmt is Format.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    _cell(to_jsonable(row.get(c)))
                    if not isinstance(row.get(c), datetime)
                    else row[c].isoformat()
                    for c in columns
                ]
            )
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column((headers or {}).get(column, column), overflow="fold")
    for row in rows:
        # Text, not markup: a title or snippet with [brackets] must print as written
        table.add_row(*(Text(_cell(row.get(c))) for c in columns))
    Console().print(table)
