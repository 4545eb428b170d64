"""The same three output shapes for every command that prints rows: a readable table (default),
`--json` (a list of objects) and `--csv`.

Text from the archive was written by publishers, so nothing of it reaches the terminal raw:
`terminal_text` (and `terminal_safe` for whole records) drops escape sequences and the C0/C1
control characters except newline and tab, and the bidirectional overrides; every table and CSV
cell goes through it, and the commands that print records as text use it too; `terminal_line`
makes a line of its own of what names an item or a source (ingest's problems, a run's progress),
and `clean_console_logs` gives the console's log handlers the same cleaner. JSON escapes them
instead (\\u001b), C1 and bidi characters included, so the data stays whole.
"""

from __future__ import annotations

import csv
import enum
import json
import logging
import re
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


MAX_INT = 2**63 - 1
"""The largest id, limit or offset an option takes: what both databases store (64-bit signed);
a larger one would fail in the driver with a traceback, so the option refuses it."""

JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
CsvOption = typer.Option(False, "--csv", help="Print CSV instead of a table.")


_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase screen
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: window title, hyperlinks
    r"|\x1b[@-Z\\-_]"  # the other two-character escapes
)
_UNPRINTABLE = {
    **{c: None for c in range(0x20) if chr(c) not in "\n\t"},
    **{c: None for c in range(0x7F, 0xA0)},
    **{c: None for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
}
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in _UNPRINTABLE if c >= 0x7F}


def terminal_text(value: str) -> str:
    """`value` with nothing a terminal would act on: escape sequences removed whole, other
    control characters (but newline and tab) and bidirectional overrides dropped."""
    if value.isprintable():
        return value
    return _ESCAPE_SEQUENCE.sub("", value).translate(_UNPRINTABLE)


def terminal_line(value: str, width: int | None = None) -> str:
    """`value` as one terminal line: terminal_text, every run of whitespace (a newline, a tab)
    one space, and at most `width` characters (cut with "...") when a width is given. For what
    names an item or a source in a line of its own (a problem, a failed source)."""
    flat = " ".join(terminal_text(value).split())
    if width is None or len(flat) <= width:
        return flat
    return flat[: width - 3].rstrip() + "..."


class TerminalLogText(logging.Filter):
    """A log handler's filter that makes each record's message terminal_text before it is
    written: a source's error in a warning (`source x failed: ...`) can carry a publisher's
    escape sequences. The traceback of a bug is left as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = terminal_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_LOG_TEXT = TerminalLogText()


def clean_console_logs() -> None:
    """Give the handlers that write log records to the terminal (Python's last-resort handler,
    which prints deskwatch's warnings when nothing is configured, and every stream handler on
    stdout or stderr, as Prefect's console one) the TerminalLogText filter. Called at the start
    of each command, and again once Prefect has set up its logging."""
    handlers: list[logging.Handler] = [logging.lastResort] if logging.lastResort else []
    for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and stream in (sys.stderr, sys.stdout):
                handlers.append(handler)
    for handler in handlers:
        if _LOG_TEXT not in handler.filters:
            handler.addFilter(_LOG_TEXT)


def terminal_safe(data: Any) -> Any:
    """A record (dicts, lists, strings) with every string made terminal_text."""
    if isinstance(data, str):
        return terminal_text(data)
    if isinstance(data, dict):
        return {k: terminal_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [terminal_safe(v) for v in data]
    return data


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
    """JSON with non-ASCII text as is, but C1 controls and bidi overrides escaped as C0 ones
    are (json escapes those itself): they occur only inside strings, so the JSON stays valid."""
    text = json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)
    sys.stdout.write(text.translate(_JSON_ESCAPES) + "\n")


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
    return terminal_text(str(value))


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
    table_console(table).print(table)


def table_console(table: Table) -> Console:
    """Where a table prints: in a terminal, a console of its width (cells wrap between words);
    in a pipe or a file, one as wide as the table's widest row, so no cell wraps at all and
    `defence-security` never comes out as `defence-securit y` at rich's default 80 columns."""
    console = Console()
    if console.is_terminal:
        return console
    widest = console.measure(table, options=console.options.update_width(10**6)).maximum
    return Console(width=max(console.width, widest))
