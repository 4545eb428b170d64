"""A small HTTP endpoint beside `deskwatch serve` for monitoring: GET /metrics (Prometheus text
format) and GET /healthz (the `deskwatch health` checks as JSON; 200 healthy, 503 not). Each
request reads the archive afresh, read-only. Binds to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.app import App

log = logging.getLogger("deskwatch.monitoring")
PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "deskwatch"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            from core.errors import DeskwatchError
            from deskwatch.archive import open_archive
            from pipeline.health import check, metrics_text

            path = self.path.split("?", 1)[0]
            if path not in ("/metrics", "/healthz"):
                self._send(404, "text/plain; charset=utf-8", "not found\n")
                return
            try:
                with open_archive(app) as db:
                    facts, report = check(app, db, now=datetime.now(UTC))
            except DeskwatchError as exc:
                self._send(503, "text/plain; charset=utf-8", f"{exc}\n")
                return
            if path == "/metrics":
                self._send(200, PROMETHEUS_TYPE, metrics_text(facts, report))
            else:
                body = json.dumps(report.to_dict(), indent=2) + "\n"
                self._send(200 if report.healthy else 503, "application/json", body)

        def _send(self, status: int, content_type: str, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("monitoring: " + format, *args)

    return Handler


def start(app: App, *, host: str = "127.0.0.1", port: int = 9108) -> ThreadingHTTPServer:
    """Serve /metrics and /healthz from a daemon thread; returns the server (its
    `server_address` has the port, when 0 asked for any free one)."""
    server = ThreadingHTTPServer((host, port), _handler(app))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="deskwatch-metrics", daemon=True)
    thread.start()
    return server
