"""A small deskwatch installation for the end-to-end tests: two `files` sources of releases written
for these tests, keyword subscriptions, and a snapshot of everything a run derives, keyed by
release keys instead of ids so that two databases can be compared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import inspect, text

from storage.db import open_database

RELEASES = {
    "east": [
        (
            "ceasefire-call.txt",
            "UK calls for an immediate humanitarian ceasefire\n\n"
            "Monday 3 November 2025\n\n"
            "The Foreign Secretary called today for an immediate humanitarian ceasefire. "
            "Aid convoys must be allowed to reach civilians without delay.",
        ),
        (
            "trade-mission.txt",
            "Trade envoy visits the region\n\n"
            "Tuesday 4 November 2025\n\n"
            "The Prime Minister's trade envoy met business leaders to discuss investment in "
            "renewable energy and port infrastructure.",
        ),
        (
            "sanctions.txt",
            "New sanctions announced\n\n"
            "Wednesday 5 November 2025\n\n"
            "The UK announced sanctions against individuals who financed attacks on shipping. "
            "The ceasefire talks must continue, the minister said.",
        ),
    ],
    "west": [
        (
            "summit.txt",
            "Foreign ministers meet at the summit\n\n"
            "Thursday 6 November 2025\n\n"
            "Foreign ministers agreed a statement on maritime security and climate finance.",
        ),
        (
            "aid.txt",
            "Additional humanitarian aid\n\n"
            "Friday 7 November 2025\n\n"
            "The UK will provide additional humanitarian aid and supports a lasting ceasefire.",
        ),
    ],
}
SUBSCRIBERS = {
    "desk.east@example.org": {"keywords": ["ceasefire"], "frequency": "immediate"},
    "desk.aid@example.org": {"keywords": ["humanitarian aid", "sanctions"]},
    "desk.daily@example.org": {"keywords": ["ceasefire"], "frequency": "daily"},
}


def write_releases(folder: Path, releases: list[tuple[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in releases:
        (folder / name).write_text(body + "\n", encoding="utf-8")


def write_workspace(
    root: Path,
    *,
    smtp: tuple[str, int] | None = None,
    extra_sources: dict[str, list[tuple[str, str]]] | None = None,
    schedule: dict[str, Any] | None = None,
    run: dict[str, Any] | None = None,
    sources: list[dict[str, Any]] | None = None,
    fetching: dict[str, Any] | None = None,
) -> Path:
    """Write the releases and a config file under `root`; return the config file's path."""
    all_sources = {**RELEASES, **(extra_sources or {})}
    for name, releases in all_sources.items():
        write_releases(root / "releases" / name, releases)
    config: dict[str, Any] = {
        "sources": [
            {"name": name, "type": "files", "path": f"releases/{name}"} for name in all_sources
        ]
        + (sources or []),
        "subscriptions": [{"email": email, **rule} for email, rule in SUBSCRIBERS.items()],
    }
    if smtp is not None:
        config["smtp"] = {"host": smtp[0], "port": smtp[1], "mail_from": "deskwatch@example.org"}
    if fetching is not None:
        config["fetching"] = fetching
    if schedule is not None:
        config["schedule"] = schedule
    if run is not None:
        config["run"] = run
    path = root / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


SNAPSHOT_QUERIES = {
    "releases": "SELECT r.key, r.title, r.published_at FROM releases r",
    "release_versions": (
        "SELECT r.key, v.number, v.sha256, v.raw_sha256, v.text FROM release_versions v "
        "JOIN releases r ON r.id = v.release_id"
    ),
    "tags": (
        "SELECT r.key, v.number, t.kind, t.value, t.origin, t.focus, t.score, "
        "t.taxonomy_version FROM tags t JOIN release_versions v ON v.id = t.version_id "
        "JOIN releases r ON r.id = t.release_id"
    ),
    "changes": (
        "SELECT r.key, v.number, ar.key, av.number, c.kind, c.basis, c.classification, "
        "c.algorithm_version FROM changes c JOIN releases r ON r.id = c.release_id "
        "JOIN release_versions v ON v.id = c.version_id "
        "JOIN releases ar ON ar.id = c.against_release_id "
        "JOIN release_versions av ON av.id = c.against_version_id"
    ),
    "alerts": (
        "SELECT a.email, r.key, v.number, a.frequency, a.status, a.attempts FROM alerts a "
        "JOIN releases r ON r.id = a.release_id JOIN release_versions v ON v.id = a.version_id"
    ),
    "phrase_uses": (
        "SELECT p.phrase, r.key, v.number FROM phrase_uses p "
        "JOIN releases r ON r.id = p.release_id JOIN release_versions v ON v.id = p.version_id"
    ),
}


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table that exists, as sorted rows keyed by release keys (ids differ between
    databases). Duplicated rows show up as repeated tuples."""
    db = open_database(db_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        result: dict[str, list[tuple[Any, ...]]] = {}
        with db.engine.connect() as conn:
            for table, query in SNAPSHOT_QUERIES.items():
                if table in tables:
                    rows = [tuple(row) for row in conn.execute(text(query))]
                    result[table] = sorted(rows, key=repr)
        return result
    finally:
        db.dispose()


def mail_log(messages: list[Any]) -> list[tuple[str, str]]:
    """(recipient, subject) of every delivered message, sorted; repeats mean a mail went twice."""
    return sorted(
        (rcpt, str(message["Subject"])) for _frm, rcpts, message in messages for rcpt in rcpts
    )
