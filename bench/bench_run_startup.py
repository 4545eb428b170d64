"""`deskwatch run` on the bundled seed with no Prefect API configured, from process start to exit:
each time in a fresh temporary folder (so a fresh SQLite database: migrations, the seed stored,
tagged, diffed, matched), with PREFECT_API_URL unset and an empty PREFECT_HOME. The run happens
in process (pipeline.plan); the figures include Python's start-up and every import.

    python -m bench.bench_run_startup [runs]      # 5 runs by default; target: median under 3 s
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import median

TARGET_S = 3.0


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKWATCH_", "PREFECT_"))}
    env.update({"PREFECT_HOME": str(home), "DO_NOT_TRACK": "1"})
    return env


def one_run() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "deskwatch", "run", "--json"],
            cwd=folder,
            env=clean_env(folder / "prefect-home"),
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"deskwatch run failed: {result.stderr.strip()[-500:]}")
        if json.loads(result.stdout)["totals"]["new_releases"] != 1:
            raise SystemExit("deskwatch run did not store the seed")
        if (folder / "prefect-home").exists():
            raise SystemExit("deskwatch run touched PREFECT_HOME: not the in-process path")
        return elapsed


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 5
    times = [one_run() for _ in range(runs)]
    print(
        "`deskwatch run` on the seed, fresh folder, no Prefect API: "
        + ", ".join(f"{t:.2f}" for t in times)
        + f" s; median {median(times):.2f} s, max {max(times):.2f} s "
        f"(target: median < {TARGET_S:.0f} s on an idle machine: "
        f"{'met' if median(times) < TARGET_S else 'MISSED'})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
