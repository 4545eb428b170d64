"""`deskwatch serve`: run both flows on their schedules until stopped.

Schedules need a real Prefect server (Prefect's temporary in-process server cannot run them), so
serve refuses to start, with one line saying how to start one, when no Prefect API is configured
(PREFECT_API_URL, or the active Prefect profile). It does not start a server itself: a hidden
server with its database in ~/.prefect would outlive crashes and surprise operators; the compose
stack and the README start one explicitly.

At start-up serve (and `serve --work-pool`) installs the Prefect automation that marks a
deskwatch flow run Crashed when its heartbeats stop (flows.crash_detection), and prints the
schedules it registers: a schedule change takes effect when serve restarts. Stopping serve does
not pause the schedules (a stop is usually a restart).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import typer

from core.errors import ConfigError, DeskwatchError
from deskwatch.archive import open_archive
from deskwatch.cli import state
from flows.prefect_env import apply_defaults, check_prefect_api, prefer

START_SERVER_HINT = (
    "start one with `prefect server start --host 127.0.0.1 --analytics-off` and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def serve(
    ctx: typer.Context,
    work_pool: str | None = typer.Option(
        None,
        "--work-pool",
        help="Register the deployments in this Prefect work pool and exit; workers started with "
        "`prefect worker start --pool NAME` run them (scale-out).",
    ),
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        min=0,
        max=65535,
        help="Also serve GET /metrics (Prometheus) and GET /healthz (the health checks) on this "
        "port while serving.",
    ),
    metrics_host: str = typer.Option(
        "127.0.0.1", "--metrics-host", help="Address the metrics endpoint binds to."
    ),
) -> None:
    """Run deskwatch on its schedule (config key `schedule:`) until stopped with Ctrl-C or SIGTERM.

    Serves two flows as three deployments: deskwatch-run/scheduled (default every 15 minutes),
    deskwatch-digest/daily (08:00 Europe/London) and deskwatch-digest/weekly (Friday 08:00).
    Needs a Prefect server: PREFECT_API_URL must point at one.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api deskwatch serve --config deskwatch.yaml
    """
    apply_defaults()
    prefer("PREFECT_LOGGING_LEVEL", "INFO")  # before Prefect is imported: runs log to the UI
    from deskwatch.runner import prefect_api_url

    app = state(ctx).app
    url = prefect_api_url()
    if not url:
        raise ConfigError(
            "no Prefect API to schedule on (PREFECT_API_URL is not set): " + START_SERVER_HINT
        )
    check_prefect_api(url)
    with open_archive(app, write=True):  # migrate now; fail here, not in the first run
        pass

    from flows.deployments import build_deployments

    deployments = build_deployments(app)
    if not deployments:
        raise ConfigError("every schedule is disabled (schedule.*.enabled): nothing to serve")
    install_crash_detection(url)
    names = ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    from pipeline.config_check import describe_schedule

    schedules = "; ".join(describe_schedule(app.config.schedule))
    if work_pool is not None:
        from prefect.deployments.runner import DeploymentApplyError
        from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

        for deployment in deployments:
            try:
                deployment.apply(work_pool_name=work_pool)
            except (
                DeploymentApplyError,
                ObjectNotFound,
                PrefectHTTPStatusError,
                ValueError,
            ) as exc:
                raise DeskwatchError(
                    # the hint first: a long server error is cut to one line after it
                    f"cannot register {deployment.flow_name}/{deployment.name} in work pool "
                    f"{work_pool!r} (create it with `prefect work-pool create {work_pool} "
                    f"--type process`): {str(exc).rstrip('.')}"
                ) from None
        print(f"registered {names} in work pool {work_pool!r} at {url}", flush=True)
        print(f"schedules: {schedules}", flush=True)
        return

    ui = url[: -len("/api")] if url.rstrip("/").endswith("/api") else url
    if metrics_port is not None:
        from deskwatch import monitoring

        try:
            endpoint = monitoring.start(app, host=metrics_host, port=metrics_port)
        except OSError as exc:
            raise DeskwatchError(
                f"cannot serve metrics on {metrics_host}:{metrics_port}: {exc.strerror or exc}"
            ) from None
        host, port = str(endpoint.server_address[0]), endpoint.server_address[1]
        print(f"metrics on http://{host}:{port}/metrics and /healthz", flush=True)
    print(f"serving {names} against {url} (UI: {ui}); stop with Ctrl-C or SIGTERM", flush=True)
    print(f"schedules: {schedules} (a change takes effect when serve restarts)", flush=True)
    serve_until_stopped(deployments)


def install_crash_detection(url: str) -> None:
    """Create or update the automation that marks a deskwatch flow run Crashed when its
    heartbeats stop (flows.crash_detection), in one line if the server refuses."""
    from prefect.exceptions import PrefectHTTPStatusError

    from flows.crash_detection import ensure_crash_automation, heartbeat_frequency

    try:
        ensure_crash_automation(heartbeat_frequency())
    except PrefectHTTPStatusError as exc:
        raise DeskwatchError(
            f"cannot install the crash automation on the Prefect API at {url}: {exc}"
        ) from None


def serve_until_stopped(deployments: list[Any], *, grace_seconds: float = 30.0) -> None:
    """Prefect's runner, with a bound on its graceful stop: on SIGTERM it cancels the runs in
    flight (they end Cancelled, not stuck) and leaves the schedules as they are: a stop for a
    restart or an upgrade must not pause them (the runs due meanwhile wait as Late and run when
    serve is back). If the stop has not finished after `grace_seconds` (Prefect 3.9 can hang
    there), the process exits anyway. A second SIGTERM exits at once."""
    import asyncio

    from prefect.runner import Runner

    runner = Runner(pause_on_shutdown=False)
    for deployment in deployments:
        runner.add_deployment(deployment)
    graceful = runner.handle_sigterm

    def leave(reason: str) -> None:
        print(f"deskwatch serve: stopped ({reason})", file=sys.stderr, flush=True)
        os._exit(0)

    def on_sigterm(*args: Any) -> None:
        if runner.stopping:
            leave("second SIGTERM")
        timer = threading.Timer(grace_seconds, leave, [f"no clean stop in {grace_seconds:.0f} s"])
        timer.daemon = True
        timer.start()
        graceful(*args)

    runner.handle_sigterm = on_sigterm  # type: ignore[method-assign]
    signal.signal(signal.SIGINT, signal.default_int_handler)  # may be ignored in the background
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
    print("deskwatch serve: stopped", file=sys.stderr, flush=True)


def register(app: typer.Typer) -> None:
    app.command()(serve)
