"""Releases as plain dicts for the CLI's table / JSON / CSV output (and for exports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Release


def release_rows(session: Session, releases: Sequence[Release]) -> list[dict[str, Any]]:
    """One dict per release: id, published_at, title, source, url, key, ..."""
    rows: list[dict[str, Any]] = []
    for release in releases:
        rows.append(
            {
                "id": release.id,
                "published_at": release.published_at,
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
    return rows


def release_detail(session: Session, release: Release) -> dict[str, Any]:
    """Everything `deskwatch show` prints: metadata, the latest text and every version."""
    row = release_rows(session, [release])[0]
    versions = list(release.versions)
    latest = versions[-1] if versions else None
    row.update(
        {
            "description": release.description,
            "withdrawn_notice": release.withdrawn_notice,
            "text": latest.text if latest else "",
            "versions": [
                {
                    "id": v.id,
                    "number": v.number,
                    "fetched_at": v.fetched_at,
                    "sha256": v.sha256,
                    "change_note": v.change_note,
                    "title": v.title,
                    "content_type": v.content_type,
                    "publisher_links": v.publisher_links,
                }
                for v in versions
            ],
        }
    )
    return row
