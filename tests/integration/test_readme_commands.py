"""The README's shell examples run (issue 18: "every README example runs in a test"): the
subscribe-then-run example in a fresh folder, and each command of the command table, its
required arguments filled in, against an archive holding the seed release. Offline: the
commands that need a network or a server (serve, web, run --prefect) are left out, and so is
the quick start's `pip install` (the suite already runs in that install)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.cli import Cli
from tests.integration.test_cli_run import no_prefect_env

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SEED = next((ROOT / "seeds" / "releases").glob("*.txt"))

FILLED = {
    "ID": "1",
    "THEME": "ukraine-support",
    "EMAIL": "desk@example.org",
    "QUERY": "Ukraine",
    "URL_OR_PATH...": str(SEED),
    "NAME": "seeds",  # `sources test NAME`: the seed config's one source
}
"""A value for each required placeholder of the command table."""
NEEDS_A_SERVER = ("serve", "web", "eval")
"""Not run here: a Prefect server, a listening web server, the corpus (each has its own tests)."""


def table_commands() -> list[list[str]]:
    """The first column of the command table, as argv with the optional parts left out."""
    found = []
    for cell in re.findall(r"^\| `deskwatch ([^`]+)` \|", README, flags=re.MULTILINE):
        words = []
        for word in re.sub(r"\[[^\]]*\]\.*", " ", cell).split():
            if word.startswith("--") and "|" in word:  # `--frequency daily|weekly`
                words.append(word)
                continue
            words.append(FILLED.get(word, word.split("\\|")[0].split("|")[0]))
        found.append(words)
    return found


COMMANDS = [argv for argv in table_commands() if argv[0] not in NEEDS_A_SERVER]


def test_the_table_is_read() -> None:
    names = {argv[0] for argv in table_commands()}
    assert {"run", "releases", "show", "search", "timeline", "export", "diff"} <= names
    assert ["show", "1"] in COMMANDS and ["phrases", "ukraine-support"] in COMMANDS


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    first = cli("run", "--in-process", "--quiet")
    assert first.exit_code == 0, first.stderr
    return cli


@pytest.mark.parametrize(
    "argv", COMMANDS, ids=[" ".join(a).replace(f"{ROOT}/", "") for a in COMMANDS]
)
def test_each_command_of_the_table_runs(seeded: Cli, argv: list[str], tmp_path: Path) -> None:
    if argv[:2] == ["config", "check"]:
        argv = [*argv, str(ROOT / "seeds" / "deskwatch.yaml")]
    if argv[0] == "digest":
        argv = ["digest", "--frequency", "daily"]
    if argv[0] in ("subscribe", "unsubscribe"):  # at least one filter is required
        made = seeded("subscribe", FILLED["EMAIL"], "--theme", FILLED["THEME"])
        assert made.exit_code == 0, made.stderr
        if argv[0] == "subscribe":
            argv = [*argv, "--country", "UA"]
    result = seeded(*argv, env={"DESKWATCH_OUTBOX_DIR": str(tmp_path / "outbox")})
    allowed = {0, 1} if argv[0] == "health" else {0}  # health: exit 1 says a check failed
    assert result.exit_code in allowed, (argv, result.stderr)
    assert "Traceback" not in result.stderr


def test_the_subscribe_then_run_example_writes_mail(tmp_path: Path) -> None:
    [block] = [b for b in re.findall(r"```sh\n(.*?)```", README, re.S) if "subscribe" in b]
    env = no_prefect_env(tmp_path / "prefect-home")
    for part in block.strip().split("&&"):
        argv = shlex.split(part)
        if argv[0] == "ls":
            assert list((tmp_path / argv[1]).glob("*.eml")), "no mail in outbox/"
            continue
        assert argv[0] == "deskwatch"
        done = subprocess.run(
            [sys.executable, "-m", "deskwatch", *argv[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (argv, done.stderr[-2000:])
