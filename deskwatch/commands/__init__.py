"""Command modules; each has `register(app)`. Add a module name here to add its commands."""

from __future__ import annotations

from importlib import import_module

import typer

MODULES = [
    "alerts",
    "archive",
    "config",
    "diffs",
    "health",
    "query",
    "serve",
    "sources",
    "tags",
    "web",
]


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        import_module(f"deskwatch.commands.{name}").register(app)
