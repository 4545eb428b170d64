"""Read-only commands import what they need and no more: on an archive of both backends, every
command that only reads runs in one fresh interpreter, which then says which modules it loaded.
None of the web readers' libraries (httpx, feedparser, BeautifulSoup) may be among them: they
cost a command a third of a second of start-up (bench/bench_cli_startup.py), and reading the
archive never fetches. Alembic stays out too: an archive at this code's revision is checked with
one query (storage.db.check_current)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from storage.db import MIGRATIONS_DIR, code_heads
from tests.fixtures.archive import Archive
from tests.integration.test_cli_run import no_prefect_env

READ_ONLY = [
    ["releases"],
    ["show", "1"],
    ["search", "ukraine"],
    ["timeline", "--json"],
    ["phrases", "sanctions"],
    ["diff", "1"],
    ["alerts"],
    ["sources"],
    ["health"],
    ["subscriptions"],
]
NOT_FOR_READING = {"httpx", "httpcore", "feedparser", "bs4", "soupsieve", "alembic", "prefect"}

RUN_ALL = """
import json, sys
from typer.testing import CliRunner
from deskwatch.cli import app
codes = [CliRunner().invoke(app, args).exit_code for args in json.loads(sys.argv[1])]
print(json.dumps({"codes": codes, "modules": sorted(sys.modules)}))
"""


def test_read_only_commands_import_no_fetcher_parser_or_alembic(
    archive: Archive, db_url: str, tmp_path: Path
) -> None:
    env = no_prefect_env(tmp_path / "prefect-home")
    env["DESKWATCH_DATABASE_URL"] = db_url
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, json.dumps(READ_ONLY)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    codes = dict(zip([" ".join(a) for a in READ_ONLY], report["codes"], strict=True))
    # health says 1 for the archive's never-run sources; every other command read and printed
    assert codes == {**{name: 0 for name in codes}, "health": codes["health"]}, codes
    assert codes["health"] in (0, 1)
    modules = set(report["modules"])
    assert {"deskwatch.presenters", "storage.models", "pipeline.config"} <= modules  # seen at all
    loaded = sorted(m for m in modules if m.split(".")[0] in NOT_FOR_READING)
    assert loaded == []


def test_the_quick_revision_check_reads_the_heads_alembic_reads() -> None:
    """check_current's one query compares the archive with code_heads(), read from the migration
    files as text; Alembic, importing them, must find the same head."""
    assert code_heads() == set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
    assert len(code_heads()) == 1
