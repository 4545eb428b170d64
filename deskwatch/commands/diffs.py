"""Commands over diffs: diff (a release's version change, its statement diffs, or two releases
compared) and phrases (the history of a theme's language)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from core.errors import NotFoundError, UsageError
from deskwatch.archive import open_archive
from deskwatch.cli import state
from deskwatch.output import CsvOption, JsonOption, emit, pick, print_json

COLOURS = {"added": "green", "removed": "red", "changed": "yellow"}


def _print(console: Console, item: dict[str, Any], titles: dict[int, str]) -> None:
    against = item["against"]
    head = Text(f"release {item['release_id']} v{item['version']}", style="bold")
    head.append(" against ")
    other = titles.get(against["release_id"], "")
    head.append(f"release {against['release_id']} v{against['version']}", style="bold")
    if other and against["release_id"] != item["release_id"]:
        head.append(f" ({other})")
    head.append(f"  basis {item['basis']}", style="cyan")
    if item["classification"]:
        style = {"substantive": "bold magenta", "minor": "yellow"}.get(item["classification"], "")
        head.append(f"  {item['classification']}", style=style)
    if item["silent_edit"]:
        head.append("  SILENT EDIT (no change note)", style="bold red")
    if item["similarity"] is not None:
        head.append(f"  similarity {item['similarity']:.2f}", style="dim")
    console.print(head)
    if item.get("change_note") and item["has_change_note"]:
        console.print(Text(f"  change note: {item['change_note']}", style="dim"))
    if item["new_phrases"]:
        line = Text("  new language: ")
        line.append(", ".join(item["new_phrases"]), style=COLOURS["added"])
        console.print(line)
    if item["dropped_phrases"]:
        line = Text("  dropped language: ")
        line.append(", ".join(item["dropped_phrases"]), style=COLOURS["removed"])
        console.print(line)
    for pair in item["changed"]:
        line = Text("  ~ ", style=COLOURS["changed"])
        for op, text in pair["word_diff"]:
            style = {"+": "bold green underline", "-": "red strike"}.get(op, "")
            line.append(text, style=style)
        console.print(line)
    for sentence in item["added"]:
        console.print(Text(f"  + {sentence}", style=COLOURS["added"]))
    for sentence in item["removed"]:
        console.print(Text(f"  - {sentence}", style=COLOURS["removed"]))
    if not (item["changed"] or item["added"] or item["removed"]):
        console.print(Text("  no change in the wording", style="dim"))
    console.print()


def diff(
    ctx: typer.Context,
    release_id: int = typer.Argument(..., help="The release id (see deskwatch releases)."),
    against: int | None = typer.Option(
        None, "--against", metavar="OTHER_ID", help="Compare with another release's latest text."
    ),
    statements: bool = typer.Option(
        False,
        "--statements",
        help="The diffs against earlier statements, one per shared theme or focus country.",
    ),
    json_: bool = JsonOption,
) -> None:
    """Show what changed: the latest version change of a release (default), its diffs against
    earlier statements on the same themes and countries (--statements), or a comparison with
    another release (--against). Added text is green, removed red, reworded yellow.

    Example: deskwatch diff 42 --statements --json
    """
    from pipeline.diffs import release_diffs

    if against is not None and statements:
        raise UsageError("choose one of --against and --statements")
    if against == release_id:
        raise UsageError("--against names the release itself; use deskwatch diff ID")
    app = state(ctx).app
    with open_archive(app) as db:
        found = release_diffs(
            db, release_id, against=against, statements=statements, settings=app.config.diffing
        )
    items = found.items
    if json_:
        print_json(items)
        return
    console = Console(highlight=False)
    if not items:
        if statements:
            empty = (
                f"release {release_id} shares no theme or focus country with an earlier "
                f"statement in the look-back ({app.config.diffing.lookback_days} days)"
            )
        else:
            empty = f"release {release_id} has one version: nothing to compare"
        console.print(empty, markup=False)
        return
    for item in items:
        _print(console, item, found.titles)


def phrases(
    ctx: typer.Context,
    theme: str = typer.Argument(
        ..., help="A theme id (see seeds/taxonomy.yaml), or country:CODE for a focus country."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many phrases."),
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """The history of the language on a theme: each key phrase with the date it was first and
    last used, newest first.

    Example: deskwatch phrases middle-east --limit 20
    """
    from storage.changes import parse_basis
    from storage.phrases import phrase_history

    fmt = pick(json_, csv_)
    basis = theme if ":" in theme else f"theme:{theme}"
    kind, value = parse_basis(basis)
    if kind == "country":
        basis = f"country:{value.upper()}"
    app = state(ctx).app
    if kind == "theme":
        from pipeline.stages.tag import taxonomy_for

        taxonomy = taxonomy_for(app)
        if taxonomy.theme(value) is None:
            known = ", ".join(taxonomy.theme_ids)
            raise NotFoundError(f"no theme {value!r} in the taxonomy (themes: {known})")
    with open_archive(app) as db, db.session() as session:
        rows = phrase_history(session, basis, limit=limit)
    emit(
        rows,
        ["phrase", "first_used", "last_used", "releases", "first_release_id", "last_release_id"],
        fmt,
        title=f"Key phrases on {basis}",
        headers={
            "first_used": "first used",
            "last_used": "last used",
            "first_release_id": "first in",
            "last_release_id": "last in",
        },
    )


def register(app: typer.Typer) -> None:
    app.command()(diff)
    app.command()(phrases)
