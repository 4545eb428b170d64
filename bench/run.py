"""Run every benchmark (bench/bench_*.py), each in its own process, and print their figures.

    python bench/run.py                 # all
    python bench/run.py ingest_files    # those whose name contains the word

Benchmarks print figures; they never pass or fail a build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [n for n in names if not argv or any(a in n for a in argv)]
    for name in chosen:
        print(f"== {name}", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent, check=False
        )
        if result.returncode != 0:
            print(f"   ({name} exited with {result.returncode})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
