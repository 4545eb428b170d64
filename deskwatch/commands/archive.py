"""Commands over the archive itself: run, releases, show, db upgrade."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from core.errors import UsageError
from core.records import TEXT_KINDS
from core.release_dates import date_label
from deskwatch.archive import open_archive
from deskwatch.cli import state
from deskwatch.output import (
    MAX_INT,
    CsvOption,
    Format,
    JsonOption,
    emit,
    pick,
    print_json,
    terminal_line,
    terminal_safe,
)

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def run(
    ctx: typer.Context,
    json_: bool = JsonOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors (for cron)."),
    prefect: bool = typer.Option(
        False,
        "--prefect",
        help="Record the run as a Prefect flow run; default when PREFECT_API_URL is set.",
    ),
    in_process: bool = typer.Option(
        False,
        "--in-process",
        help="Run in this process without Prefect, even when a Prefect API is configured.",
    ),
    sync: bool = typer.Option(
        False,
        "--sync",
        help="Make this config the archive's: disable the sources and end the subscriptions it "
        "lacks, even when the archive was last run with another config.",
    ),
) -> None:
    """Run the pipeline once: ingest every source, then tag, diff and alert.

    Without a Prefect API configured the run happens in this process; with one (or --prefect)
    it is a run of the deskwatch-run flow, visible in the Prefect UI.

    A config other than the one the archive was last run with (or the bundled default against
    an archive of other sources) is refused, exit code 2, when it would disable sources or end
    subscriptions: --sync makes it the archive's.

    Example: deskwatch run --json
    """
    from deskwatch.runner import LINE_WIDTH, executor_choice, run_once
    from pipeline.summary import untagged_line

    try:
        choice = executor_choice(prefect=prefect, in_process=in_process)
        summary = run_once(state(ctx).app, quiet=quiet or json_, prefect=choice, sync=sync)
    except (Exception, KeyboardInterrupt) as exc:
        if not json_ or isinstance(exc, typer.Exit):
            raise
        _end_failed_run(exc)
    failed = [s["source"] for s in summary["sources"] if s["status"] == "error"]
    if json_:
        if failed:  # the run went through, but not every source: exit code 1
            error = f"{len(failed)} of {len(summary['sources'])} sources failed: "
            summary = {"ok": False, "error": error + ", ".join(failed), "exit_code": 1, **summary}
        print_json(summary)
    elif not quiet:
        totals = summary["totals"]
        parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in totals.items())
        Console().print(f"deskwatch run: {parts}")
        untagged = untagged_line(totals.get("untagged", 0), summary.get("untagged_languages", {}))
        if untagged:
            Console().print(f"  {untagged}", highlight=False)
        for line in summary.get("warnings", []):
            Console(stderr=True).print(
                f"  skipped: {terminal_line(line)}", markup=False, highlight=False
            )
        for source in summary["sources"]:
            if source["status"] == "error":  # whole in the source's run record
                Console(stderr=True, soft_wrap=True).print(
                    f"  source {terminal_line(source['source'])}: error: "
                    f"{terminal_line(source['error'] or '', LINE_WIDTH)}",
                    markup=False,
                    highlight=False,
                )
    if failed:
        raise typer.Exit(1)


def _end_failed_run(exc: BaseException) -> NoReturn:
    """`run --json` that failed before it could give its summary, or with it (RunFailed): the
    JSON result still goes to stdout, `{"ok": false, "error": <the line stderr gets>,
    "exit_code": N}` and the summary's keys when there is one; then the line and the exit code
    as for any error (a bug's traceback follows its JSON)."""
    from deskwatch.cli import EXIT_INTERRUPTED, ending, interrupted
    from deskwatch.runner import LINE_WIDTH

    if isinstance(exc, KeyboardInterrupt):
        known: tuple[str, int] | None = ("interrupted", EXIT_INTERRUPTED)
    else:
        known = ending(exc)
    line, code = known or (terminal_line(f"{type(exc).__name__}: {exc}", LINE_WIDTH), 1)
    result: dict[str, Any] = {"ok": False, "error": line, "exit_code": code}
    summary = getattr(exc, "summary", None)
    if summary is not None and hasattr(summary, "to_dict"):
        result.update(summary.to_dict())
    print_json(result)
    if isinstance(exc, KeyboardInterrupt):
        interrupted()
    if known is None:
        raise exc
    print(f"deskwatch: error: {line}", file=sys.stderr)
    raise typer.Exit(code) from None


def releases(
    ctx: typer.Context,
    source: str | None = typer.Option(None, "--source", help="Only releases of this source."),
    theme: list[str] | None = typer.Option(
        None,
        "--theme",
        metavar="ID",
        help="Only releases tagged with this theme (repeatable: all).",
    ),
    country: list[str] | None = typer.Option(
        None,
        "--country",
        metavar="CODE",
        help="Only releases tagged with this country, an ISO code such as UA (repeatable: all).",
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=MAX_INT, help="At most this many rows."
    ),
    offset: int = typer.Option(0, "--offset", min=0, max=MAX_INT, help="Skip this many rows."),
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """List releases, newest first: by the date each goes by (published, else updated, else
    first seen; the table says which when it is not the publication date).

    Example: deskwatch releases --source seeds --json

    Example: deskwatch releases --theme ukraine-support --country UA
    """
    from deskwatch.commands.tags import check_tag_filters
    from deskwatch.presenters import release_rows
    from storage.releases import list_releases
    from storage.tags import release_ids_tagged

    fmt = pick(json_, csv_)
    app = state(ctx).app
    themes, countries = check_tag_filters(app, theme or [], country or [])
    with open_archive(app) as db, db.session() as session:
        ids = None
        if themes or countries:
            ids = release_ids_tagged(session, themes=themes, countries=countries)
        found = list_releases(session, source=source, release_ids=ids, limit=limit, offset=offset)
        if source is not None and not found:
            _check_source(app, source, bool(list_releases(session, source=source, limit=1)))
        rows = release_rows(session, found)
    if fmt is Format.TABLE:
        for row in rows:  # `2023-10-09 (updated)`: which date this is, unless published
            row["date"] = date_label(row["date"], row["date_kind"])
        columns = ["id", "date", "title", "source", "countries", "themes", "untagged"]
    else:
        columns = ["id", "date", "date_kind", "published_at", "title", "source", "countries"]
        columns += ["themes", "untagged"]
    emit(rows, columns, fmt, title="Releases", headers={"untagged": "note"})


def _check_source(app: Any, name: str, in_archive: bool) -> None:
    """`--source` names a configured source or one the archive holds releases of; else a typo."""
    configured = [source.name for source in app.config.sources]
    if name not in configured and not in_archive:
        raise UsageError(f"unknown source {name!r} (sources: {', '.join(configured) or 'none'})")


def show(
    ctx: typer.Context,
    release_id: int = typer.Argument(
        ..., min=1, max=MAX_INT, help="The release id (see deskwatch releases)."
    ),
    json_: bool = JsonOption,
) -> None:
    """Show one release: metadata, text, versions and tags. Suggested tags (below the
    tagger's bar) are listed apart; a version the rules left untagged says why. A text that is
    only the feed's summary (its link was not followed) says so ("text: feed summary").

    Example: deskwatch show 1 --json
    """
    from deskwatch.presenters import release_detail
    from storage.releases import get_release

    with open_archive(state(ctx).app) as db, db.session() as session:
        detail = release_detail(session, get_release(session, release_id))
    if json_:
        print_json(detail)
        return
    detail = terminal_safe(detail)  # a publisher's text: no escape sequence reaches the terminal
    console = Console()
    console.print(Text(detail["title"], style="bold"))
    detail["text_label"] = TEXT_KINDS.get(detail.get("text_kind") or "")
    for label, key in [
        ("id", "id"),
        ("published", "published_at"),
        ("text", "text_label"),
        ("source", "source"),
        ("url", "url"),
        ("type", "document_type"),
        ("organisation", "organisation"),
        ("language", "language"),
        ("first seen", "first_seen_at"),
        ("last seen", "last_seen_at"),
        ("withdrawn", "withdrawn_notice"),
    ]:
        if detail.get(key):
            console.print(f"{label:>12}: {detail[key]}", markup=False, highlight=False)
    console.print()
    console.print(detail["text"], markup=False, highlight=False)
    console.print()
    for version in detail["versions"]:
        version["text"] = TEXT_KINDS.get(version["text_kind"] or "", "")
    emit(
        detail["versions"],
        ["number", "fetched_at", "text", "sha256", "change_note"],
        Format.TABLE,
        title="Versions",
        headers={"number": "#", "fetched_at": "fetched"},
    )
    from deskwatch.commands.tags import tag_table_rows

    for line in tagging_lines(detail):
        console.print(line, markup=False, highlight=False)
    emit(
        tag_table_rows([t for t in detail["tags"] if t["status"] == "tagged"]),
        ["kind", "value", "score", "origin", "focus", "evidence"],
        Format.TABLE,
        title="Tags (latest version) and their evidence",
    )


def tagging_lines(detail: dict[str, Any]) -> list[str]:
    """What `show` says of the latest version's tagging beside the tag table: why it is not
    tagged (with the detected language), whose tags a translation took, the suggested tags."""
    lines = []
    if detail.get("untagged_reason"):
        language = detail.get("text_language") or "unknown"
        lines.append(f"not tagged: {detail['untagged_reason']} (language: {language})")
    original = detail.get("tags_from_original")
    if original:
        lines.append(
            f"tags from the English original: release {original['release_id']} "
            f"({original['key']}); language: {detail.get('text_language') or 'unknown'}"
        )
    suggested = [t for t in detail["tags"] if t["status"] != "tagged"]
    if suggested:
        shown = ", ".join(f"{t['label'] or t['value']} ({t['score']:.2f})" for t in suggested)
        lines.append(f"suggested: {shown}")
    return lines


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending database migrations.

    Example: DESKWATCH_DATABASE_URL=postgresql://postgres@127.0.0.1/deskwatch deskwatch db upgrade
    """
    with open_archive(state(ctx).app, write=True) as db:
        applied = db.migrated
    print(f"database is up to date ({len(applied)} migration(s) applied)", file=sys.stdout)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(releases)
    app.command()(show)
    app.add_typer(db_app, name="db")
