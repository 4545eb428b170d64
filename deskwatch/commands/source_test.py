"""`deskwatch sources test NAME`: read one configured source and show what a run would store,
storing nothing (pipeline.source_preview; the archive is not opened)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console

from core.errors import FetchError, UsageError
from core.records import TEXT_KINDS
from deskwatch.cli import state
from deskwatch.output import Format, JsonOption, emit, print_json, terminal_text

ITEM_COLUMNS = ["key", "title", "date", "text", "tags"]


def source_test(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="A source named in the config."),
    json_: bool = JsonOption,
) -> None:
    """Read one source and show what a run would store; stores nothing.

    The source is read as a run reads it (same readers, same hosts and limits). For each item
    a run would store: its key, title, date and which date it is, text length and whether
    it is the full text or a feed's summary, and the tags it would get; then every skip,
    problem and warning with its reason. Nothing is stored and the archive is not opened; every
    URL is fetched whole (no conditional GET), so an unchanged feed still shows its items.
    Exit 0 when the source reads, 1 when it fails, 2 for a name the config does not have.

    Example: deskwatch sources test fcdo-news --json
    """
    from core.release_dates import date_label
    from pipeline.source_preview import preview_source
    from pipeline.stages.tag import tagger_for

    app = state(ctx).app
    by_name = {s.name: s for s in app.config.sources}
    source = by_name.get(name)
    if source is None:
        known = ", ".join(sorted(by_name)) or "none"
        raise UsageError(f"no source named {name!r} in the config (its sources: {known})")
    preview = preview_source(
        source, now=datetime.now(UTC), fetching=app.fetching, tagger=tagger_for(app)
    )
    if json_:
        print_json(preview.to_dict())
    else:
        out = Console(soft_wrap=True, highlight=False)
        out.print(_headline(preview, source.enabled), markup=False)
        if preview.items:
            rows = [
                {
                    "key": item["key"],
                    "title": item["title"],
                    "date": date_label(item["date"], item["date_kind"]),
                    "text": f"{item['text_length']} chars, {TEXT_KINDS[item['text_kind']]}",
                    "tags": ", ".join(item.get("tags", [])),
                }
                for item in preview.items
            ]
            emit(rows, ITEM_COLUMNS, Format.TABLE, title="What a run would store")
        for word, lines in (
            ("skipped", preview.skipped),
            ("problem", preview.problems),
            ("warning", preview.warnings),
        ):
            for line in lines:
                out.print(f"  {word}: {terminal_text(line)}", markup=False)
    if not preview.ok:
        raise FetchError(preview.error or "the source could not be read")


def _headline(preview: Any, enabled: bool) -> str:
    """`freedonia (feed): 2 items a run would store; 1 skipped: link host not in follow_hosts`."""
    from core import skips

    where = f"{preview.source} ({preview.type}{'' if enabled else ', disabled in the config'})"
    if not preview.ok:
        return f"{where}: not read"
    parts = [f"{len(preview.items)} item{'' if len(preview.items) == 1 else 's'} a run would store"]
    parts.append(skips.reasons_line(preview.skips) or "0 skipped")
    if preview.from_feed:
        parts.append(skips.from_feed_line(preview.from_feed))
    if preview.problems:
        parts.append(f"{len(preview.problems)} problem{'' if len(preview.problems) == 1 else 's'}")
    if preview.warnings:
        parts.append(skips.warnings_line(preview.warnings))
    status = f", HTTP {preview.http_status}" if preview.http_status else ""
    return terminal_text(f"{where}{status}: {'; '.join(parts)}")
