"""The FCDO travel-advice history (real, third-party, in ../shared/corpus) replayed through the
real tag, diff and alert stages to a real SMTP server, each version at the time it was
committed, with a Middle East desk and a Ukraine desk subscribed: no version that changes the
advice level is missed by its desk, the desks are not flooded (successive versions within the
coalescing window are one mail), and each subject names the page and its top change.

Prints every mail's subject (run with -s to see)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.normalise import clean_text
from core.records import ReleaseRecord
from pipeline.stages.alert import create_alerts, send_alerts
from pipeline.stages.diff import diff_pending
from pipeline.stages.tag import tag_pending
from storage.db import Database
from storage.models import Change, ReleaseVersion
from storage.releases import store_record, sync_source
from tests.fixtures.corpus import FCDO, SHARED, corpus_path
from tests.integration.alerts_helpers import alerts_of, make_app, parts, smtp_settings

pytestmark = pytest.mark.corpus

DESKS = {
    "israel": {
        "email": "mideast.desk@example.org",
        "themes": ["middle-east-escalation"],
        "countries": ["IL", "PS"],
    },
    "ukraine": {
        "email": "ukraine.desk@example.org",
        "themes": ["ukraine-support"],
        "countries": ["UA"],
    },
}


def _versions() -> list[dict[str, Any]]:
    data = json.loads(corpus_path(FCDO / "versions.json").read_text(encoding="utf-8"))
    return sorted(data["versions"], key=lambda v: str(v["committed"]))


def _replay(database: Database, app: Any, versions: list[dict[str, Any]]) -> None:
    first_seen: dict[str, datetime] = {}
    for item in versions:
        key = f"{item['live_url']}/{item['page']}"
        at = datetime.fromisoformat(str(item["committed"])).astimezone(UTC)
        first_seen.setdefault(key, at)
        text = clean_text((SHARED.parent / str(item["file"])).read_text(encoding="utf-8"))
        with database.session() as session:
            source = sync_source(session, "fcdo-travel-advice", "files", {})
            store_record(
                session,
                source,
                ReleaseRecord(
                    key=key,
                    title=f"{str(item['country']).capitalize()} travel advice",
                    text=text,
                    raw=text.encode(),
                    content_type="text/plain; charset=utf-8",
                    url=key,
                    published_at=first_seen[key],
                    updated_at=at,
                    change_note=str(item["change_note"]),
                ),
                now=at,
            )
        tag_pending(app, database, now=at)
        diff_pending(app, database, now=at)
        create_alerts(app, database, now=at)
        send_alerts(app, database, now=at)


def test_travel_advice_replay_alerts_every_advice_change_and_does_not_flood(
    database: Database, tmp_path, smtp_server
) -> None:
    versions = [v for v in _versions() if v["country"] in DESKS]
    app = make_app(database.url, tmp_path, list(DESKS.values()), **smtp_settings(smtp_server))
    start = datetime.fromisoformat(str(versions[0]["committed"])) - timedelta(days=1)
    create_alerts(app, database, now=start)  # the desks subscribe before the history starts
    _replay(database, app, versions)
    end = datetime.fromisoformat(str(versions[-1]["committed"])) + timedelta(days=1)
    send_alerts(app, database, now=end)  # whatever waited in a coalescing window goes now

    with database.session() as session:
        quiet = set(
            session.scalars(
                select(Change.version_id).where(
                    Change.kind == "version", Change.classification.in_(["trivial", "minor"])
                )
            )
        )
        advice_changes = [
            (version.release.key, version.number, version.id)
            for change, version in session.execute(
                select(Change, ReleaseVersion)
                .join(ReleaseVersion, ReleaseVersion.id == Change.version_id)
                .where(Change.kind == "version")
            )
            if any(
                str(m.get("label", "")).startswith("scale: advice")
                for m in (change.payload or {}).get("moves", [])
            )
        ]
    assert advice_changes, "the replay has versions that change the advice level"
    alerts = alerts_of(database)
    assert quiet, "the replay has trivial and minor edits"
    assert not quiet & {a.version_id for a in alerts}, "a trivial or minor edit alerted"
    by_version = {(a.version_id, a.email): a for a in alerts}
    for key, number, version_id in advice_changes:
        desk = DESKS["israel" if "/israel/" in key else "ukraine"]["email"]
        alert = by_version.get((version_id, desk))
        assert alert is not None, f"{key} version {number} changed the advice: no alert to {desk}"
        assert alert.status == "sent", (key, number, alert.status)

    subjects: dict[str, list[str]] = {}
    for _from, rcpts, message in smtp_server.sink.messages:
        subjects.setdefault(rcpts[0], []).append(str(message["Subject"]))
        print(rcpts[0], "|", message["Subject"])
    for desk, title in ((DESKS["ukraine"], "Ukraine"), (DESKS["israel"], "Israel")):
        mails = subjects[desk["email"]]
        # after the first (a new page: nothing to compare), each subject names its change,
        # and they say different things (the issue saw 19 mails with one subject; two edits
        # of the same advice sentence may still read alike)
        for subject in mails[1:]:
            assert subject.strip().startswith(f"[deskwatch] {title} travel advice: "), subject
        assert len(set(mails[1:])) >= 0.8 * len(mails[1:])
    texts = [parts(m)[0] for _f, _r, m in smtp_server.sink.messages]
    for text in texts:
        assert "Palestine, State of" not in text and "ON GB" not in text
    # the 9 October version is dated by itself, not by the page's first publication
    assert any("Updated 9 October 2023 · version 5" in text for text in texts)
