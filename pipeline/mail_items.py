"""What the matcher and the composer are given: stored rows read through storage, turned into the
plain records of core.alert_facts (for the matcher) and, through the pure alerts.items, the
AlertItems of alerts.compose."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from alerts import items
from alerts.compose import AlertItem
from alerts.items import RenderDiff
from alerts.matching import tag_evidence
from core.alert_facts import TagFact, VersionFacts
from diffing.model import Diff
from storage.alerts import mail_rows, rule_tags, version_classifications
from storage.models import Alert, ReleaseVersion


def version_facts(session: Session, versions: Sequence[ReleaseVersion]) -> list[VersionFacts]:
    ids = [v.id for v in versions]
    tags = rule_tags(session, ids, include_suggested=True)  # each rule says if they count
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
                        suggested=t.status != "tagged",
                    )
                    for t in tags.get(version.id, [])
                ),
                classification=classes.get(version.id),
            )
        )
    return facts


# -- what the mail shows ----------------------------------------------------------------------------


def alert_items(
    session: Session, alerts: Sequence[Alert], *, render_diff: RenderDiff | None = None
) -> dict[int, AlertItem]:
    """The composer's view of each alert, by alert id: the stored rows (storage.alerts.mail_rows)
    through the pure decider (alerts.items), the diff payloads read by Diff.from_payload.
    `render_diff(diff) -> html` renders each shown diff for the HTML part when given."""
    rows = mail_rows(session, alerts)
    return items.alert_items(rows, read_diff=Diff.from_payload, render_diff=render_diff)
