"""One page, two forms: HTML from a Jinja2 template, or its JSON twin from the same data.

A request gets JSON when it says `?format=json`, or when its Accept header asks for
application/json and not for text/html (a browser asks for HTML; `httpx`, `requests` and
`curl -H 'Accept: application/json'` get JSON). Both forms are built from one dict, so the
twin shows exactly what the page shows. The HTML names themes and countries (`names`,
deskwatch.web.names) where the twin keeps their ids and codes.

Templates autoescape everything: a title or text is never HTML. The CSRF cookie is set here on
the first page a browser gets, and its form token handed to the template as `csrf`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from core.release_dates import date_label
from deskwatch.output import to_jsonable
from deskwatch.web.marks import snippet_parts
from deskwatch.web.names import Names
from deskwatch.web.security import CSRF_COOKIE, csrf_token, new_csrf_cookie

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if value.time() != datetime.min.time()
            else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, date | datetime) else ""


def _snippet(text: str) -> Markup:
    """A search snippet with its matches in <mark> (the text itself escaped)."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(piece) if marked else escape(piece)
        for piece, marked in snippet_parts(text or "")
    )


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _date
    env.filters["day"] = _day
    env.globals["snippet"] = _snippet
    env.globals["date_label"] = date_label  # "2023-10-09", "... (updated)", "... (seen)"
    return env


ENV = environment()


def wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def csrf_cookie(request: Request) -> tuple[str, bool]:
    """The browser's CSRF cookie, or a new one (True: it must be set on the response)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return (cookie, False) if cookie else (new_csrf_cookie(), True)


def page(
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """`data` as JSON, or the template with `data` plus `extra` (things only the HTML needs)."""
    if wants_json(request):
        return JSONResponse(to_jsonable(data), status_code=status)
    secret: bytes = request.app.state.web.secret
    cookie, fresh = csrf_cookie(request)
    context = {
        **data,
        **(extra or {}),
        "request_path": request.url.path,
        "user": request.scope.get("state", {}).get("user"),
        "csrf": csrf_token(secret, cookie),
        "names": getattr(request.app.state, "names", None) or Names(),
    }
    response = HTMLResponse(ENV.get_template(template).render(context), status_code=status)
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def error(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html.j2", {"error": message, "status": status}, status=status)


def dumps_line(row: dict[str, Any]) -> str:
    return json.dumps(to_jsonable(row), ensure_ascii=False) + "\n"
