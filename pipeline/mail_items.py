"""What the matcher and the composer are given: stored rows read through storage, turned into the
plain records of core.alert_facts (for the matcher) and, through the pure alerts.items, the
AlertItems of alerts.compose; the envelope of each mail; and which claimed alerts go out as one
mail (alerts.coalesce decides)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from alerts import items
from alerts.coalesce import Queued, plan_mails
from alerts.compose import AlertItem, Envelope
from alerts.items import RenderDiff
from alerts.mailer import MailSettings
from alerts.matching import tag_evidence
from alerts.wording import describe_rule
from core.alert_facts import TagFact, VersionFacts
from core.errors import DeskwatchError
from core.mail_rows import AlertRow, ChangeRow
from core.subscriptions import SubscriptionSpec
from diffing.compare import version_diff
from diffing.model import Diff
from diffing.moves import Move, Significance
from pipeline.links import MailLinks
from storage.alerts import alerted_on, hold, last_mailed, rule_tags, version_classifications
from storage.mail_rows import mail_rows, version_numbers, versions_numbered
from storage.models import Alert, ReleaseVersion, Withdrawal
from storage.subscriptions import active_subscriptions, spec_of

if TYPE_CHECKING:
    from pipeline.app import App

log = logging.getLogger("deskwatch.alerts")


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


def withdrawal_facts(session: Session, pending: Sequence[Withdrawal]) -> list[VersionFacts]:
    """The facts of each withdrawal's version, as the matcher sees a version, with everyone
    alerted on the release before as its followers (whichever version that was)."""
    versions = [session.get(ReleaseVersion, w.version_id) for w in pending]
    found = version_facts(session, [v for v in versions if v is not None])
    assert len(found) == len(pending)
    alerted = alerted_on(session, [w.release_id for w in pending])
    return [replace(f, alerted=frozenset(alerted.get(f.release_id, ()))) for f in found]


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


# -- who a mail goes to, and which alerts go together ---------------------------------------------


def envelope(
    settings: MailSettings,
    email: str,
    subs: Sequence[Any],
    now: datetime,
    theme_names: dict[str, str] | None = None,
    links: MailLinks | None = None,
) -> Envelope:
    """The envelope of a mail to `email`: their name, their subscriptions in names and, when the
    reading room is configured (pipeline.links), its links signed for them now."""
    names = [s.name for s in subs if s.name]
    one_click, manage = links.for_recipient(email, now) if links is not None else (None, None)
    return Envelope(
        mail_from=settings.mail_from,
        to=email,
        to_name=names[0] if names else None,
        unsubscribe=settings.unsubscribe,
        date=now,
        subscriptions=tuple(_described(spec_of(s), theme_names) for s in subs),
        one_click=one_click,
        manage=manage,
    )


def _described(spec: SubscriptionSpec, theme_names: dict[str, str] | None) -> str:
    return describe_rule(
        themes=spec.themes,
        countries=spec.countries,
        keywords=spec.keywords,
        focus_only=spec.focus_only,
        frequency=spec.frequency,
        theme_names=theme_names,
    )


def theme_names(app: App) -> dict[str, str]:
    """The taxonomy's name of each theme id, for the foot of a mail (empty if it cannot be
    read: the mail then shows ids rather than not going)."""
    from pipeline.stages.tag import taxonomy_for

    try:
        return {t.id: t.label for t in taxonomy_for(app).spec.themes}
    except DeskwatchError as exc:
        log.warning("theme names unavailable for the mail: %s", exc)
        return {}


def subscriptions_by_email(session: Session) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for row in active_subscriptions(session):
        found[row.email].append(row)
    return found


def coalesce(
    session: Session, claimed: Sequence[Any], *, now: datetime, window: timedelta
) -> tuple[list[Any], dict[int, list[Any]]]:
    """The mails of a claimed batch (alerts.coalesce): the leader alert of each, and for each
    leader the alerts its mail stands for (oldest version first). Held alerts go back to the
    queue here, due when their window ends."""
    numbers = version_numbers(session, [a.version_id for a in claimed])
    queued = [
        Queued(
            a.id, a.email, a.release_id, numbers.get(a.version_id, 0), a.frequency, a.withdrawal_id
        )
        for a in claimed
    ]
    last = last_mailed(session, [(a.email, a.release_id) for a in claimed])
    plan = plan_mails(queued, last, now=now, window=window)
    for until, ids in plan.held.items():
        hold(session, ids, until=until)
    by_id = {a.id: a for a in claimed}
    groups = {m.leader.alert_id: [by_id[q.alert_id] for q in m.alerts] for m in plan.mails}
    return [by_id[m.leader.alert_id] for m in plan.mails], groups
