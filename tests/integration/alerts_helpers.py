"""Helpers for the alert tests: an App with chosen subscriptions and SMTP settings, and releases
stored through the real storage path with tags and diffs written straight into the `tags` and
`changes` tables the way the tagging and diffing stages write them. Every text here is written
for these tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select

from alerts.matching import sentences
from core.records import ReleaseRecord
from pipeline.app import App
from pipeline.config import Config
from pipeline.settings import Settings
from storage.db import Database
from storage.models import Alert, Change, ReleaseVersion, Tag
from storage.releases import Outcome, store_record, sync_source

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

UKRAINE_TEXT = (
    "The Foreign Secretary announced further support for Ukraine today. "
    "The UK will provide winter equipment to Ukrainian forces.\n\n"
    "He said the UK stands with Kyiv for as long as it takes."
)
GAZA_TEXT = (
    "The UK calls for a sustainable ceasefire in Gaza. "
    "Aid must reach civilians without delay.\n\n"
    "The Foreign Secretary spoke with Israeli and Palestinian leaders."
)


@dataclass(frozen=True)
class TagSpec:
    kind: str
    value: str
    label: str
    term: str
    focus: bool = False


UKRAINE_TAGS = (
    TagSpec("theme", "ukraine-support", "Ukraine support", "support for Ukraine"),
    TagSpec("country", "UA", "Ukraine", "Ukraine", focus=True),
)
GAZA_TAGS = (
    TagSpec("theme", "middle-east-escalation", "Middle East escalation", "ceasefire in Gaza"),
    TagSpec("country", "PS", "Palestine", "Gaza", focus=True),
    TagSpec("country", "IL", "Israel", "Israeli"),
)


def make_app(
    db_url: str,
    tmp_path: Path,
    subscriptions: list[dict[str, Any]],
    *,
    smtp: dict[str, Any] | None = None,
    **settings: Any,
) -> App:
    config = Config.model_validate({"subscriptions": subscriptions, "smtp": smtp or {}})
    env = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", **settings)
    return App(settings=env, config=config)


def smtp_settings(server: Any, **extra: Any) -> dict[str, Any]:
    return {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "mail_from": "deskwatch@example.org",
        **extra,
    }


def _evidence(text: str, term: str) -> list[dict[str, Any]]:
    start = text.find(term)
    assert start >= 0, f"{term!r} not in the text"
    for a, b in sentences(text):
        if a <= start < b:
            return [{"text": term, "start": start, "end": start + len(term), "sentence": text[a:b]}]
    raise AssertionError("no sentence")


def store(
    db: Database,
    key: str,
    title: str,
    text: str,
    tags: tuple[TagSpec, ...],
    *,
    now: datetime = T0,
    classification: str | None = None,
    silent_edit: bool = False,
    version_payload: dict[str, Any] | None = None,
    statement: tuple[int, str, dict[str, Any]] | None = None,
    published_at: datetime | None = None,
) -> int:
    """Store a release (or a new version of it), tag it and, for a new version, record its
    version change; `statement` = (earlier version id, basis, payload) adds a statement diff.
    Returns the version id."""
    with db.session() as session:
        source = sync_source(session, "test", "files", {})
        stored = store_record(
            session,
            source,
            ReleaseRecord(
                key=key,
                title=title,
                text=text,
                raw=text.encode(),
                content_type="text/plain",
                url=f"https://www.gov.uk/government/news/{key}",
                published_at=published_at or now,
            ),
            now=now,
        )
        version = session.get(ReleaseVersion, stored.version_id)
        assert version is not None
        if stored.outcome is Outcome.UNCHANGED:
            return version.id
        for tag in tags:
            session.add(
                Tag(
                    release_id=stored.release_id,
                    version_id=version.id,
                    kind=tag.kind,
                    value=tag.value,
                    label=tag.label,
                    score=1.0,
                    origin="rule",
                    focus=tag.focus,
                    evidence=_evidence(text, tag.term),
                    taxonomy_version="test",
                    created_at=now,
                )
            )
        if version.number > 1:
            previous = session.scalar(
                select(ReleaseVersion).where(
                    ReleaseVersion.release_id == version.release_id,
                    ReleaseVersion.number == version.number - 1,
                )
            )
            assert previous is not None
            session.add(
                Change(
                    kind="version",
                    release_id=version.release_id,
                    version_id=version.id,
                    against_release_id=version.release_id,
                    against_version_id=previous.id,
                    basis="version",
                    classification=classification,
                    silent_edit=silent_edit,
                    payload=version_payload or {},
                    algorithm_version="test",
                    created_at=now,
                )
            )
        if statement is not None:
            against_id, basis, payload = statement
            against = session.get(ReleaseVersion, against_id)
            assert against is not None
            session.add(
                Change(
                    kind="statement",
                    release_id=version.release_id,
                    version_id=version.id,
                    against_release_id=against.release_id,
                    against_version_id=against.id,
                    basis=basis,
                    payload=payload,
                    algorithm_version="test",
                    created_at=now,
                )
            )
        version.tagged_with = "test"
        version.diffed_with = "test"
        return version.id


def alerts_of(db: Database) -> list[Alert]:
    with db.session() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and HTML bodies of a received multipart/alternative mail."""
    assert message.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()
