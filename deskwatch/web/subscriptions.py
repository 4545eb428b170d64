"""A desk officer's own subscriptions, reached from the signed link in every mail (no password).

    GET  /subscriptions/{token}    their active subscriptions and their recent alerts
    POST /subscriptions/{token}    end one (`id`) or all of them, or change how often one
                                   comes (`id` and `frequency`): forms with the CSRF token
    GET  /unsubscribe/{token}      a page with one button (a GET never unsubscribes: mail
                                   scanners and link previews follow links)
    POST /unsubscribe/{token}      ends all of them: the RFC 8058 one-click POST a mail client
                                   makes (body List-Unsubscribe=One-Click, no cookie), or the
                                   button's form (CSRF token)

The token (core.tokens) names the address and expires; a bad or expired one is a 403 page.
Writes go through storage.subscriptions.end_subscriptions, in the app's write database.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.errors import NotFoundError, UsageError
from core.subscriptions import FREQUENCIES
from core.tokens import TokenError, verify
from deskwatch.web.pages import alert_row, request_time
from deskwatch.web.render import error, page
from deskwatch.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_ok

ONE_CLICK = "One-Click"
URLENCODED = "application/x-www-form-urlencoded"


def _email(request: Request) -> str | Response:
    try:
        return verify(
            request.path_params["token"], request.app.state.web.secret, now=request_time(request)
        )
    except TokenError as exc:
        return error(request, 403, str(exc))


def _subscription_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "themes": row.themes,
        "countries": row.countries,
        "keywords": row.keywords,
        "frequency": row.frequency,
        "focus_only": row.focus_only,
        "origin": row.origin,
        "created_at": row.created_at,
    }


def manage(request: Request) -> Response:
    from storage.reading_room import alerts_of
    from storage.subscriptions import active_subscriptions

    email = _email(request)
    if isinstance(email, Response):
        return email
    with request.app.state.db.session() as session:
        rows = [_subscription_row(r) for r in active_subscriptions(session, email=email)]
        alerts = [alert_row(a, r) for a, r in alerts_of(session, email, limit=50)]
    data = {"email": email, "subscriptions": rows, "alerts": alerts}
    extra = {
        "token": request.path_params["token"],
        "done": request.query_params.get("done"),
        "changed": request.query_params.get("changed"),
        "frequencies": FREQUENCIES,
    }
    return page(request, "subscriptions.html.j2", data, extra=extra)


MAX_FORM_BYTES = 8192


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded fields of a small POST body (the last of a repeated name); anything
    else (multipart, a large body) reads as no fields, and the CSRF check then refuses it."""
    if not request.headers.get("content-type", "").startswith(URLENCODED):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _end(request: Request, email: str, subscription_id: int | None) -> int:
    from storage.subscriptions import end_subscriptions

    with request.app.state.write_db().session() as session:
        try:
            ended = end_subscriptions(
                session,
                email,
                now=request_time(request),
                subscription_id=subscription_id,
                all_=subscription_id is None,
            )
        except NotFoundError:
            return 0
        return len(ended)


def _refrequency(request: Request, email: str, subscription_id: int, frequency: str) -> int:
    """Change how often one subscription comes: the row is ended (as unsubscribed, so a config
    entry is not brought back by the next sync) and an identical one made with the new frequency
    (as `deskwatch subscribe` makes them). Returns how many changed (0 or 1)."""
    from storage.subscriptions import (
        ENDED_UNSUBSCRIBED,
        active_subscriptions,
        add_subscription,
        spec_of,
    )

    now = request_time(request)
    with request.app.state.write_db().session() as session:
        rows = [r for r in active_subscriptions(session, email=email) if r.id == subscription_id]
        if not rows or rows[0].frequency == frequency:
            return 0
        spec = replace(spec_of(rows[0]), frequency=frequency)
        rows[0].ended_at, rows[0].ended_reason = now, ENDED_UNSUBSCRIBED
        session.flush()
        add_subscription(session, spec, now=now)
        return 1


def _forged(request: Request, form: dict[str, str]) -> Response | None:
    """403 unless the form carries this browser's CSRF token and comes from this site."""
    origin = request.headers.get("origin")
    if (
        origin
        and origin != "null"
        and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}"
    ):
        return error(request, 403, "this form was sent from another site")
    if not csrf_ok(
        request.app.state.web.secret, request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)
    ):
        return error(request, 403, "this form has expired: reload the page and try again")
    return None


async def change(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    email = _email(request)
    if isinstance(email, Response):
        return email
    form = await _form(request)
    refused = _forged(request, form)
    if refused is not None:
        return refused
    raw_id = form.get("id", "")
    try:
        subscription_id = int(raw_id) if raw_id else None
    except ValueError:
        return error(request, 400, "id must be a subscription number")
    token = request.path_params["token"]
    frequency = form.get("frequency")
    if frequency is not None:
        if frequency not in FREQUENCIES or subscription_id is None:
            return error(request, 400, f"frequency must be one of {', '.join(FREQUENCIES)}")
        changed = await run_in_threadpool(_refrequency, request, email, subscription_id, frequency)
        return RedirectResponse(f"/subscriptions/{token}?changed={changed}", status_code=303)
    try:
        ended = await run_in_threadpool(_end, request, email, subscription_id)
    except UsageError as exc:
        return error(request, 400, str(exc))
    return RedirectResponse(f"/subscriptions/{token}?done={ended}", status_code=303)


def confirm(request: Request) -> Response:
    email = _email(request)
    if isinstance(email, Response):
        return email
    data = {"email": email, "unsubscribed": False}
    return page(request, "unsubscribe.html.j2", data, extra={"token": request.path_params["token"]})


async def unsubscribe(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    email = _email(request)
    if isinstance(email, Response):
        return email
    form = await _form(request)
    if form.get("List-Unsubscribe") != ONE_CLICK:
        refused = _forged(request, form)
        if refused is not None:
            return refused
    ended = await run_in_threadpool(_end, request, email, None)
    data = {"email": email, "unsubscribed": True, "ended": ended}
    return page(request, "unsubscribe.html.j2", data, extra={"token": request.path_params["token"]})
