"""Telling the operator: one mail to `health.ops_email` when the set of failing health checks
changes, so an outage mails once when it starts and once when it ends (GOV.UK email-alert-api
and Miniflux alert on a change of state, not on every check).

    change(previous, report)         pure: the Notice to send, or None (nothing changed)
    compose(notice, ...)             pure: the plain-text EmailMessage
    notify(app, db, now)             at the end of a run (pipeline.plan): check, decide, send
                                     through the alert channel, remember what was sent

What was last told is kept in the archive (storage.archive_state, key OPS_NOTICE): the failing
checks' names. Only the names count: "an alert has waited 31 min" becoming "35 min" is the same
outage. A notice that cannot be sent (the mail server is the thing that is down) is not
remembered, so the next run tries again; the health command's exit code and the Prometheus
metrics stay the way to see a mail outage as it happens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING, Any

from pipeline.health import FAILING, Report

if TYPE_CHECKING:
    from pipeline.app import App
    from storage.db import Database

log = logging.getLogger("pipeline.ops_notice")


@dataclass(frozen=True)
class Notice:
    failing: dict[str, str]
    """Every failing check now: name -> its line."""
    started: list[str]
    """Checks failing now that were not last time."""
    ended: list[str]
    """Checks that were failing last time and pass now."""

    @property
    def subject(self) -> str:
        if not self.failing:
            return f"deskwatch: healthy again ({', '.join(self.ended)} recovered)"
        names = ", ".join(sorted(self.failing))
        count = len(self.failing)
        return f"deskwatch: {count} check{'' if count == 1 else 's'} failing ({names})"

    def state(self) -> dict[str, Any]:
        return {"failing": sorted(self.failing)}


def change(previous: dict[str, Any] | None, report: Report) -> Notice | None:
    """The notice a change of the failing checks calls for; None when the same checks fail as
    last time (or, never told before, when nothing fails)."""
    before = set((previous or {}).get("failing", []))
    failing = {c.name: c.message for c in report.checks if c.status == FAILING}
    if set(failing) == before:
        return None
    return Notice(
        failing=failing,
        started=sorted(set(failing) - before),
        ended=sorted(before - set(failing)),
    )


def compose(notice: Notice, *, mail_from: str, to: str, now: datetime) -> EmailMessage:
    """A plain message: what started failing, what still fails, what recovered."""
    lines: list[str] = []
    if notice.started:
        lines += ["Started failing:", *[f"  {n}: {notice.failing[n]}" for n in notice.started], ""]
    still = sorted(set(notice.failing) - set(notice.started))
    if still:
        lines += ["Still failing:", *[f"  {n}: {notice.failing[n]}" for n in still], ""]
    if notice.ended:
        lines += ["Recovered:", *[f"  {n}" for n in notice.ended], ""]
    lines += [
        "`deskwatch health` shows every check; you get one mail when this set of failing",
        "checks changes again.",
    ]
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = mail_from
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("ops", domain=mail_from.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines) + "\n")
    return message


def notify(app: App, db: Database, *, now: datetime) -> Notice | None:
    """Check health; when the failing checks changed since the last notice, mail the operator
    and remember it. Returns the notice sent (None: nothing to say, or no `health.ops_email`).
    A DeliveryError leaves the last notice as it was (the next run tries again)."""
    to = app.config.health.ops_email
    if to is None:
        return None
    from alerts.channels import open_channel
    from pipeline.health import check
    from storage.archive_state import OPS_NOTICE, read_state, write_state
    from storage.locks import lock_for_write

    _facts, report = check(app, db, now=now)
    with db.session() as session:
        lock_for_write(session)  # two runs ending together: one of them tells
        previous = read_state(session, OPS_NOTICE)
        notice = change(previous, report)
        if notice is None:
            return None
        write_state(session, OPS_NOTICE, notice.state(), now=now)
    settings = app.mail
    message = compose(notice, mail_from=settings.mail_from, to=to, now=now)
    try:
        with open_channel(app.config.channel, settings) as channel:
            channel.send(message, to)
    except BaseException:
        with db.session() as session:
            write_state(session, OPS_NOTICE, previous or {"failing": []}, now=now)
        raise
    log.warning("told %s: %s", to, notice.subject)
    return notice
