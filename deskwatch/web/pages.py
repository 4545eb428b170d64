"""The archive pages: home, search (with its export), theme and country pages, alerts.

Each handler gathers from the repository modules the CLI uses, then hands one dict to
deskwatch.web.render.page (HTML or its JSON twin). Sync handlers: Starlette runs them in its
thread pool, each with its own session on the read-only archive.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from core.errors import QueryError
from core.query import Filter, Query, is_positive, parse, parse_date
from deskwatch.web.render import dumps_line, error, page, wants_json
from deskwatch.web.svg import timeline_svg

PAGE_SIZE = 20
MAX_PAGE = 500
PHRASES_SHOWN = 40
TIMELINE_WINDOW = timedelta(days=731)
"""A theme or country page charts the last two years (the search link has everything)."""
DROPPED_AFTER = timedelta(days=180)
"""A phrase is shown as dropped when its last use is this long before the newest on its basis."""


def request_time(request: Request) -> datetime:
    """The app's clock (create_app's `clock`, for tests), else the real UTC time."""
    clock = request.app.state.clock
    return clock() if clock is not None else datetime.now(UTC)


def _int(request: Request, name: str, default: int, *, low: int = 1, high: int = MAX_PAGE) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise QueryError(f"{name} must be between {low} and {high}")
    return value


def home(request: Request) -> Response:
    from storage.alerts import count_by_status, list_alerts
    from storage.reading_room import latest_releases, new_since
    from storage.source_health import source_health

    now = request_time(request)
    with request.app.state.db.session() as session:
        fresh = new_since(session, now - timedelta(days=1))
        latest = latest_releases(session, limit=10)
        alerts = [alert_row(a, r) for a, r in list_alerts(session, limit=10)]
        statuses = count_by_status(session)
        # each source's runs and releases counted: recomputed at most once a minute
        health = request.app.state.cache.get(
            "source_health", lambda: source_health(session, now=now)
        )
        attention = [s for s in health if s["warning"]]
    data = {
        "new_since_yesterday": fresh,
        "latest_releases": latest,
        "recent_alerts": alerts,
        "alerts_by_status": statuses,
        "sources_needing_attention": attention,
    }
    return page(request, "home.html.j2", data)


def reasons_text(reasons: Any) -> str:
    """An alert's stored reasons as one line: "theme Sanctions; keyword ceasefire"."""
    out = []
    for reason in reasons or []:
        if isinstance(reason, dict):
            kind, shown = reason.get("kind", ""), reason.get("label") or reason.get("value", "")
            out.append(f"{kind} {shown}".strip())
        else:
            out.append(str(reason))
    return "; ".join(out)


def alert_row(alert: Any, release: Any) -> dict[str, Any]:
    return {
        "id": alert.id,
        "email": alert.email,
        "release_id": release.id,
        "title": release.title,
        "frequency": alert.frequency,
        "status": alert.status,
        "reasons": alert.reasons,
        "why": reasons_text(alert.reasons),
        "attempts": alert.attempts,
        "last_error": alert.last_error,
        "created_at": alert.created_at,
        "sent_at": alert.sent_at,
        "next_attempt_at": alert.next_attempt_at,
    }


def _facet_filter(kind: str, value: str) -> str:
    if kind == "year":
        return f"since:{value} until:{value}"
    name = {"type": "type", "source": "source"}.get(kind, kind)
    if any(c.isspace() or c in '"():,' for c in value):
        value = '"' + value.replace('"', "") + '"'
    return f"{name}:{value}"


def narrowed(q: str, flt: str) -> str | None:
    """The query `q` with the filter `flt` added, as text the parser takes (a top-level OR is put
    in parentheses, as filters apply to the whole query); None when it cannot be narrowed so."""
    for text in (f"{q} {flt}", f"({q}) {flt}"):
        try:
            parse(text)
        except QueryError:
            continue
        return text
    return None


def _narrowed_link(q: str, flt: str, base: dict[str, str]) -> str | None:
    text = narrowed(q, flt)
    return None if text is None else "/search?" + urlencode({"q": text, **base})


def search(request: Request) -> Response:
    from storage.reading_room import SAMPLE, facets
    from storage.search import search_page

    q = request.query_params.get("q", "").strip()
    as_of_text = request.query_params.get("as_of", "").strip()
    data: dict[str, Any] = {"query": q, "as_of": as_of_text or None, "page": 1, "hits": []}
    extra: dict[str, Any] = {"facet_links": {}, "pages": {}}
    if not q:
        return page(request, "search.html.j2", {**data, "facets": None}, extra=extra)
    try:
        number = _int(request, "page", 1)
        size = _int(request, "size", PAGE_SIZE, high=100)
        parsed = parse(q)
        as_of = parse_date(as_of_text, "as_of") if as_of_text else None
        if parsed.is_empty:
            raise QueryError("the query is empty: give words to search for, or a field filter")
        with request.app.state.db.session() as session:
            # the facets count over the matches the page was cut from, ranked (or read) once
            found = search_page(
                session, parsed, limit=size, offset=(number - 1) * size, as_of=as_of, sample=SAMPLE
            )
            hits = found.hits
            counted = facets(session, parsed, as_of=as_of, ranked=found.ranked, every=found.every)
    except QueryError as exc:
        return page(
            request,
            "search.html.j2",
            {**data, "facets": None, "error": str(exc)},
            status=400,
            extra=extra,
        )
    data.update(page=number, size=size, hits=[h.row() for h in hits], facets=counted.as_dict())
    if not wants_json(request):
        base = {"as_of": as_of_text} if as_of_text else {}
        extra["facet_links"] = {
            kind: {value: _narrowed_link(q, _facet_filter(kind, value), base) for value, _ in rows}
            for kind, rows in counted.counts.items()
        }
        last = -(-counted.total // size) if counted.total is not None else None
        more = len(hits) == size if last is None else number < last
        link = lambda n: "/search?" + urlencode({"q": q, "page": n, **base})  # noqa: E731
        extra["pages"] = {
            "last": last,
            "previous": link(number - 1) if number > 1 else None,
            "next": link(number + 1) if more else None,
        }
        extra["ranked"] = parsed.text is not None and is_positive(parsed.text)
        extra["export"] = {
            fmt: "/search/export?" + urlencode({"q": q, "format": fmt, **base})
            for fmt in ("csv", "jsonl")
        }
    return page(request, "search.html.j2", data, extra=extra)


def export(request: Request) -> Response:
    """The whole result set, streamed: the rows and columns of `deskwatch export`."""
    from storage.search import EXPORT_COLUMNS, export_rows

    fmt = request.query_params.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        return error(request, 400, "format must be csv or jsonl")
    try:
        parsed = parse(request.query_params.get("q", ""))
        as_of_text = request.query_params.get("as_of", "").strip()
        as_of = parse_date(as_of_text, "as_of") if as_of_text else None
    except QueryError as exc:
        return error(request, 400, str(exc))
    db = request.app.state.db

    def lines() -> Iterator[str]:
        with db.session() as session:
            if fmt == "csv":
                yield _csv_line(EXPORT_COLUMNS)
            for row in export_rows(session, parsed, as_of=as_of):
                if fmt == "csv":
                    yield _csv_line([_csv_cell(row[c]) for c in EXPORT_COLUMNS])
                else:
                    yield dumps_line(row)

    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    name = f"deskwatch-export.{fmt}"
    return StreamingResponse(
        lines(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _csv_line(cells: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    from deskwatch.output import to_jsonable

    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    jsonable = to_jsonable(value)
    return "" if jsonable is None else jsonable


def phrase_status(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each phrase of a phrase history marked `dropped` (storage.phrases gives the time of the
    first later statement without it, `dropped_since`) or `still said`. For a history without
    that field: `dropped` when its last use is DROPPED_AFTER before the newest on its basis."""
    if not rows:
        return []
    newest = max(r["last_used"] for r in rows)
    out = []
    for row in rows:
        if "dropped_since" in row:
            dropped = row["dropped_since"] is not None
        else:
            dropped = newest - row["last_used"] > DROPPED_AFTER
        out.append({**row, "status": "dropped" if dropped else "still said"})
    return out


def theme(request: Request) -> Response:
    return topic(request, "theme")


def country(request: Request) -> Response:
    return topic(request, "country")


def topic(request: Request, kind: str) -> Response:
    """A theme (/themes/{value}) or a country (/countries/{value}) page."""
    from storage.reading_room import tag_timeline, top_phrases
    from storage.search import fill_periods
    from storage.search import search as run_search

    raw = request.path_params["value"].strip()
    value = raw.upper() if kind == "country" else raw.lower()
    if not value or len(value) > 200:
        return error(request, 404, f"no such {kind}")
    query = Query().with_filter(Filter(kind, (value,)))
    basis = f"{kind}:{value}"
    # the two years' counts of `deskwatch timeline kind:value` and the first rows of
    # `deskwatch phrases`, each from a query of its own driven by the tag (storage.reading_room)
    start = (request_time(request) - TIMELINE_WINDOW).date().replace(day=1)
    with request.app.state.db.session() as session:
        counts = tag_timeline(session, kind, value, since=datetime.combine(start, time(), UTC))
        latest = [h.row() for h in run_search(session, query, limit=10)]
        phrases = phrase_status(top_phrases(session, basis, limit=PHRASES_SHOWN))
    rows = fill_periods({basis: counts}, "month") if counts else []
    series = [(row["period"], row[basis]) for row in rows]
    data = {
        "kind": kind,
        "value": value,
        "timeline": [{"period": p, "releases": n} for p, n in series],
        "phrases": phrases,
        "latest": latest,
    }
    name = request.app.state.names.of(kind, value)
    chart = timeline_svg(series, title=f"Releases per month, {name}, last two years", by="month")
    search_link = "/search?" + urlencode({"q": f"{kind}:{value}"})
    return page(request, "topic.html.j2", data, extra={"chart": chart, "search_link": search_link})


def alerts(request: Request) -> Response:
    """Every alert, newest first, optionally of some statuses (the operators' view)."""
    from storage.alerts import STATUSES, count_by_status, list_alerts

    wanted = [s for s in request.query_params.getlist("status") if s]
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        return error(request, 400, f"unknown status {unknown[0]!r}: one of {', '.join(STATUSES)}")
    try:
        limit = _int(request, "limit", 100, high=1000)
    except QueryError as exc:
        return error(request, 400, str(exc))
    with request.app.state.db.session() as session:
        rows = [
            alert_row(a, r) for a, r in list_alerts(session, statuses=wanted or None, limit=limit)
        ]
        statuses = count_by_status(session)
    data = {"statuses": wanted, "by_status": statuses, "alerts": rows}
    return page(request, "alerts.html.j2", data, extra={"all_statuses": STATUSES})


def healthz(request: Request) -> Response:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("ok\n")
