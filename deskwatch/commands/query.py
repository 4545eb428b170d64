"""Commands that query the archive: search, export, timeline.

The query language is core.query; the SQL is storage.search. A malformed query is a
QueryError: one line on stderr and exit code 2."""

from __future__ import annotations

import csv
import enum
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import typer

from core.errors import QueryError
from core.query import Filter, Query, parse, parse_date
from core.release_dates import date_label
from deskwatch.archive import open_archive
from deskwatch.cli import state
from deskwatch.output import MAX_INT, CsvOption, Format, JsonOption, emit, pick, to_jsonable

AsOfOption = typer.Option(
    None,
    "--as-of",
    metavar="DATE",
    help="Search the archive as it was known on DATE (YYYY-MM-DD): versions by fetched time.",
)
QUERY_HELP = (
    'Words, "exact phrases", AND / OR / NOT / -word, prefix word*, and filters theme:ID '
    'country:CODE person:"Name" source:NAME type:TYPE since:DATE until:DATE.'
)


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class Period(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"


def _as_of(value: str | None) -> date | None:
    return parse_date(value, "--as-of") if value else None


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help=QUERY_HELP),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000, help="At most this many rows."),
    offset: int = typer.Option(0, "--offset", min=0, max=MAX_INT, help="Skip this many rows."),
    as_of: str | None = AsOfOption,
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """Full-text search of the archive, ranked, with highlighted snippets.

    Example: deskwatch search '"sustainable ceasefire" country:PS since:2023-10-01' --limit 5
    """
    from deskwatch.commands.tags import check_query_themes
    from storage.search import search as run_search

    fmt = pick(json_, csv_)
    parsed = parse(query)
    check_query_themes(state(ctx).app, parsed)
    when = _as_of(as_of)
    with open_archive(state(ctx).app) as db, db.session() as session:
        hits = run_search(session, parsed, limit=limit, offset=offset, as_of=when)
    rows = [hit.row() for hit in hits]
    if fmt is Format.TABLE:
        for row in rows:  # `2023-10-09 (seen)`: which date this is, unless published
            row["date"] = date_label(row["date"], row["date_kind"])
    emit(
        rows,
        ["date", "title", "themes", "countries", "snippet"],
        fmt,
        title=f"Search: {query}" + (f" (as of {when})" if when else ""),
    )


def export(
    ctx: typer.Context,
    query: str = typer.Argument("", help="Only the releases this query finds (default: all)."),
    format_: ExportFormat = typer.Option(..., "--format", "-f", help="csv or jsonl."),
    as_of: str | None = AsOfOption,
) -> None:
    """Export releases with their tags, URL and latest text to stdout, streamed (bounded memory).

    Example: deskwatch export --format jsonl 'theme:sanctions since:2024-01-01' > sanctions.jsonl
    """
    from storage.search import EXPORT_COLUMNS, export_rows

    parsed = parse(query)
    when = _as_of(as_of)
    out = sys.stdout
    writer = csv.writer(out, lineterminator="\n") if format_ is ExportFormat.CSV else None
    with open_archive(state(ctx).app) as db, db.session() as session:
        if writer is not None:
            writer.writerow(EXPORT_COLUMNS)
        for row in export_rows(session, parsed, as_of=when):
            if writer is not None:
                writer.writerow([_csv_cell(row[c]) for c in EXPORT_COLUMNS])
            else:
                out.write(json.dumps(to_jsonable(row), ensure_ascii=False) + "\n")
    out.flush()


def _csv_cell(value: object) -> object:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    jsonable = to_jsonable(value)
    return "" if jsonable is None else jsonable


def timeline(
    ctx: typer.Context,
    query: str = typer.Argument("", help="Count only what this query finds (default: all)."),
    theme: list[str] = typer.Option(
        [], "--theme", metavar="ID", help="One line per theme (repeat for several)."
    ),
    country: list[str] = typer.Option(
        [], "--country", metavar="CODE", help="One line per country (repeat for several)."
    ),
    by: Period = typer.Option(Period.MONTH, "--by", help="Count per week or per month."),
    png: Path | None = typer.Option(
        None, "--png", metavar="FILE", dir_okay=False, help="Also draw the chart to this PNG."
    ),
    as_of: str | None = AsOfOption,
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """Releases per week or month, as a table and optionally a chart.

    Without since: or until: in the query, the range runs from the archive's earliest release
    date to its latest, leaving out dates before 1990 or after today (or --as-of), which are
    counted in one line on stderr.

    Example: deskwatch timeline --theme ukraine-support --theme sanctions --by month --png t.png
    """
    from deskwatch.commands.tags import check_query_themes, check_tag_filters
    from storage.search import fill_periods
    from storage.search import timeline as count_per_period
    from storage.search_timeline import dated_outside

    fmt = pick(json_, csv_)
    base = parse(query)
    check_query_themes(state(ctx).app, base)
    check_tag_filters(state(ctx).app, theme, country)
    when = _as_of(as_of)
    series = _series(base, theme, country, query)
    window = None if base.since or base.until else default_window(when)
    with open_archive(state(ctx).app) as db, db.session() as session:
        counts = {
            name: count_per_period(session, q, by=by.value, as_of=when, window=window)
            for name, q in series.items()
        }
        left_out = dated_outside(session, base, window, as_of=when) if window else 0
    if window is not None and left_out:
        print(
            f"{left_out} release(s) dated before {window[0]} or after {window[1]} left out of the "
            "range; put since:/until: in the query to count them",
            file=sys.stderr,
        )
    rows = fill_periods(counts, by.value)
    for row in rows:
        row["period"] = row["period"] if by is Period.WEEK else row["period"].strftime("%Y-%m")
    emit(rows, ["period", *series], fmt, title=f"Releases per {by.value}")
    if png is not None:
        from deskwatch.charts import draw_timeline

        chart_rows = fill_periods(counts, by.value)
        title = f"Releases per {by.value}" + (f": {query.strip()}" if query.strip() else "")
        draw_timeline(chart_rows, list(series), png, by=by.value, title=title)
        print(f"chart written to {png}", file=sys.stderr)


EARLIEST_PLAUSIBLE = date(1990, 1, 1)
"""The timeline's default range starts here: an earlier date on a release of the archive's kind
is a publisher's or a parser's mistake (a feed's 1881), not history."""


def default_window(as_of: date | None) -> tuple[date, date]:
    """The dates the timeline counts when the query gives none: from EARLIEST_PLAUSIBLE to
    --as-of, else today (UTC); a later date is in the future."""
    return EARLIEST_PLAUSIBLE, as_of or datetime.now(UTC).date()


def _series(base: Query, themes: list[str], countries: list[str], text: str) -> dict[str, Query]:
    """One query per line of the chart: the base query narrowed to each theme and country."""
    series: dict[str, Query] = {}
    for kind, values in (("theme", themes), ("country", countries)):
        for value in values:
            value = value.strip().lower() if kind == "theme" else value.strip().upper()
            if not value:
                raise QueryError(f"--{kind} needs a value")
            series[f"{kind}:{value}"] = base.with_filter(Filter(kind, (value,)))
    if not series:
        series[text.strip() or "all releases"] = base
    return series


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("export")(export)
    app.command("timeline")(timeline)
