"""Releases as plain dicts for the CLI's table / JSON / CSV output (and for exports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from core.release_dates import release_date
from storage.models import Alert, Release, Subscription
from storage.tags import (
    OWN_ORIGINS,
    TAGGED,
    latest_version_ids,
    tag_as_dict,
    tags_for_releases,
    tags_for_versions,
    versions_tagging,
)


def release_rows(session: Session, releases: Sequence[Release]) -> list[dict[str, Any]]:
    """One dict per release: id, date and date_kind (core.release_dates: published, else
    updated, else first seen), published_at, updated_at, title, source, url, key, ..."""
    rows: list[dict[str, Any]] = []
    for release in releases:
        when, kind = release_date(release.published_at, release.updated_at, release.first_seen_at)
        rows.append(
            {
                "id": release.id,
                "date": when,
                "date_kind": kind,
                "published_at": release.published_at,
                "updated_at": release.updated_at,
                "title": release.title,
                "source": release.source.name,
                "url": release.url,
                "key": release.key,
                "document_type": release.document_type,
                "organisation": release.organisation,
                "language": release.language,
                "first_seen_at": release.first_seen_at,
                "last_seen_at": release.last_seen_at,
            }
        )
    add_tag_lists(session, rows)
    return rows


def add_tag_lists(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add `themes` (theme ids), `countries` (ISO codes) and `focus_countries` of each row's
    release: its latest version's tags over the tagger's bar, its own or its English
    original's, highest score first; `suggested_themes` below the bar; and, for a version the
    rules left untagged, `untagged` ("not tagged (ar)") and `untagged_reason`. Three queries
    for all rows."""
    ids = [row["id"] for row in rows]
    latest = latest_version_ids(session, ids)
    by_version = tags_for_versions(session, latest.values())
    tagging = versions_tagging(session, latest.values())
    for row in rows:
        version_id = latest.get(row["id"])
        tags = by_version.get(version_id, []) if version_id is not None else []
        own = sorted((t for t in tags if t.origin in OWN_ORIGINS), key=lambda t: -t.score)
        rule = [t for t in own if t.status == TAGGED]
        row["themes"] = [t.value for t in rule if t.kind == "theme"]
        row["suggested_themes"] = [t.value for t in own if t.kind == "theme" and t not in rule]
        row["countries"] = [t.value for t in rule if t.kind == "country"]
        row["focus_countries"] = [t.value for t in rule if t.kind == "country" and t.focus]
        language, reason = tagging.get(version_id, (None, None)) if version_id else (None, None)
        row["text_language"] = language
        row["untagged_reason"] = reason
        row["untagged"] = f"not tagged ({language or 'unknown'})" if reason else None


def release_tags(session: Session, release: Release) -> list[dict[str, Any]]:
    """The latest version's tags (rule, translation and publisher), each with its evidence."""
    tags = tags_for_releases(session, [release.id]).get(release.id, [])
    order = {"country": 0, "region": 1, "theme": 2, "person": 3}
    tags = sorted(tags, key=lambda t: (order.get(t.kind, 9), t.origin == "publisher", -t.score))
    return [tag_as_dict(t) for t in tags]


def translation_source(tags: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The English original whose tags a translation took ({release_id, version_id, key}), if
    its tags came from one."""
    for tag in tags:
        if tag["origin"] == "translation":
            original = (tag.get("attributes") or {}).get("original")
            if isinstance(original, dict):
                return original
    return None


def release_detail(session: Session, release: Release) -> dict[str, Any]:
    """Everything `deskwatch show` prints: metadata, the latest text and every version."""
    row = release_rows(session, [release])[0]
    tags = release_tags(session, release)
    versions = list(release.versions)
    latest = versions[-1] if versions else None
    row.update(
        {
            "description": release.description,
            "withdrawn_notice": release.withdrawn_notice,
            "text": latest.text if latest else "",
            # "full", "summary" (only the feed's summary: its link not followed), None: unknown
            "text_kind": latest.text_kind if latest else None,
            "tags": tags,
            "suggested": [t["value"] for t in tags if t["status"] != TAGGED],
            "tags_from_original": translation_source(tags),
            "versions": [
                {
                    "id": v.id,
                    "number": v.number,
                    "fetched_at": v.fetched_at,
                    "sha256": v.sha256,
                    "change_note": v.change_note,
                    "text_kind": v.text_kind,
                    "title": v.title,
                    "content_type": v.content_type,
                    "publisher_links": v.publisher_links,
                }
                for v in versions
            ],
        }
    )
    return row


def subscription_rows(subscriptions: Sequence[Subscription]) -> list[dict[str, Any]]:
    """One dict per subscription, for `deskwatch subscriptions` and `subscribe`."""
    return [
        {
            "id": s.id,
            "email": s.email,
            "name": s.name,
            "themes": list(s.themes),
            "countries": list(s.countries),
            "keywords": list(s.keywords),
            "frequency": s.frequency,
            "focus_only": s.focus_only,
            "include_suggested": s.include_suggested,
            "origin": s.origin,
            "created_at": s.created_at,
            "ended_at": s.ended_at,
            "ended_reason": s.ended_reason,
        }
        for s in subscriptions
    ]


def alert_rows(alerts: Sequence[tuple[Alert, Release]]) -> list[dict[str, Any]]:
    """One dict per alert (with its release's title), for `deskwatch alerts`."""
    return [
        {
            "id": a.id,
            "status": a.status,
            "email": a.email,
            "frequency": a.frequency,
            "release_id": a.release_id,
            "version_id": a.version_id,
            "title": r.title,
            "reasons": [f"{x['kind']}:{x['value']}" for x in a.reasons],
            "attempts": a.attempts,
            "last_error": a.last_error,
            "next_attempt_at": a.next_attempt_at,
            "created_at": a.created_at,
            "sent_at": a.sent_at,
            "message_id": a.message_id,
            "digest_key": a.digest_key,
        }
        for a, r in alerts
    ]
