"""`deskwatch web`: the reading room, a web interface to the archive (docs/web.md).

Serves on 127.0.0.1:8080 by default; anywhere else it needs web.auth (basic or proxy) and
refuses to start without it. `--hash-password` prints a users-file line for basic auth.
"""

from __future__ import annotations

import sys

import typer

from deskwatch.cli import state


def web(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default web.host, 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", min=1, max=65535, help="Port (default web.port, 8080)."
    ),
    hash_password: str | None = typer.Option(
        None,
        "--hash-password",
        metavar="USER",
        help="Ask for USER's password and print the users-file line for it, then exit.",
    ),
) -> None:
    """Serve the reading room: search, releases, themes, countries, alerts, subscriptions.

    Example: deskwatch web --port 8080   (then open http://127.0.0.1:8080/)
    """
    if hash_password is not None:
        from deskwatch.web.security import hash_password as make_hash

        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        print(f"{hash_password}:{make_hash(password)}")
        return
    import uvicorn

    from deskwatch.web.app import create_app
    from deskwatch.web.settings import web_settings

    app = state(ctx).app
    settings = web_settings(app, host=host, port=port)
    asgi = create_app(app, settings)
    if settings.secret_is_ephemeral:
        print(
            "web: no DESKWATCH_WEB_SECRET or web.secret_file: subscription links made now stop "
            "working when this process ends",
            file=sys.stderr,
        )
    print(
        f"web: serving the reading room on {settings.base_url}/ (auth: {settings.auth})",
        file=sys.stderr,
    )
    uvicorn.run(
        asgi,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        proxy_headers=settings.auth == "proxy",
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("web")(web)
