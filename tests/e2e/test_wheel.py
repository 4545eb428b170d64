"""deskwatch as shipped: a wheel built from this tree holds every module and data file, and once
installed (not editable) it migrates an archive and runs the seed from a directory far from the
source tree.

The wheel is installed with --no-deps into a new virtual environment whose only other path is the
test environment's site-packages (for the dependencies); that directory's .pth files are not read,
so the editable install of this checkout cannot stand in for a module the wheel left out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.unit.test_layering import PACKAGES

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # from a copy without build/ or *.egg-info: setuptools packs whatever an earlier build left
    # in build/lib, which would hide a module the package list no longer finds
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LEFT_OUT))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [built] = out.glob("deskwatch-*.whl")
    return built


def expected_files() -> set[str]:
    files = {
        str(p.relative_to(ROOT))
        for package in PACKAGES
        for p in (ROOT / package).rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix in {".py", ".j2", ".mako", ".css", ".js"}
    }
    files |= {str(p.relative_to(ROOT)) for p in (ROOT / "seeds").glob("*.yaml")}
    files |= {str(p.relative_to(ROOT)) for p in (ROOT / "seeds" / "releases").iterdir()}
    return files


def test_the_wheel_holds_every_module_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(expected_files() - names)
    assert missing == [], f"left out of the wheel: {missing}"
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]


def test_an_installed_wheel_runs_the_seed(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKWATCH_", "PREFECT_API"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect-home"), "PYTHONNOUSERSITE": "1"}
    env.pop("PYTHONPATH", None)

    def deskwatch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "deskwatch"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    where = subprocess.run(
        [str(python), "-c", "import core, pipeline, deskwatch.commands; print(core.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout
    upgrade = deskwatch("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    run = deskwatch("run", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["totals"]["new_releases"] == 1
