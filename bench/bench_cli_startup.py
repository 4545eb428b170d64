"""How long a newcomer waits for the CLI before any work: `deskwatch --help`, a command's `--help`
and a read-only command against a missing archive (its one-line error), each from process start
to exit, in a fresh folder with no Prefect API. What is measured is Python's start-up plus the
imports a command needs (commands import their heavy libraries when they run, not for --help).

    python -m bench.bench_cli_startup [runs]      # 7 runs each; target: --help median under 1 s
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import median

TARGET_S = 1.0
CASES = [
    ("deskwatch --help", ["--help"], 0),
    ("deskwatch releases --help", ["releases", "--help"], 0),
    ("deskwatch show 1 (no archive)", ["show", "1"], 1),
]


def one(args: list[str], code: int, folder: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKWATCH_", "PREFECT_"))}
    env.update({"PREFECT_HOME": str(folder / "prefect-home"), "DO_NOT_TRACK": "1"})
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "deskwatch", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != code:
        raise SystemExit(f"deskwatch {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return elapsed


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 7
    print(f"load average {os.getloadavg()[0]:.2f} (1 min)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, args, code in CASES:
            times = [one(args, code, folder) for _ in range(runs)]
            verdict = ""
            if args == ["--help"]:
                verdict = f" (target median < {TARGET_S:.0f} s: "
                verdict += "met)" if median(times) < TARGET_S else "MISSED)"
            print(
                f"{label}: median {median(times):.2f} s, min {min(times):.2f} s, "
                f"max {max(times):.2f} s{verdict}"
            )
        if (folder / "deskwatch.db").exists():
            raise SystemExit("a read-only command created an archive")


if __name__ == "__main__":
    main(sys.argv[1:])
