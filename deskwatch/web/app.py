"""The reading room's ASGI app: `create_app(app, web)` (deskwatch web runs it with uvicorn).

The archive is opened read-only once, when the app starts (storage.db refuses writes and never
migrates it); a second, writing connection is opened on first use, for subscription changes only.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from deskwatch.web import pages, release, subscriptions
from deskwatch.web.cache import TtlCache
from deskwatch.web.names import Names
from deskwatch.web.render import error
from deskwatch.web.security import Guard
from deskwatch.web.settings import WebSettings
from pipeline.app import App
from storage.db import Database, open_database

STATIC = Path(__file__).resolve().parent / "static"
SUMMARY_TTL = 60.0
"""Seconds the home page's source health is reused (it changes when the pipeline runs)."""


class Archive:
    """The read-only database, and the writing one made on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.read = open_database(url, read_only=True)
        self._write: Database | None = None
        self._lock = threading.Lock()

    def write(self) -> Database:
        with self._lock:
            if self._write is None:
                self._write = open_database(self.url)
            return self._write

    def dispose(self) -> None:
        self.read.dispose()
        if self._write is not None:
            self._write.dispose()


ROUTES = [
    Route("/", pages.home, name="home"),
    Route("/search", pages.search, name="search"),
    Route("/search/export", pages.export, name="export"),
    Route("/releases/{release_id}", release.release, name="release"),
    Route("/releases/{release_id}/compare", release.compare, name="compare"),
    Route("/themes/{value}", pages.theme, name="theme"),
    Route("/countries/{value}", pages.country, name="country"),
    Route("/alerts", pages.alerts, name="alerts"),
    Route("/subscriptions/{token}", subscriptions.manage, methods=["GET"]),
    Route("/subscriptions/{token}", subscriptions.change, methods=["POST"]),
    Route("/unsubscribe/{token}", subscriptions.confirm, methods=["GET"]),
    Route("/unsubscribe/{token}", subscriptions.unsubscribe, methods=["POST"]),
    Route("/healthz", pages.healthz),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "no such page", 405: "this page does not take that method"}
    return error(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))


def create_app(
    app: App, web: WebSettings, *, clock: Callable[[], datetime] | None = None
) -> Starlette:
    """The app on `app`'s archive (a StorageError if it is missing or out of date). `clock` is
    for tests: what "now" is (default: the real UTC time)."""
    archive = Archive(app.database_url)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            archive.dispose()

    starlette = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(Guard, auth=web.auth, users=web.users, proxy_header=web.proxy_header)
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    starlette.state.app = app
    starlette.state.web = web
    starlette.state.db = archive.read
    starlette.state.write_db = archive.write
    starlette.state.clock = clock
    starlette.state.archive = archive
    starlette.state.cache = TtlCache(SUMMARY_TTL)
    starlette.state.names = Names.of_app(app)
    return starlette
