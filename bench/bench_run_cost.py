"""What a run costs beyond Prefect, when nothing changed, and what `deskwatch run` costs in all.

1. A scheduled run in which nothing changed: 20 feed sources on a local HTTP server, 10 answering
   304 to the conditional GET and 10 answering the same bytes again (no validators). After a
   first run has stored everything, the second run's work (prepare, 20 ingests, tag, diff,
   alerts, send: pipeline.plan in process, no Prefect) must stay under 1 s. The same run as
   the `deskwatch-run` flow is timed too, with Prefect's temporary server already up, and
   Prefect's own start-up (the first flow call of a process) is printed beside it.
2. `deskwatch run --prefect` on the bundled seed, from process start to exit (a fresh
   PREFECT_HOME, then a warm one), against the same run without Prefect (`deskwatch run` with
   no Prefect API: pipeline.plan.run_in_process): the difference is Prefect's share.

    python -m bench.bench_run_cost
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import yaml

from bench.measure import median
from tests.fixtures.servers import LocalHTTPServer, Response

SOURCES = 20
ENTRIES = 5
TARGET_S = 1.0
ROOT = Path(__file__).resolve().parent.parent


def feed(n: int, base: str) -> bytes:
    items = "".join(
        f"<item><title>Statement {n}-{i} on regional security</title>"
        f"<link>{base}/s{n}/{i}</link><guid>{base}/s{n}/{i}</guid>"
        f"<pubDate>Mon, 03 Nov 2025 0{i}:00:00 GMT</pubDate>"
        f"<description>Officials of ministry {n} met for round {i} of talks on trade, energy "
        f"and maritime security. Further meetings are planned for next month.</description>"
        "</item>"
        for i in range(ENTRIES)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Ministry {n}</title><link>{base}/</link><description>bench</description>"
        f"{items}</channel></rss>"
    ).encode()


def with_etag(body: bytes, etag: str) -> object:
    def route(request: BaseHTTPRequestHandler) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(b"", 304, {"ETag": etag})
        return Response(body, 200, {"Content-Type": "application/rss+xml", "ETag": etag})

    return route


def write_config(folder: Path, server: LocalHTTPServer) -> Path:
    sources = []
    for n in range(SOURCES):
        body = feed(n, server.base_url)
        if n % 2:
            server.routes[f"/feed{n}.xml"] = with_etag(body, f'"v1-{n}"')  # type: ignore[assignment]
        else:
            server.routes[f"/feed{n}.xml"] = Response(
                body, 200, {"Content-Type": "application/rss+xml"}
            )
        sources.append(
            {
                "name": f"ministry-{n}",
                "type": "feed",
                "url": server.url(f"/feed{n}.xml"),
                "fetch_pages": "never",
            }
        )
    config = {
        "sources": sources,
        "fetching": {"delay_s": 0},
        "subscriptions": [{"email": "desk@example.org", "keywords": ["maritime security"]}],
        "run": {"concurrency": 4},
    }
    path = folder / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class PhaseTimes:
    """A RunObserver that notes when each phase of a plain run ends."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.last
        self.last = now

    def sources(self, names: list[str]) -> None:
        self._lap("prepare")

    def source_started(self, name: str) -> None:
        pass

    def source_finished(self, summary: object) -> None:
        self._lap("ingest (all sources)")

    def stage_started(self, name: str) -> None:
        pass

    def stage_finished(self, name: str, counts: dict[str, int]) -> None:
        self._lap(name)

    def stage_failed(self, name: str, error: str) -> None:
        raise SystemExit(f"stage {name} failed: {error}")


def nothing_changed() -> None:
    from flows.prefect_env import apply_defaults
    from pipeline.app import App
    from pipeline.plan import run_in_process
    from pipeline.settings import Settings

    apply_defaults()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["PREFECT_HOME"] = str(folder / "prefect-home")
        server = LocalHTTPServer()
        server.server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        server.start()
        try:
            config = write_config(folder, server)
            url = f"sqlite:///{folder / 'deskwatch.db'}"
            os.environ["DESKWATCH_DATABASE_URL"] = url
            os.environ["DESKWATCH_OUTBOX_DIR"] = str(folder / "outbox")
            app = App.load(config, Settings())
            now = datetime.now(UTC)
            started = time.perf_counter()
            first = run_in_process(app, now=now)
            first_s = time.perf_counter() - started
            print(
                f"first run (stores {first.totals()['new_releases']} releases from "
                f"{SOURCES} feeds): {first_s:.2f} s"
            )
            times = []
            phases: list[dict[str, float]] = []
            for i in range(5):
                server.requests.clear()
                observer = PhaseTimes()
                started = time.perf_counter()
                summary = run_in_process(
                    app,
                    now=now + timedelta(minutes=15 * (i + 1)),
                    observer=observer,  # type: ignore[arg-type]
                )
                times.append(time.perf_counter() - started)
                phases.append(observer.phases)
                assert summary.totals()["new_releases"] == 0
            statuses = sorted({s.status for s in summary.sources})
            print(
                f"nothing changed, deskwatch's own work ({len(server.requests)} requests, "
                f"sources {'/'.join(statuses)}): median {median(times):.3f} s of 5 runs "
                f"(target < {TARGET_S:.0f} s: {'met' if median(times) < TARGET_S else 'MISSED'})"
            )

            print(
                "   by phase (medians): "
                + ", ".join(
                    f"{name} {median([p.get(name, 0.0) for p in phases]):.3f} s"
                    for name in phases[0]
                )
            )

            from flows.run import deskwatch_run

            started = time.perf_counter()
            deskwatch_run(config_path=str(config), now_iso=(now + timedelta(hours=2)).isoformat())
            startup_s = time.perf_counter() - started
            flow_times = []
            for i in range(3):
                started = time.perf_counter()
                deskwatch_run(
                    config_path=str(config), now_iso=(now + timedelta(hours=3 + i)).isoformat()
                )
                flow_times.append(time.perf_counter() - started)
            print(
                f"the same run as the deskwatch-run flow, Prefect's temporary server up: "
                f"median {median(flow_times):.2f} s of 3 (Prefect's task and state overhead "
                f"~{median(flow_times) - median(times):.2f} s)"
            )
            print(
                f"first flow call of the process (starts Prefect's temporary server): "
                f"{startup_s:.2f} s"
            )
        finally:
            server.stop()


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(f"   ({' '.join(args[-2:])} failed: {result.stderr.strip()[-300:]})")
    return elapsed


def seed_run() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKWATCH_", "PREFECT_"))}
    env.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fresh, warm, without = [], [], []
        for i in range(2):
            env["PREFECT_HOME"] = str(folder / f"home-{i}")
            (folder / "deskwatch.db").unlink(missing_ok=True)
            flow = [sys.executable, "-m", "deskwatch", "run", "--prefect"]
            fresh.append(timed(flow, env, folder))
            warm.append(timed(flow, env, folder))
            (folder / "deskwatch.db").unlink(missing_ok=True)
            without.append(timed([sys.executable, "-m", "deskwatch", "run"], env, folder))
    print(
        f"`deskwatch run --prefect` on the seed, process start to exit: {median(fresh):.2f} s "
        f"with a fresh PREFECT_HOME, {median(warm):.2f} s with a warm one (medians of 2)"
    )
    print(
        f"the same run without Prefect (`deskwatch run`, in process): {median(without):.2f} s; "
        f"Prefect's share: {median(fresh) - median(without):.2f} s fresh "
        f"({(median(fresh) - median(without)) / median(fresh):.0%}), "
        f"{median(warm) - median(without):.2f} s warm "
        f"({(median(warm) - median(without)) / median(warm):.0%})"
    )


def main() -> None:
    nothing_changed()
    seed_run()


if __name__ == "__main__":
    main()
