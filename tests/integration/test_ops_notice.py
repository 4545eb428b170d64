"""The operator hears of an outage once when it starts and once when it ends (issue 15 part 5):
a source failing `health.source_failures` runs in a row mails `health.ops_email` through a real
SMTP server at the end of the run, the next failing run says nothing more, and the run after the
fix mails the recovery. A mail server that is down is not remembered as told."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.app import App
from pipeline.config import SEEDS_DIR
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from tests.fixtures.servers import SMTPServer, free_port

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
OPS = "ops@example.org"


def write_config(path: Path, *, folder: str, smtp_port: int) -> App:
    if not (path.parent / "releases").exists():
        shutil.copytree(SEEDS_DIR / "releases", path.parent / "releases")
    path.write_text(
        "sources:\n  - {name: steady, type: files, path: releases}\n"
        f"  - {{name: desk, type: files, path: {folder}}}\n"
        f"smtp: {{host: 127.0.0.1, port: {smtp_port}, mail_from: deskwatch@example.org}}\n"
        f"health: {{source_failures: 2, ops_email: {OPS}}}\n",
        encoding="utf-8",
    )
    return App.load(path, Settings())


def test_an_outage_mails_once_when_it_starts_and_once_when_it_ends(
    db_url: str, tmp_path: Path, smtp_server: SMTPServer, monkeypatch
) -> None:
    monkeypatch.setenv("DESKWATCH_DATABASE_URL", db_url)
    config = tmp_path / "deskwatch.yaml"
    broken = write_config(config, folder="missing", smtp_port=smtp_server.port)

    run_in_process(broken, now=NOW)  # one failure: below the limit of 2
    assert smtp_server.sink.to(OPS) == []
    run_in_process(broken, now=NOW + timedelta(minutes=15))
    [started] = smtp_server.sink.to(OPS)
    assert started["Subject"] == "deskwatch: 1 check failing (source desk)"
    assert (
        "Started failing:\n  source desk: failed 2 runs in a row"
        in started.get_content().replace("\r\n", "\n")
    )
    assert started["Auto-Submitted"] == "auto-generated"

    run_in_process(broken, now=NOW + timedelta(minutes=30))  # the same outage: no second mail
    assert len(smtp_server.sink.to(OPS)) == 1

    fixed = write_config(config, folder="releases", smtp_port=smtp_server.port)
    run_in_process(fixed, now=NOW + timedelta(minutes=45))
    [_, ended] = smtp_server.sink.to(OPS)
    assert ended["Subject"] == "deskwatch: healthy again (source desk recovered)"
    assert "Recovered:\n  source desk" in ended.get_content().replace("\r\n", "\n")

    run_in_process(fixed, now=NOW + timedelta(minutes=60))
    assert len(smtp_server.sink.to(OPS)) == 2


def test_a_notice_that_cannot_be_sent_is_sent_by_a_later_run(
    db_url: str, tmp_path: Path, smtp_server: SMTPServer, monkeypatch
) -> None:
    monkeypatch.setenv("DESKWATCH_DATABASE_URL", db_url)
    config = tmp_path / "deskwatch.yaml"
    down = write_config(config, folder="missing", smtp_port=free_port())  # nothing listens
    run_in_process(down, now=NOW)
    summary = run_in_process(down, now=NOW + timedelta(minutes=15))  # the run still ends well
    assert summary.failures == []

    up = write_config(config, folder="missing", smtp_port=smtp_server.port)
    run_in_process(up, now=NOW + timedelta(minutes=30))
    [started] = smtp_server.sink.to(OPS)
    assert started["Subject"] == "deskwatch: 1 check failing (source desk)"
