"""Commands over diffs: diff (a release's version change, its statement diffs, or two releases
compared) and phrases (the history of a theme's language)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from core.errors import NotFoundError, UsageError
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
    terminal_safe,
)

COLOURS = {"added": "green", "removed": "red", "changed": "yellow"}
SENTENCE_WIDTH = 160
"""A before or after sentence of a move is cut to this many characters."""
PHRASES_SHOWN = 25
"""`deskwatch phrases` shows the top this many as a table unless --limit says; --json and
--csv give all of them."""


def _cut(sentence: str | None) -> str:
    if not sentence:
        return "(none)"
    return sentence if len(sentence) <= SENTENCE_WIDTH else sentence[: SENTENCE_WIDTH - 1] + "…"


def _days(earlier: str | None, later: datetime | None) -> str:
    if earlier is None:
        return ""
    try:
        then = datetime.fromisoformat(earlier)
    except ValueError:
        return ""
    if later is None:
        return f", {then:%Y-%m-%d}"
    days = (later - then).days
    ago = "the same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} earlier"
    return f", {then:%Y-%m-%d} ({ago})"


def baseline_line(baseline: dict[str, Any], stated: datetime | None = None) -> str:
    """The sentence naming a statement diff's baseline: which statement, when, and if it was
    not compared, why ("last statement on Israel: <title>, 2023-10-20 (37 days earlier); not
    compared because ...")."""
    label = baseline["basis_label"]
    if baseline.get("release_id") is None:
        return f"not compared: {baseline['reason']}"
    line = (
        f"last statement on {label}: {baseline['title']} (release {baseline['release_id']})"
        f"{_days(baseline.get('published_at'), stated)}"
    )
    if baseline.get("compared"):
        return f"compared with the {line}"
    return f"{line}; not compared because {baseline['reason']}"


def word_diff_line(word_diff: list[Any], *, markers: bool) -> Text:
    """A reworded sentence as one line: in colour (inserted words green and underlined, deleted
    ones red and struck) in a terminal; with `markers` (a pipe, a file, NO_COLOR) as git's
    --word-diff=plain writes it, `[-deleted-]{+inserted+}`, so the words stay apart."""
    line = Text("  ~ ", style=COLOURS["changed"])
    for op, text in word_diff:
        if markers and op in ("+", "-"):
            lead, body, tail = _split_space(text)
            mark = ("{+", "+}") if op == "+" else ("[-", "-]")
            line.append(f"{lead}{mark[0]}{body}{mark[1]}{tail}")
        else:
            line.append(text, style={"+": "bold green underline", "-": "red strike"}.get(op, ""))
    return line


def _split_space(text: str) -> tuple[str, str, str]:
    """`text` as (leading space, words, trailing space): markers go round the words only."""
    body = text.strip()
    if not body:
        return text, "", ""
    start = text.index(body)
    return text[:start], body, text[start + len(body) :]


def _print_moves(console: Console, item: dict[str, Any]) -> None:
    from diffing.moves import HEADLINES  # here, not at the top: every command loads this module

    if not item["moves"]:
        return
    console.print(Text("  what moved:", style="bold"))
    for rank, move in enumerate(item["moves"][:HEADLINES], 1):
        console.print(Text(f"   {rank}. {move['label'].replace('_', ' ')}", style="bold"))
        if move["before"] or move["after"]:
            line = Text("      ")
            line.append(_cut(move["before"]), style=COLOURS["removed"])
            line.append(" -> ")
            line.append(_cut(move["after"]), style=COLOURS["added"])
            console.print(line)
    if item["details"]:
        shown = ", ".join(f"{d['kind']}: {d['text']}" for d in item["details"][:8])
        more = len(item["details"]) - 8
        console.print(
            Text(f"  details: {shown}" + (f" (+{more} more)" if more > 0 else ""), style="dim")
        )


def _print(
    console: Console, item: dict[str, Any], titles: dict[int, str], stated: datetime | None
) -> None:
    baseline = item.get("baseline")
    if baseline is not None and not baseline.get("compared"):
        head = Text(f"release {item['release_id']} v{item['version']}", style="bold")
        head.append(f" on {baseline['basis_label']}: ", style="cyan")
        head.append(baseline_line(baseline, stated))
        console.print(head)
        return
    against = item["against"]
    head = Text(f"release {item['release_id']} v{item['version']}", style="bold")
    head.append(" against ")
    other = titles.get(against["release_id"], "")
    head.append(f"release {against['release_id']} v{against['version']}", style="bold")
    if other and against["release_id"] != item["release_id"]:
        head.append(f" ({other})")
    on = "; ".join(item.get("labels") or [baseline["basis_label"]]) if baseline else item["basis"]
    head.append(f"  on {on}" if baseline is not None else f"  basis {on}", style="cyan")
    if item["classification"]:
        style = {"substantive": "bold magenta", "minor": "yellow"}.get(item["classification"], "")
        head.append(f"  {item['classification']}", style=style)
    if item["silent_edit"]:
        head.append("  SILENT EDIT (no change note)", style="bold red")
    if item["similarity"] is not None:
        name = "passage similarity" if baseline is not None else "similarity"
        if not item.get("labels") or len(item["labels"]) == 1:
            head.append(f"  {name} {item['similarity']:.2f}", style="dim")
    console.print(head)
    if baseline is not None:
        said = baseline_line(baseline, stated)
        if len(item.get("labels") or ()) > 1:  # one line for the bases that share the diff
            said = said.replace(f" on {baseline['basis_label']}:", ":", 1)
        console.print(Text(f"  {said}", style="dim"))
    if item.get("change_note") and item["has_change_note"]:
        console.print(Text(f"  change note: {item['change_note']}", style="dim"))
    _print_moves(console, item)
    if item["new_phrases"]:
        line = Text("  new language: ")
        line.append(", ".join(item["new_phrases"]), style=COLOURS["added"])
        console.print(line)
    if item["dropped_phrases"]:
        line = Text("  dropped language: ")
        line.append(", ".join(item["dropped_phrases"]), style=COLOURS["removed"])
        console.print(line)
    markers = not console.is_terminal or console.no_color
    for pair in item["changed"]:
        console.print(word_diff_line(pair["word_diff"], markers=markers))
    for sentence in item["added"]:
        console.print(Text(f"  + {sentence}", style=COLOURS["added"]))
    for sentence in item["removed"]:
        console.print(Text(f"  - {sentence}", style=COLOURS["removed"]))
    if not (item["changed"] or item["added"] or item["removed"]):
        console.print(Text("  no change in the wording", style="dim"))
    console.print()


def diff(
    ctx: typer.Context,
    release_id: int = typer.Argument(
        ..., min=1, max=MAX_INT, help="The release id (see deskwatch releases)."
    ),
    against: int | None = typer.Option(
        None,
        "--against",
        metavar="OTHER_ID",
        min=1,
        max=MAX_INT,
        help="Compare with another release's latest text.",
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
    another release (--against). Each leads with what moved (the top three changes, ranked by
    the significance lexicon, before -> after), then the details (names, dates, phone
    numbers) apart, then the sentences: added green, removed red, reworded yellow. A statement
    diff names the earlier statement it compared with, or says why none was compared.

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
                f"release {release_id} has no theme or focus country that drives a comparison "
                "(the publisher's own country and tags most releases carry do not)"
            )
        else:
            empty = f"release {release_id} has one version: nothing to compare"
        console.print(empty, markup=False)
        return
    for item in _grouped(items):
        _print(console, terminal_safe(item), terminal_safe(found.titles), found.stated)


def _grouped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statement diffs against the same earlier version with the same content as one item
    whose `labels` name every basis (the diff is shown once); the rest as they are."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for item in items:
        baseline = item.get("baseline")
        if not baseline or not baseline.get("compared"):
            out.append(item)
            continue
        key = (
            item["against"]["release_id"],
            item["against"]["version"],
            tuple(item["new_phrases"]),
            tuple(m["label"] for m in item["moves"]),
        )
        if key in groups:
            groups[key]["labels"].append(baseline["basis_label"])
            continue
        groups[key] = {**item, "labels": [baseline["basis_label"]]}
        out.append(groups[key])
    return out


def phrases(
    ctx: typer.Context,
    theme: str = typer.Argument(
        ..., help="A theme id (see seeds/taxonomy.yaml), or country:CODE for a focus country."
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=MAX_INT, help="At most this many phrases."
    ),
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """The history of the language on a theme: each phrase the government used on it (the
    significance lexicon's formulae first, then the most used key phrases), when it was first
    said and by which statement, when it was last said, and since when it has been dropped (the
    first later statement on the theme without it) if the latest no longer says it. The table
    shows the top 25 (or --limit); --json and --csv give every phrase.

    Example: deskwatch phrases middle-east-escalation --limit 20
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
    if fmt is Format.TABLE:
        rows = [
            {
                **row,
                **{
                    k: f"{row[k]:%Y-%m-%d}"
                    for k in ("first_used", "last_used", "dropped_since")
                    if row[k] is not None
                },
            }
            for row in rows[: limit or PHRASES_SHOWN]
        ]
    columns = (
        ["phrase", "first_used", "last_used", "releases", "dropped_since"]
        if fmt is Format.TABLE
        else [
            "phrase",
            "first_used",
            "last_used",
            "releases",
            "weight",
            "dropped_since",
            "first_release_id",
            "first_title",
            "last_release_id",
            "last_title",
        ]
    )
    from diffing.baseline import basis_label

    emit(
        rows,
        columns,
        fmt,
        title=f"Language on {basis_label(basis, _theme_label(app, kind, value))}, most "
        "significant first",
        headers={
            "first_used": "first said",
            "last_used": "last said",
            "releases": "statements",
            "dropped_since": "dropped since",
        },
    )


def _theme_label(app: Any, kind: str, value: str) -> str | None:
    if kind != "theme":
        return None
    from pipeline.stages.tag import taxonomy_for

    theme = taxonomy_for(app).theme(value)
    return getattr(theme, "label", None) if theme is not None else None


def register(app: typer.Typer) -> None:
    app.command()(diff)
    app.command()(phrases)
