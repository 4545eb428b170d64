"""Dependencies point one way: the pure stages import no IO or orchestration library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"prefect", "sqlalchemy", "httpx", "smtplib", "alembic", "psycopg", "storage", "flows"}
PURE_PACKAGES = ["tagging", "diffing"]
PURE_MODULES = ["ingest/records.py", "ingest/normalise.py", "ingest/plaintext.py"]


def pure_files() -> list[Path]:
    files = [ROOT / m for m in PURE_MODULES]
    for package in PURE_PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_imports_no_io(path: Path) -> None:
    assert not imported_roots(path) & FORBIDDEN


def test_flows_are_the_only_prefect_users_outside_the_cli_runner() -> None:
    users = sorted(
        str(p.relative_to(ROOT))
        for p in ROOT.glob("[a-z]*/**/*.py")
        if ".venv" not in p.parts and "prefect" in imported_roots(p)
    )
    allowed_prefixes = (
        "flows/",
        "tests/",
        "bench/",
        "deskwatch/commands/serve.py",
        "deskwatch/runner.py",
    )
    assert [u for u in users if not u.startswith(allowed_prefixes)] == []
