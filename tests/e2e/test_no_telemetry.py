"""`deskwatch run` opens no connection except to its configured source, its SMTP server and, as a
Prefect flow run (`--prefect`), the Prefect API (here Prefect's temporary server, which the run
starts itself on 127.0.0.1). In process (the default with no Prefect API) there is no Prefect
at all, and the same holds.

Every Python process of the run (deskwatch and the Prefect server it spawns) gets an audit hook
through a `sitecustomize` module on PYTHONPATH: it logs each socket.connect, socket.bind and
getaddrinfo. The test sets none of Prefect's telemetry switches itself: deskwatch's own defaults
must keep Prefect quiet."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.servers import LocalHTTPServer, Response

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

AUDIT_HOOK = """
import json, os, sys

_LOG = os.environ.get("CONNECT_AUDIT_LOG")


def _audit(event, args):
    if event == "socket.connect":
        sock, address = args[0], args[1]
        record = {"event": "connect", "family": int(sock.family), "address": address}
    elif event == "socket.bind":
        record = {"event": "bind", "family": int(args[0].family), "address": args[1]}
    elif event == "socket.getaddrinfo":
        record = {"event": "lookup", "host": args[0], "port": args[1]}
    else:
        return
    record["pid"] = os.getpid()
    with open(_LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, default=repr) + "\\n")


if _LOG:
    sys.addaudithook(_audit)
"""
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Statements</title><link>{base}/</link>
<description>Written for deskwatch's no-telemetry test</description>
<item><title>Minister welcomes the ceasefire agreement</title><link>{base}/news/1</link>
<guid>{base}/news/1</guid><pubDate>Tue, 04 Nov 2025 10:00:00 GMT</pubDate>
<description>The minister welcomed the ceasefire agreement reached overnight.</description>
</item></channel></rss>
"""
PAGE = """<!doctype html><html><head><title>Minister welcomes the ceasefire agreement</title>
</head><body><main><h1>Minister welcomes the ceasefire agreement</h1>
<p>The minister welcomed the ceasefire agreement reached overnight and urged both sides to
keep to it.</p></main></body></html>"""
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def read_audit(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def forbidden(records: list[dict[str, Any]], allowed_ports: set[int]) -> list[dict[str, Any]]:
    """Connections and lookups outside loopback, or to loopback ports nobody configured."""
    bound = {
        r["address"][1]
        for r in records
        if r["event"] == "bind" and isinstance(r["address"], list) and r["address"][1]
    }
    bad = []
    for record in records:
        if record["event"] == "lookup" and record["host"] not in LOOPBACK | {None}:
            bad.append(record)
        elif record["event"] == "connect":
            if record["family"] not in (socket.AF_INET, socket.AF_INET6):
                bad.append(record)
                continue
            host, port = record["address"][0], record["address"][1]
            if host not in LOOPBACK or port not in allowed_ports | bound:
                bad.append(record)
    return bad


def test_forbidden_spots_a_telemetry_call_and_a_stray_port() -> None:
    records = [
        {"event": "bind", "family": 2, "address": ["127.0.0.1", 5555]},
        {"event": "connect", "family": 2, "address": ["127.0.0.1", 5555]},
        {"event": "connect", "family": 2, "address": ["127.0.0.1", 8080]},
        {"event": "lookup", "host": "api.prefect.io", "port": 443},
        {"event": "connect", "family": 2, "address": ["104.18.1.1", 443]},
    ]
    assert forbidden(records, {8080}) == records[3:]
    assert forbidden(records, set()) == records[2:]


@pytest.mark.parametrize(
    ("flags", "processes"), [([], 1), (["--prefect"], 2)], ids=["in-process", "prefect"]
)
def test_a_run_talks_only_to_its_source_its_smtp_server_and_prefect(
    tmp_path: Path,
    http_server: LocalHTTPServer,
    smtp_server: Any,
    flags: list[str],
    processes: int,
) -> None:
    base = http_server.base_url
    http_server.routes["/feed.xml"] = Response(
        FEED.format(base=base).encode(), 200, {"Content-Type": "application/rss+xml"}
    )
    http_server.routes["/news/1"] = Response(PAGE.encode(), 200, {"Content-Type": "text/html"})
    config = tmp_path / "deskwatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "sources": [{"name": "ministry", "type": "feed", "url": f"{base}/feed.xml"}],
                "fetching": {"delay_s": 0},
                "subscriptions": [{"email": "desk@example.org", "keywords": ["ceasefire"]}],
                "smtp": {"host": smtp_server.host, "port": smtp_server.port},
            }
        ),
        encoding="utf-8",
    )
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    audit = tmp_path / "audit.jsonl"
    telemetry = ("PREFECT_", "DO_NOT_TRACK", "DESKWATCH_", "_DESKWATCH", "CI", "GITHUB_ACTIONS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(telemetry)}
    env.update(
        {
            "PYTHONPATH": str(hook_dir),
            "CONNECT_AUDIT_LOG": str(audit),
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "DESKWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'deskwatch.db'}",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "deskwatch", "--config", str(config), "run", *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=500,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert smtp_server.sink.to("desk@example.org")  # the run did reach the mail server

    records = read_audit(audit)
    pids = {r["pid"] for r in records}
    # as a flow run, the hook must also have reached the Prefect server the run started
    assert len(pids) >= processes, "the audit hook did not reach every process of the run"
    connected = {r["address"][1] for r in records if r["event"] == "connect"}
    assert {http_server.port, smtp_server.port} <= connected  # the hook saw the real traffic
    assert forbidden(records, {http_server.port, smtp_server.port}) == []
