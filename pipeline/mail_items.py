"""What the matcher and the composer are given: stored rows read through storage, turned into the
plain records of core.alert_facts and alerts.compose."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.compose import AlertItem, DiffSummary
from alerts.matching import tag_evidence
from core.alert_facts import Reason, TagFact, VersionFacts
from storage.alerts import chunks, rule_tags, version_classifications
from storage.models import Alert, Change, Release, ReleaseVersion

MAX_SENTENCES = 4
"""Sentences of each kind a statement diff shows in a mail."""
MAX_VERSION_SENTENCES = 10


def version_facts(session: Session, versions: Sequence[ReleaseVersion]) -> list[VersionFacts]:
    ids = [v.id for v in versions]
    tags = rule_tags(session, ids)
    classes = version_classifications(session, ids)
    facts = []
    for version in versions:
        facts.append(
            VersionFacts(
                version_id=version.id,
                release_id=version.release_id,
                number=version.number,
                title=version.title,
                text=version.text,
                tags=tuple(
                    TagFact(
                        kind=t.kind,
                        value=t.value,
                        label=t.label or t.value,
                        focus=bool(t.focus),
                        evidence=tag_evidence(t.evidence or []),
                    )
                    for t in tags.get(version.id, [])
                ),
                classification=classes.get(version.id),
            )
        )
    return facts


# -- what the mail shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Basis:
    kind: str
    value: str
    label: str


def alert_items(
    session: Session, alerts: Sequence[Alert], *, render_diff: Any = None
) -> dict[int, AlertItem]:
    """The composer's view of each alert, by alert id. `render_diff(payload) -> html` renders a
    stored diff for the HTML part when given."""
    version_ids = list({a.version_id for a in alerts})
    versions = {
        v.id: v
        for chunk in chunks(version_ids)
        for v in session.scalars(
            select(ReleaseVersion)
            .where(ReleaseVersion.id.in_(chunk))
            .options(selectinload(ReleaseVersion.release).selectinload(Release.source))
        )
    }
    changes: dict[int, list[Change]] = defaultdict(list)
    for chunk in chunks(version_ids):
        for change in session.scalars(
            select(Change).where(Change.version_id.in_(chunk)).order_by(Change.id)
        ):
            changes[change.version_id].append(change)
    against_ids = {c.against_release_id for cs in changes.values() for c in cs}
    against = {
        r.id: r
        for chunk in chunks(list(against_ids))
        for r in session.scalars(select(Release).where(Release.id.in_(chunk)))
    }
    items: dict[int, AlertItem] = {}
    for alert in alerts:
        version = versions[alert.version_id]
        release = version.release
        reasons = tuple(Reason.from_dict(r) for r in alert.reasons)
        version_change = _newest(c for c in changes[version.id] if c.kind == "version")
        items[alert.id] = AlertItem(
            alert_id=alert.id,
            release_id=release.id,
            version_id=version.id,
            version_number=version.number,
            title=version.title or release.title,
            published_at=release.published_at,
            source=release.source.name,
            url=release.url,
            reasons=reasons,
            statement_diffs=_statement_diffs(changes[version.id], reasons, against, render_diff),
            version_diff=(
                _summary(version_change, "previous version", None, render_diff, version.change_note)
                if version_change is not None and version.number > 1
                else None
            ),
        )
    return items


def _newest(changes: Iterable[Change]) -> Change | None:
    found = None
    for change in changes:
        if found is None or (change.created_at, change.id) >= (found.created_at, found.id):
            found = change
    return found


def _statement_diffs(
    changes: Sequence[Change],
    reasons: Sequence[Reason],
    against: dict[int, Release],
    render_diff: Any,
) -> tuple[DiffSummary, ...]:
    """The statement diffs on the bases the alert matched (its themes, then its countries); for
    a keyword-only match, the release's own statement diffs. At most three."""
    by_basis: dict[str, Change] = {}
    for change in changes:
        if change.kind == "statement":
            current = by_basis.get(change.basis)
            if current is None or _newest([current, change]) is change:
                by_basis[change.basis] = change
    labels = {f"{r.kind}:{r.value}": r.label.removesuffix(" (focus)") for r in reasons}
    wanted = [b for b in labels if b in by_basis] or list(by_basis)
    summaries = []
    for basis in wanted[:3]:
        change = by_basis[basis]
        label = labels.get(basis) or basis.partition(":")[2]
        summaries.append(
            _summary(change, label, against.get(change.against_release_id), render_diff)
        )
    return tuple(summaries)


def _summary(
    change: Change,
    label: str,
    against: Release | None,
    render_diff: Any,
    change_note: str | None = None,
) -> DiffSummary:
    """A stored change, cut to what a mail shows: a few sentences of each kind (a statement
    diff against a whole earlier release can run to dozens; `deskwatch diff` shows them all)."""
    payload = change.payload if isinstance(change.payload, dict) else {}
    limit = MAX_SENTENCES if change.kind == "statement" else MAX_VERSION_SENTENCES
    added = [x for x in payload.get("added", []) if isinstance(x, str)]
    removed = [x for x in payload.get("removed", []) if isinstance(x, str)]
    changed = [x for x in payload.get("changed", []) if isinstance(x, dict)]
    shown = {
        **payload,
        "added": added[:limit],
        "removed": removed[:limit],
        "changed": changed[:limit],
    }
    more = sum(max(0, len(x) - limit) for x in (added, removed, changed))
    return DiffSummary(
        basis=change.basis,
        basis_label=label,
        against_title=against.title if against is not None else None,
        against_date=(against.published_at or against.first_seen_at) if against else None,
        against_url=against.url if against is not None else None,
        new_phrases=tuple(str(x) for x in payload.get("new_phrases", []))[:8],
        dropped_phrases=tuple(str(x) for x in payload.get("dropped_phrases", []))[:8],
        added=tuple(added[:limit]),
        removed=tuple(removed[:limit]),
        reworded=tuple((str(c.get("old", "")), str(c.get("new", ""))) for c in changed[:limit]),
        more=more,
        classification=change.classification,
        silent_edit=bool(change.silent_edit),
        change_note=change_note,
        html=render_diff(shown) if render_diff is not None else None,
    )
