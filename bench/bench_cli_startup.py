"""How long a newcomer waits for the CLI: `deskwatch --help`, a command's `--help`, a read-only
command against a missing archive (its one-line error), and the read-only commands `releases`,
`show 1` and `search ukraine` on the seed archive (made first by `deskwatch run --in-process`),
each from process start to exit, in a fresh folder with no Prefect API. What is measured is
Python's start-up plus the imports a command needs (commands import their heavy libraries when
they run, not for --help) plus, for the last three, the command's own reading of the archive.

Each case prints the median, min and max wall time of its runs and the median CPU time (user +
system) of the process, which moves less than wall time when the machine is shared; the load
average is printed before and after.

    python -m bench.bench_cli_startup [runs]      # 7 runs each
                                                  # target: every median under 1 s (idle machine)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import median

TARGET_S = 1.0
NO_ARCHIVE = [
    ("deskwatch --help", ["--help"], 0),
    ("deskwatch releases --help", ["releases", "--help"], 0),
    ("deskwatch show 1 (no archive)", ["show", "1"], 1),
]
ON_THE_SEED = [
    ("deskwatch releases (seed archive)", ["releases"], 0),
    ("deskwatch show 1 (seed archive)", ["show", "1"], 0),
    ("deskwatch search ukraine (seed archive)", ["search", "ukraine"], 0),
]


def environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKWATCH_", "PREFECT_"))}
    env.update({"PREFECT_HOME": str(folder / "prefect-home"), "DO_NOT_TRACK": "1"})
    return env


def one(args: list[str], code: int, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `deskwatch ARGS` from start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "deskwatch", *args],
        cwd=folder,
        env=environment(folder),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != code:
        raise SystemExit(f"deskwatch {' '.join(args)} exited {result.returncode}: {result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def report(label: str, args: list[str], code: int, folder: Path, runs: int) -> float:
    times, cpus = zip(*(one(args, code, folder) for _ in range(runs)), strict=True)
    verdict = "met" if median(list(times)) < TARGET_S else "MISSED"
    print(
        f"{label}: median {median(list(times)):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s, CPU median {median(list(cpus)):.2f} s "
        f"(target median < {TARGET_S:.0f} s: {verdict})"
    )
    return median(list(times))


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 7
    load = os.getloadavg()
    print(f"load average before {load[0]:.2f} / {load[1]:.2f} (1 / 5 min); {runs} runs each")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, args, code in NO_ARCHIVE:
            report(label, args, code, folder, runs)
        if (folder / "deskwatch.db").exists():
            raise SystemExit("a read-only command created an archive")
        seeded = subprocess.run(
            [sys.executable, "-m", "deskwatch", "run", "--in-process", "--quiet"],
            cwd=folder,
            env=environment(folder),
            capture_output=True,
            text=True,
            check=False,
        )
        if seeded.returncode != 0:
            raise SystemExit(
                f"deskwatch run (the seed) exited {seeded.returncode}: {seeded.stderr}"
            )
        for label, args, code in ON_THE_SEED:
            report(label, args, code, folder, runs)
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} / {load[1]:.2f} (1 / 5 min)")


if __name__ == "__main__":
    main(sys.argv[1:])
