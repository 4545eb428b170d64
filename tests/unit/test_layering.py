"""The folders are the layers, and the imports agree.

    core                                   the bottom: errors, records that cross stages, the query
                                           language, YAML reading, folding. Imports no other package.
    ingest  tagging  diffing  alerts       the stages: each imports only core (and its libraries)
    storage                                stores and returns plain records: core only
    pipeline                               the run: settings, config, the stages' gather/apply steps
    flows  deskwatch                       on top: Prefect flows, and the CLI

ALLOWED is the whole table of package edges. Every shipped module is checked against it,
including imports inside functions, and the package graph has no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = {"ingest", "tagging", "diffing", "alerts"}
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "ingest": {"core"},
    "tagging": {"core"},
    "diffing": {"core"},
    "alerts": {"core"},
    "storage": {"core"},
    "pipeline": {"core", "storage", *STAGES},
    "flows": {"core", "pipeline"},
    "deskwatch": {"core", "storage", "pipeline", "flows", *STAGES},
}
PACKAGES = set(ALLOWED)
FORBIDDEN = {"prefect", "sqlalchemy", "httpx", "smtplib", "alembic", "psycopg"}
"""IO and orchestration libraries that the pure code never imports."""
PURE_PACKAGES = ["core", "tagging", "diffing"]
PURE_MODULES = ["ingest/plaintext.py", "ingest/config.py"]
PREFECT_USERS = ("flows/", "deskwatch/commands/serve.py", "deskwatch/runner.py")


def shipped_modules() -> Iterator[Path]:
    for package in sorted(PACKAGES):
        yield from sorted((ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


@pytest.mark.parametrize("path", list(shipped_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_allowed_packages(path: Path) -> None:
    own = package_of(path)
    used = (imported_roots(path) & PACKAGES) - {own}
    assert used <= ALLOWED[own], f"{own} may not import {sorted(used - ALLOWED[own])}"


def test_the_allowed_table_has_no_cycle() -> None:
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", " -> ".join([*trail, node])
        state[node] = "open"
        for nxt in sorted(ALLOWED[node]):
            visit(nxt, [*trail, node])
        state[node] = "done"

    for package in sorted(ALLOWED):
        visit(package, [])


def test_every_shipped_package_is_in_the_table() -> None:
    folders = {
        p.parent.name
        for p in ROOT.glob("*/__init__.py")
        if p.parent.name not in {"tests", "bench", "seeds"}
    }
    assert folders == PACKAGES


def pure_files() -> list[Path]:
    files = [ROOT / m for m in PURE_MODULES]
    for package in PURE_PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_imports_no_io(path: Path) -> None:
    assert not imported_roots(path) & FORBIDDEN


def test_the_flows_and_the_cli_runner_are_the_only_prefect_users() -> None:
    users = sorted(
        str(p.relative_to(ROOT)) for p in shipped_modules() if "prefect" in imported_roots(p)
    )
    assert [u for u in users if not u.startswith(PREFECT_USERS)] == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The check itself can fail: a stage module importing the pipeline is refused."""
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from pipeline.app import App\n    return App\n")
    used = imported_roots(module) & PACKAGES
    assert not used <= ALLOWED["ingest"]
