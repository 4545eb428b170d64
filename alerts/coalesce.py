"""Which claimed alerts go out together: successive versions of one page to one person become
one mail that shows the net change, and a page that mailed someone within the window waits for
the window to end rather than mail them again. Pure: plain records in, a plan out.

    group       the claimed alerts of one (email, release, frequency), oldest version first: one
                mail, carried by the newest version (its leader), standing for all of them
    hold        a group whose page already mailed that person a version fetched less than
                `window` before `now` (an immediate alert only): it goes back to the queue, due
                when the window after that version ends, and then leaves as one mail with every
                version that arrived meanwhile

A window of zero coalesces only what is claimed together, and never holds. An alert of a
release's withdrawal is a mail of its own: it is news whatever the versions did, and waits for
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Queued:
    """A claimed alert, as the planner sees it."""

    alert_id: int
    email: str
    release_id: int
    version_number: int
    frequency: str = "immediate"
    withdrawal_id: int | None = None
    """An alert of the release's withdrawal: a mail of its own, never held or grouped."""


@dataclass(frozen=True)
class Mail:
    """One mail: `alerts` oldest version first; the last one (the leader) is composed."""

    alerts: tuple[Queued, ...]

    @property
    def leader(self) -> Queued:
        return self.alerts[-1]

    @property
    def first_number(self) -> int:
        return self.alerts[0].version_number


@dataclass
class Plan:
    mails: list[Mail] = field(default_factory=list)
    held: dict[datetime, list[int]] = field(default_factory=dict)
    """Alert ids put back in the queue, by the time they are due again."""


def plan_mails(
    queued: Sequence[Queued],
    last_mailed: Mapping[tuple[str, int], datetime],
    *,
    now: datetime,
    window: timedelta,
) -> Plan:
    """Group the queued alerts per (email, release, frequency), mails in the order of their
    first alert; hold an immediate group whose page mailed the person a version fetched
    (`last_mailed`, by (email, release id)) less than `window` before `now`."""
    groups: dict[tuple[str, int, str, int | None], list[Queued]] = {}
    for alert in queued:
        key = (alert.email, alert.release_id, alert.frequency, alert.withdrawal_id)
        groups.setdefault(key, []).append(alert)
    plan = Plan()
    for (email, release_id, frequency, withdrawal_id), alerts in groups.items():
        alerts.sort(key=lambda a: (a.version_number, a.alert_id))
        mailed = last_mailed.get((email, release_id))
        if (
            frequency == "immediate"
            and withdrawal_id is None
            and window
            and mailed is not None
            and now < mailed + window
        ):
            plan.held.setdefault(mailed + window, []).extend(a.alert_id for a in alerts)
            continue
        plan.mails.append(Mail(tuple(alerts)))
    return plan
