"""Commands over sources: `ingest` (ad-hoc URLs and files) and `sources` (health, read-only)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.console import Console

from core.errors import FetchError
from deskwatch.archive import open_archive
from deskwatch.cli import state
from deskwatch.output import CsvOption, JsonOption, emit, pick, print_json, terminal_line

ADHOC_SOURCE = "ad-hoc"


def ingest(
    ctx: typer.Context,
    items: list[str] = typer.Argument(
        ...,
        metavar="URL_OR_PATH",
        help="Feed, page, GOV.UK page or Content API URLs; .txt/.html/.json files or folders.",
    ),
    json_: bool = JsonOption,
) -> None:
    """Ingest ad-hoc items now, under the source "ad-hoc". Running it twice stores nothing
    new the second time. Tagging and alerts follow on the next `deskwatch run`. An item that
    cannot be read is reported on its own line and the others are stored; the exit code is 1
    when any item failed.

    Example: deskwatch ingest https://www.gov.uk/government/news/some-statement ./statement.txt
    """
    from dataclasses import asdict

    from deskwatch.paths import require
    from ingest.config import AdhocSource, adhoc_path
    from pipeline.stages.ingest import ingest_source

    require(adhoc_path(item) for item in items)  # a missing file: one line, nothing ingested
    app = state(ctx).app
    source = AdhocSource(name=ADHOC_SOURCE, items=list(items))
    with open_archive(app, write=True) as db:
        summary = ingest_source(
            db,
            source,
            now=datetime.now(UTC),
            fetching=app.fetching,
            govuk_base_url=app.config.fetching.govuk_base_url,
        )
    if json_:
        data = asdict(summary)
        data.pop("new_version_ids")
        print_json(data)
    else:
        Console().print(
            f"deskwatch ingest: {summary.new_releases} new releases, {summary.new_versions} new "
            f"versions, {summary.unchanged} unchanged, {summary.skipped} skipped",
            highlight=False,
        )
        for problem in summary.problems:  # a file name or a publisher's text: one clean line
            Console(stderr=True, soft_wrap=True).print(
                f"  problem: {terminal_line(problem)}", markup=False, highlight=False
            )
    if summary.error:
        raise FetchError(summary.error)
    if summary.problems:  # each was reported above; the rest is stored
        raise typer.Exit(1)


sources_app = typer.Typer(invoke_without_command=True)
"""`deskwatch sources` lists; `deskwatch sources test NAME` reads one source without storing
(deskwatch.commands.source_test)."""


@sources_app.callback()
def sources(
    ctx: typer.Context,
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """Show each source's health: last success, last error, consecutive failures, releases so
    far, what its last read skipped and why ("10 skipped: link host not in follow_hosts") or
    stored from the feed's own text ("3 stored from feed summary (link host not in
    follow_hosts)"), and a
    warning when it has been silent longer than its expected_cadence_hours, its last run had
    item problems or its last read warnings (a CSS selector that matched nothing). Lists the
    configured sources (one the archive has not seen yet is "never run") and those only the
    archive knows; changes nothing. `deskwatch sources test NAME` reads one source without
    storing anything.

    Example: deskwatch sources --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.sources import source_listing
    from storage.source_health import source_health

    fmt = pick(json_, csv_)
    app = state(ctx).app
    with open_archive(app) as db, db.session() as session:
        known = source_health(session, now=datetime.now(UTC))
    rows = source_listing(app.config.sources, known)
    emit(
        rows,
        [
            "name",
            "type",
            "last_success_at",
            "last_error_at",
            "consecutive_failures",
            "releases",
            "skipped_reasons",
            "from_feed_reasons",
            "warning",
        ],
        fmt,
        title="Sources",
        headers={
            "last_success_at": "last success",
            "last_error_at": "last error",
            "consecutive_failures": "failures",
            "skipped_reasons": "skipped in the last read",
            "from_feed_reasons": "from the feed's text in the last read",
        },
    )


def register(app: typer.Typer) -> None:
    from deskwatch.commands.source_test import source_test

    app.command()(ingest)
    sources_app.command("test")(source_test)
    app.add_typer(sources_app, name="sources")
