"""The FCDO travel-advice history (real, third-party, in ../shared/corpus): every version ingested
in date order, each change classified. Prints the classification counts (run with -s to see).

Whether each change is substantive (what alerts) must agree with the triage a person gave it in
tests/gold/diffs.yaml: announced changes of contact details only are not substantive.

A version whose text returns to an earlier version's is not a new version (storage keeps history
as it is), so the last Japan version, which removes the tsunami warnings again, is not diffed."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from core.normalise import clean_text
from core.records import ReleaseRecord
from diffing.classify import announced
from pipeline.app import App
from pipeline.config import Config
from pipeline.settings import Settings
from pipeline.stages.diff import diff_pending
from storage.changes import changes_of_release
from storage.db import Database
from storage.models import Release, ReleaseVersion
from storage.releases import Outcome, store_record, sync_source
from tests.fixtures.corpus import FCDO, SHARED, corpus_path

ROOT = SHARED.parent  # versions.json paths start at shared/

pytestmark = pytest.mark.corpus


def corpus_versions() -> list[dict[str, object]]:
    data = json.loads(corpus_path(FCDO / "versions.json").read_text(encoding="utf-8"))
    return sorted(data["versions"], key=lambda v: str(v["committed"]))


def gold_triage() -> dict[str, str]:
    """The expected classification of each labelled version, by the version's file name."""
    gold = Path(__file__).resolve().parents[1] / "gold" / "diffs.yaml"
    versions = yaml.safe_load(gold.read_text(encoding="utf-8"))["versions"]
    return {Path(v["new"]).name: v["expected"] for v in versions}


def test_travel_advice_changes_are_classified(database: Database) -> None:
    versions = corpus_versions()
    triage = gold_triage()
    first_seen: dict[str, datetime] = {}
    expected: dict[tuple[str, int], dict[str, object]] = {}
    with database.session() as session:
        source = sync_source(session, "fcdo-travel-advice", "files", {})
        for item in versions:
            key = f"{item['live_url']}/{item['page']}"
            at = datetime.fromisoformat(str(item["committed"])).astimezone(UTC)
            first_seen.setdefault(key, at)
            text = clean_text((ROOT / str(item["file"])).read_text(encoding="utf-8"))
            record = ReleaseRecord(
                key=key,
                title=f"{item['country']} travel advice: {item['page']}",
                text=text,
                raw=text.encode(),
                content_type="text/plain; charset=utf-8",
                url=key,
                published_at=first_seen[key],
                updated_at=at,
                change_note=str(item["change_note"]),
            )
            stored = store_record(session, source, record, now=at)
            if stored.outcome is Outcome.NEW_VERSION:
                number = session.get(ReleaseVersion, stored.version_id).number
                expected[(key, number)] = item
    app = App(settings=Settings(database_url=database.url), config=Config())
    counts = diff_pending(app, database, now=datetime(2025, 9, 30, tzinfo=UTC))
    assert counts["version_diffs"] == len(expected) > 25

    table: Counter[str] = Counter()
    silent = 0
    with database.session() as session:
        for release_id in session.scalars(select(Release.id).order_by(Release.id)):
            for change in changes_of_release(session, release_id, kind="version"):
                version = session.get(ReleaseVersion, change.version_id)
                item = expected[(version.release.key, version.number)]
                table[str(change.classification)] += 1
                silent += int(change.silent_edit)
                note = str(item["change_note"])
                print(
                    f"{item['committed']} {item['country']:8} {change.classification:11} "
                    f"{'SILENT ' if change.silent_edit else ''}{note[:70]}"
                )
                assert change.has_change_note is announced(note)
                wanted = triage[Path(str(item["file"])).name]
                assert (change.classification == "substantive") == (wanted == "substantive"), (
                    note,
                    change.payload["reasons"],
                )
    print(f"classifications: {dict(table)}; silent edits: {silent}")
    assert sum(table.values()) == len(expected)
