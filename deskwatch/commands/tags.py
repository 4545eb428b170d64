"""Commands over tags: retag (recompute them from stored text) and eval (measure the tagger)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from core.errors import UsageError
from deskwatch.archive import open_archive
from deskwatch.output import CsvOption, Format, JsonOption, emit, pick, print_json


def state(ctx: typer.Context) -> Any:
    # imported here: deskwatch.cli imports this module while it registers the commands
    from deskwatch.cli import state as cli_state

    return cli_state(ctx)


def parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r} is not a date (YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def retag(
    ctx: typer.Context,
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="DATE",
        help="Only releases published (else first seen) on or after DATE (YYYY-MM-DD).",
    ),
    json_: bool = JsonOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Recompute the tags of every stored version (or those since DATE) from its stored text,
    with the current taxonomy. Idempotent: running it twice gives the same tags.

    Example: deskwatch retag --since 2024-01-01
    """
    from pipeline.stages.tag import tag_versions, taxonomy_for

    app = state(ctx).app
    when = parse_since(since)
    version = taxonomy_for(app).version
    err = Console(stderr=True)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if not (quiet or json_):
            err.print(f"retagged {done} versions ...", highlight=False)

    with open_archive(app, write=True) as db:
        counts = tag_versions(
            app, db, now=datetime.now(UTC), everything=True, since=when, on_batch=progress
        )
    result = {**counts, "taxonomy_version": version, "since": when}
    if json_:
        print_json(result)
    elif not quiet:
        Console().print(
            f"deskwatch retag: {counts['tagged_versions']} versions, "
            f"{counts['tags_written']} tags (taxonomy {version})",
            highlight=False,
        )


def eval_(
    ctx: typer.Context,
    gold: Path | None = typer.Option(
        None,
        "--gold",
        metavar="DIR",
        file_okay=False,
        help="Folder of gold YAML files (such as tests/gold of a checkout).",
    ),
    corpus: Path | None = typer.Option(
        None,
        "--corpus",
        metavar="DIR",
        file_okay=False,
        help="The shared corpus folder, or its govuk-content-api folder.",
    ),
    labels: Path | None = typer.Option(
        None,
        "--labels",
        metavar="FILE",
        dir_okay=False,
        help="The team's labels of the corpus items (default: govuk_labels.yaml in --gold).",
    ),
    errors: bool = typer.Option(
        True, "--errors/--no-errors", help="List every miss and false positive (default: yes)."
    ),
    diffs: Path | None = typer.Option(
        None,
        "--diffs",
        metavar="GOLD_FILE",
        dir_okay=False,
        help="Measure the differ instead, on this gold file of diffs (tests/gold/diffs.yaml) "
        "and the texts of --corpus.",
    ),
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """Measure the tagger: precision, recall and F1 per country, per theme and overall, on the
    gold set and on the GOV.UK items of the shared corpus (their world_locations links as the
    truth for countries; the tagger sees only the text) and on the team's labels of those items
    (the tuning part and the held-out part apart, with the suggested band): one summary table,
    then the per-label tables and every miss and false positive.
    Give --gold, --corpus or both: there is no default folder. With --diffs GOLD_FILE it measures
    the differ on the corpus instead: top-3 precision and recall of what moved, the trivial-edit
    false-substantive rate, per part, and baseline choice accuracy.

    Example: deskwatch eval --gold tests/gold --corpus ../shared/corpus
    Example: deskwatch eval --diffs tests/gold/diffs.yaml --corpus ../shared/corpus
    """
    from deskwatch.paths import require
    from pipeline.evaluation import evaluation_report
    from pipeline.stages.tag import taxonomy_for

    require([gold, corpus, labels, diffs])
    fmt = pick(json_, csv_)
    if diffs is not None:
        from deskwatch.diff_eval import print_diff_evaluation

        if corpus is None:
            raise UsageError("--diffs needs the corpus its gold file names (--corpus DIR)")
        print_diff_evaluation(state(ctx).app, diffs, corpus, fmt, errors=errors)
        return
    if gold is None and corpus is None:
        raise UsageError("give the gold set (--gold DIR), the corpus (--corpus DIR) or both")
    report = evaluation_report(
        taxonomy_for(state(ctx).app), gold=gold, corpus=corpus, labels=labels
    )
    scores = report.pop("scores")
    parts = report.pop("parts", [])
    if fmt is Format.JSON:
        print_json(
            {
                **report,
                "scores": [s.as_dict() for s in scores],
                "parts": [p.as_dict() for p in parts],
            }
        )
        return
    rows = [row for s in scores for row in s.rows()]
    columns = ["dataset", "kind", "label", "tp", "fp", "fn", "precision", "recall", "f1"]
    if fmt is Format.CSV:
        emit(rows, columns, fmt)
        return
    console = Console()
    console.print(f"taxonomy {report['taxonomy_version']}", highlight=False)
    for note in report["notes"]:
        console.print(f"note: {note}", highlight=False)
    if report.get("gold"):
        console.print(f"gold set: {report['gold']['items']} items in {report['gold']['path']}")
    if report.get("corpus"):
        c = report["corpus"]
        console.print(
            f"GOV.UK corpus: {c['labelled_items']} of {c['items']} items carry country labels; "
            f"labels naming no country, set aside: {', '.join(c['labels_set_aside']) or 'none'}",
            highlight=False,
        )
    for s in scores:
        table_rows = [r for r in s.rows()]
        emit(
            [{k: _fmt(v) for k, v in r.items()} for r in table_rows],
            columns[2:],
            Format.TABLE,
            title=f"{s.dataset}: {s.kind} ({s.items} items)",
        )
    from pipeline.eval_table import COLUMNS

    emit(
        [{k: "" if v is None else _fmt(v) for k, v in row.items()} for row in report["summary"]],
        COLUMNS,
        Format.TABLE,
        title="Summary per data set (P precision, R recall; suggested: the band below the bar)",
        headers={
            "theme_precision": "theme P",
            "theme_recall": "theme R",
            "theme_macro_f1": "theme macro-F1",
            "country_precision": "country P",
            "country_recall": "country R",
            "focus_precision": "focus P",
            "focus_recall": "focus R",
            "suggested_right": "suggested, labelled",
            "suggested_wrong": "suggested, not labelled",
            "untagged_explained": "not English, untagged with reason",
        },
    )
    console.print()
    for s in scores:
        o = s.overall
        console.print(
            f"{s.dataset:>5} {s.kind:<18} precision {o.precision:.3f}  recall {o.recall:.3f}  "
            f"F1 {o.f1:.3f}  macro-F1 {s.macro_f1:.3f}",
            highlight=False,
        )
    if errors:
        for s in scores:
            if not s.errors:
                continue
            console.print(f"\n{s.dataset} {s.kind}: {len(s.errors)} misses and false positives")
            for e in s.errors:
                console.print(
                    f"  {e.item}: {e.error} {e.label} {e.detail}".rstrip(),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
    sys.stdout.flush()


def _fmt(value: Any) -> Any:
    return f"{value:.3f}" if isinstance(value, float) else value


def register(app: typer.Typer) -> None:
    app.command()(retag)
    app.command("eval")(eval_)


def check_tag_filters(
    app: Any, themes: list[str], countries: list[str]
) -> tuple[list[str], list[str]]:
    """Validate `--theme` ids against the taxonomy and `--country` codes (two letters)."""
    if themes:
        from pipeline.stages.tag import taxonomy_for

        known = taxonomy_for(app).theme_ids
        unknown = [t for t in themes if t not in known]
        if unknown:
            refused = UsageError(f"unknown theme {unknown[0]!r} (themes: {', '.join(known)})")
            refused.whole = True  # type: ignore[attr-defined]  # the list is the help: print it all
            raise refused
    codes = [c.strip().upper() for c in countries]
    bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
    if bad:
        raise UsageError(f"--country {bad[0]!r} is not an ISO 3166-1 alpha-2 code such as UA")
    return themes, codes


def check_query_themes(app: Any, query: Any) -> None:
    """Refuse a query's `theme:` or `suggested:` id the taxonomy does not know, as
    check_tag_filters refuses `--theme`: a typo is an error, not an empty result."""
    themes = [
        value
        for flt in query.filters
        if flt.field in ("theme", "suggested")
        for value in flt.values
    ]
    check_tag_filters(app, themes, [])


def tag_table_rows(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tags as table rows for `deskwatch show`: the value (and role) and the first evidence."""
    rows = []
    for tag in tags:
        value = tag["value"]
        role = (tag.get("attributes") or {}).get("role")
        if role:
            value = f"{value} ({role})"
        evidence = tag.get("evidence") or []
        shown = "; ".join(f"“{e['text']}” in: {e['sentence']}" for e in evidence[:2])
        if len(evidence) > 2:
            shown += f" (+{len(evidence) - 2} more)"
        if not evidence and tag.get("origin") == "publisher":
            shown = "publisher link: " + str(
                (tag.get("attributes") or {}).get("link", {}).get("value", "")
            )
        rows.append(
            {
                "kind": tag["kind"],
                "value": value,
                "score": f"{tag['score']:.2f}",
                "origin": tag["origin"],
                "focus": "yes" if tag["focus"] else "",
                "evidence": shown,
            }
        )
    return rows
