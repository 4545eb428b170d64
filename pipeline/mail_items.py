"""What the matcher and the composer are given: stored rows read through storage, turned into the
plain records of core.alert_facts (for the matcher) and, through the pure alerts.items, the
AlertItems of alerts.compose."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from alerts import items
from alerts.compose import AlertItem
from alerts.items import RenderDiff
from alerts.matching import tag_evidence
from core.alert_facts import TagFact, VersionFacts
from core.mail_rows import AlertRow, ChangeRow
from diffing.compare import version_diff
from diffing.model import Diff
from diffing.moves import Move, Significance
from storage.alerts import alerted_on, rule_tags, version_classifications
from storage.mail_rows import mail_rows, versions_numbered
from storage.models import Alert, ReleaseVersion


def version_facts(session: Session, versions: Sequence[ReleaseVersion]) -> list[VersionFacts]:
    ids = [v.id for v in versions]
    tags = rule_tags(session, ids, include_suggested=True)  # each rule says if they count
    classes = version_classifications(session, ids)
    alerted = alerted_on(session, [v.release_id for v in versions if v.number > 1])
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
                        suggested=t.status != "tagged",
                    )
                    for t in tags.get(version.id, [])
                ),
                classification=classes.get(version.id),
                alerted=frozenset(alerted.get(version.release_id, ())),
            )
        )
    return facts


# -- what the mail shows ----------------------------------------------------------------------------


def alert_items(
    session: Session,
    alerts: Sequence[Alert],
    *,
    render_diff: RenderDiff | None = None,
    groups: Mapping[int, Sequence[Alert]] | None = None,
) -> dict[int, AlertItem]:
    """The composer's view of each alert, by alert id: the stored rows (storage.mail_rows)
    through the pure decider (alerts.items), the diff payloads read by Diff.from_payload.
    `render_diff(diff) -> html` renders each shown diff for the HTML part when given. `groups`
    maps an alert to the successive versions' alerts its mail coalesces (oldest first, itself
    last): its mail shows their net change and every reason of them."""
    rows = mail_rows(session, alerts)
    if groups:
        rows = replace(
            rows,
            alerts=tuple(
                coalesced(session, row, groups[row.id]) if len(groups.get(row.id, ())) > 1 else row
                for row in rows.alerts
            ),
        )
    return items.alert_items(
        rows, read_diff=Diff.from_payload, render_diff=render_diff, headlines=headlines
    )


def headlines(moves: Sequence[Move]) -> Sequence[Move]:
    """The moves a mail leads with: the scorer's own rule (diffing.moves.Significance)."""
    return Significance(tuple(moves)).headlines()


def coalesced(session: Session, row: AlertRow, group: Sequence[Alert]) -> AlertRow:
    """The leader's row standing for the whole group: every alert id, the reasons of all of
    them (the leader's first), and the net change from the version before the group's first to
    the leader (diffing.compare.version_diff, as the diff stage computes a version change)."""
    leader = group[-1]
    newest, oldest = (
        session.get(ReleaseVersion, leader.version_id),
        session.get(ReleaseVersion, group[0].version_id),
    )
    assert newest is not None and oldest is not None
    before = versions_numbered(session, leader.release_id, [oldest.number - 1]).get(
        oldest.number - 1
    )
    net = None
    if before is not None:
        diff = version_diff(before.text, newest.text, newest.change_note)
        net = ChangeRow(
            id=0,
            version_id=newest.id,
            kind="version",
            basis="version",
            against_release_id=leader.release_id,
            created_at=newest.fetched_at,
            payload=diff.payload(),
            classification=diff.classification,
            silent_edit=diff.silent_edit,
        )
    reasons: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for alert in [leader, *reversed(group[:-1])]:
        for reason in alert.reasons or ():
            key = (str(reason.get("kind")), str(reason.get("value")))
            if key not in seen:
                seen.add(key)
                reasons.append(reason)
    return replace(
        row,
        reasons=tuple(reasons),
        carries=tuple(a.id for a in group),
        first_number=oldest.number,
        net_change=net,
    )
