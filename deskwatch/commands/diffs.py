"""Commands over diffs: diff (a release's version change, its statement diffs, or two releases
compared) and phrases (the history of a theme's language)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from core.errors import NotFoundError, UsageError
from deskwatch.cli import state
from deskwatch.output import CsvOption, JsonOption, emit, pick, print_json

COLOURS = {"added": "green", "removed": "red", "changed": "yellow"}


def _object(
    release: Any,
    version: Any,
    *,
    against_release_id: int,
    against_version: int | None,
    basis: str,
    payload: dict[str, Any],
    classification: str | None = None,
    silent_edit: bool = False,
    has_change_note: bool = False,
    similarity: float | None = None,
    stored: bool = False,
) -> dict[str, Any]:
    """One diff as the --json object (and what the terminal view prints)."""
    return {
        "release_id": release.id,
        "version": version.number,
        "against": {"release_id": against_release_id, "version": against_version},
        "basis": basis,
        "classification": classification,
        "silent_edit": silent_edit,
        "has_change_note": has_change_note,
        "change_note": version.change_note if basis == "version" else None,
        "similarity": similarity,
        "added": payload.get("added", []),
        "removed": payload.get("removed", []),
        "changed": [
            {"old": c.get("old"), "new": c.get("new"), "word_diff": c.get("word_diff", [])}
            for c in payload.get("changed", [])
        ],
        "new_phrases": payload.get("new_phrases", []),
        "dropped_phrases": payload.get("dropped_phrases", []),
        "stored": stored,
    }


def _from_change(session: Any, release: Any, version: Any, change: Any) -> dict[str, Any]:
    from storage.changes import version_numbers

    numbers = version_numbers(session, [change.against_version_id])
    return _object(
        release,
        version,
        against_release_id=change.against_release_id,
        against_version=numbers.get(change.against_version_id),
        basis=change.basis,
        payload=change.payload or {},
        classification=change.classification,
        silent_edit=change.silent_edit,
        has_change_note=change.has_change_note,
        similarity=change.similarity,
        stored=True,
    )


def version_change(session: Any, release: Any, version: Any) -> list[dict[str, Any]]:
    """The latest version change: the stored diff when the current algorithm made one, else
    computed now from the stored texts."""
    from diffing import ALGORITHM_VERSION
    from pipeline.stages.diff import latest_version_diff
    from storage.changes import changes_of_version

    stored = changes_of_version(
        session, version.id, kind="version", algorithm_version=ALGORITHM_VERSION
    )
    if stored:
        return [_from_change(session, release, version, stored[-1])]
    compared = latest_version_diff(session, version)
    if compared is None:
        return []
    previous, diff = compared
    return [
        _object(
            release,
            version,
            against_release_id=release.id,
            against_version=previous.number,
            basis="version",
            payload=diff.payload(),
            classification=diff.classification,
            silent_edit=diff.silent_edit,
            has_change_note=diff.has_change_note,
            similarity=diff.similarity,
        )
    ]


def statement_changes(app: Any, session: Any, release: Any, version: Any) -> list[dict[str, Any]]:
    """The statement diffs of the latest version: stored ones when it has been diffed with the
    current algorithm, else computed now (and not stored) the way the diff stage would."""
    from datetime import timedelta

    from diffing import ALGORITHM_VERSION
    from pipeline.stages.diff import statement_diffs
    from storage.changes import bases_of_versions, changes_of_version, version_numbers

    if version.diffed_with == ALGORITHM_VERSION:
        return [
            _from_change(session, release, version, change)
            for change in changes_of_version(
                session, version.id, kind="statement", algorithm_version=ALGORITHM_VERSION
            )
        ]
    settings = app.config.diffing
    found = statement_diffs(
        session,
        version,
        bases_of_versions(session, [version.id])[version.id],
        lookback=timedelta(days=settings.lookback_days),
        candidates=settings.candidates,
    )
    numbers = version_numbers(session, [f.against_version_id for f in found])
    return [
        _object(
            release,
            version,
            against_release_id=f.against_release_id,
            against_version=numbers.get(f.against_version_id),
            basis=f.basis,
            payload=f.diff.payload(),
            similarity=f.diff.similarity,
        )
        for f in found
    ]


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
    from diffing.compare import statement_diff
    from storage.releases import get_release

    if against is not None and statements:
        raise UsageError("choose one of --against and --statements")
    if against == release_id:
        raise UsageError("--against names the release itself; use deskwatch diff ID")
    app = state(ctx).app
    db = app.open_db(upgrade=True)
    try:
        with db.session() as session:
            release = get_release(session, release_id)
            if not release.versions:
                raise NotFoundError(f"release {release_id} has no stored text")
            version = release.versions[-1]
            titles = {release.id: release.title}
            if against is not None:
                other = get_release(session, against)
                if not other.versions:
                    raise NotFoundError(f"release {against} has no stored text")
                titles[other.id] = other.title
                earlier = other.versions[-1]
                result = statement_diff(earlier.text, version.text)
                items = [
                    _object(
                        release,
                        version,
                        against_release_id=other.id,
                        against_version=earlier.number,
                        basis="release",
                        payload=result.payload(),
                        similarity=result.similarity,
                    )
                ]
                empty = ""
            elif statements:
                items = statement_changes(app, session, release, version)
                empty = (
                    f"release {release_id} shares no theme or focus country with an earlier "
                    f"statement in the look-back ({app.config.diffing.lookback_days} days)"
                )
            else:
                items = version_change(session, release, version)
                empty = f"release {release_id} has one version: nothing to compare"
            from storage.models import Release

            for item in items:
                other_id = item["against"]["release_id"]
                if other_id not in titles:
                    found = session.get(Release, other_id)
                    titles[other_id] = found.title if found is not None else ""
    finally:
        db.dispose()
    if json_:
        print_json(items)
        return
    console = Console(highlight=False)
    if not items:
        console.print(empty, markup=False)
        return
    for item in items:
        _print(console, item, titles)


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
    from storage.changes import parse_basis, phrase_history

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
    db = app.open_db(upgrade=True)
    try:
        with db.session() as session:
            rows = phrase_history(session, basis, limit=limit)
    finally:
        db.dispose()
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
