"""Alert stage: create alerts (the outbox) from committed tags and diffs, send immediate ones,
send digests.

    create_alerts   sync the config's subscriptions; match every tagged and diffed version not
                    yet checked (alerts.matching, pure); insert-or-skip the alerts and mark the
                    versions checked, in one transaction per batch; then the same for every
                    release withdrawn since (storage.withdrawals): one alert per subscriber and
                    withdrawal, the mail "<title>: withdrawn"
    send_alerts     claim due immediate alerts (a short lease, renewed while the batch goes),
                    compose (alerts.compose, pure), hand each to the configured channel
                    (alerts.channels; email: the mail server or the outbox folder), mark it sent
                    at the moment the channel accepted it; failures back off, and end `failed`
                    after N attempts. Successive versions of one page to one person are one
                    mail with the net change (alerts.coalesce): versions fetched within
                    `smtp.coalesce_minutes` of the version last mailed wait for the window to
                    end, then go together
    send_digests    the same for one daily or weekly period: one mail per subscriber

Mail is only ever sent from committed rows, after the ingest transaction, never inside it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from alerts.channels import Channel, ChannelUnavailable, open_channel
from alerts.compose import AlertItem, compose_alert, compose_digest
from alerts.diffview import render_diff
from alerts.digest import DIGEST_FREQUENCIES, period
from alerts.items import one_per_release
from alerts.mailer import MailSettings
from alerts.matching import Rule, plan_alerts, plan_withdrawal_alerts
from core.errors import DeliveryError, UsageError
from core.subscriptions import SubscriptionSpec, problems
from pipeline import mail_items
from pipeline.links import mail_links
from storage import alerts as outbox
from storage import withdrawals
from storage.subscriptions import sync_config_subscriptions

if TYPE_CHECKING:
    from pipeline.app import App
    from storage.db import Database

log = logging.getLogger("deskwatch.alerts")

CHECK_BATCH = 500
"""Versions matched per transaction."""
SEND_BATCH = 200
"""Alerts claimed at a time."""
DIGEST_CLAIM = 20_000
DEFAULT_DIGEST_TIMEZONE = "Europe/London"
RENEW = outbox.RENEW_AFTER
"""A sender renews its claims this often while it works through a batch."""

Clock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


# -- subscriptions --------------------------------------------------------------------------------


def known_countries() -> set[str]:
    import pycountry

    return {country.alpha_2 for country in pycountry.countries}


def known_themes(app: App) -> set[str]:
    """The theme ids of the taxonomy the tag stage uses."""
    from pipeline.stages.tag import taxonomy_for

    return set(taxonomy_for(app).theme_ids)


def check_spec(app: App, spec: SubscriptionSpec) -> list[str]:
    return problems(spec, known_themes=known_themes(app), known_countries=known_countries())


def config_specs(app: App) -> list[SubscriptionSpec]:
    """The config file's valid subscriptions: an entry with an unknown theme id, country code or
    a bad address is logged and skipped, never failing the run for the others (the run's
    summary and `deskwatch health` report it: pipeline.config_check)."""
    specs = []
    name = str(app.config.path) if app.config.path else "config"
    # the taxonomy is read only when some entry names a theme
    themes = known_themes(app) if any(e.themes for e in app.config.subscriptions) else set()
    countries = known_countries()
    for index, entry in enumerate(app.config.subscriptions):
        spec = SubscriptionSpec.build(
            entry.email,
            name=entry.name,
            themes=entry.themes,
            countries=entry.countries,
            keywords=entry.keywords,
            frequency=entry.frequency,
            focus_only=entry.focus_only,
            include_suggested=entry.include_suggested,
        )
        found = problems(spec, known_themes=themes, known_countries=countries)
        if found:
            log.warning("%s: subscriptions.%d: %s: skipped", name, index, found[0])
            continue
        specs.append(spec)
    return specs


def sync_subscriptions(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    specs = config_specs(app)
    with db.session() as session:
        result = sync_config_subscriptions(session, specs, now=now)
    if result.added or result.ended:
        log.info("subscriptions: %d added, %d ended from the config", result.added, result.ended)
    return {"subscriptions_added": result.added, "subscriptions_ended": result.ended}


# -- creating alerts -----------------------------------------------------------------------------


def create_alerts(app: App, db: Database, *, now: datetime, sync: bool = True) -> dict[str, int]:
    """Match every version that is tagged and diffed but not yet checked; record the alerts.
    `sync=False` when the run has synced the config's subscriptions already (pipeline.plan)."""
    counts = sync_subscriptions(app, db, now=now) if sync else {}
    created = checked = 0
    while True:
        with db.session() as session:
            versions = outbox.versions_to_check(session, limit=CHECK_BATCH)
            if not versions:
                break
            facts = mail_items.version_facts(session, versions)
            subscriptions = outbox.subscriptions_active_at(
                session, max(v.fetched_at for v in versions)
            )
            rules = [(s.created_at, _rule(s)) for s in subscriptions]
            planned = []
            followers: dict[int, set[tuple[str, str]]] = defaultdict(set)
            for version, fact in zip(versions, facts, strict=True):
                running = [rule for started, rule in rules if started <= version.fetched_at]
                # an earlier version of the same release alerted in this batch counts too
                known = followers[fact.release_id]
                fact = replace(fact, alerted=fact.alerted | known) if known else fact
                found = plan_alerts(running, [fact])
                known.update((a.email, a.frequency) for a in found)
                planned += found
            created += outbox.record_alerts(session, planned, [v.id for v in versions], now=now)
            checked += len(versions)
        if len(versions) < CHECK_BATCH:
            break
    if created:
        log.info("alerts: %d created from %d versions", created, checked)
    told, withdrawn = create_withdrawal_alerts(db, now=now)
    return {
        **counts,
        "alerts_created": created + told,
        "versions_matched": checked,
        "withdrawals_matched": withdrawn,
    }


def create_withdrawal_alerts(db: Database, *, now: datetime) -> tuple[int, int]:
    """Match every open withdrawal not yet checked against the subscriptions that were running
    when it was seen; record its alerts and mark it checked in one transaction, so that each
    subscriber is told of each withdrawal once. Returns (alerts created, withdrawals matched)."""
    created = checked = 0
    while True:
        with db.session() as session:
            pending = withdrawals.to_check(session, limit=CHECK_BATCH)
            if not pending:
                break
            facts = mail_items.withdrawal_facts(session, pending)
            subscriptions = outbox.subscriptions_active_at(session, max(w.seen_at for w in pending))
            rules = [(s.created_at, _rule(s)) for s in subscriptions]
            planned = []
            for withdrawal, fact in zip(pending, facts, strict=True):
                running = [rule for started, rule in rules if started <= withdrawal.seen_at]
                planned += plan_withdrawal_alerts(running, [(withdrawal.id, fact)])
            created += outbox.record_alerts(session, planned, [], now=now)
            withdrawals.mark_checked(session, [w.id for w in pending], now=now)
            checked += len(pending)
        if len(pending) < CHECK_BATCH:
            break
    if created:
        log.info("alerts: %d created from %d withdrawals", created, checked)
    return created, checked


def _rule(row: Any) -> Rule:
    return Rule(
        subscription_id=row.id,
        email=row.email,
        frequency=row.frequency,
        themes=tuple(row.themes),
        countries=tuple(row.countries),
        keywords=tuple(row.keywords),
        focus_only=row.focus_only,
        include_suggested=row.include_suggested,
    )


# -- sending ------------------------------------------------------------------------------------------


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]


class _Batch:
    """Sends composed messages one by one through the channel and records each outcome in its
    own transaction. An outage stops the sends: the rest of the batch is deferred."""

    def __init__(
        self,
        db: Database,
        settings: MailSettings,
        channel: Channel,
        now: datetime,
        *,
        worker: str | None = None,
        clock: Clock | None = None,
    ):
        self.db, self.settings, self.channel, self.now = db, settings, channel, now
        self.worker = worker
        self.clock = clock or _wall_clock
        self.started = self.renewed = time.monotonic()
        self.outage: ChannelUnavailable | None = None
        self.sent = self.failed = self.deferred = 0

    def renew(self) -> None:
        """Keep this sender's claims: extend the lease once RENEW_AFTER has passed since the
        last renewal (claim times stay in the frame of the run's `now`)."""
        if self.worker is None or time.monotonic() - self.renewed < RENEW.total_seconds():
            return
        self.renewed = time.monotonic()
        at = self.now + timedelta(seconds=self.renewed - self.started)
        with self.db.session() as session:
            outbox.renew_claims(session, worker=self.worker, now=at)

    def deliver(
        self, alert_ids: list[int], email: str, message: Any, digest_key: str | None = None
    ) -> bool:
        self.renew()
        if self.outage is None:
            try:
                receipt = self.channel.send(message, email)
                accepted = self.clock()
            except ChannelUnavailable as exc:
                self.outage = exc
                log.warning("alert channel unavailable: %s", exc)
            except DeliveryError as exc:
                log.warning("alert to %s not delivered: %s", email, exc)
                self._failure(alert_ids, str(exc), permanent=exc.permanent)
                return False
            else:
                with self.db.session() as session:
                    outbox.mark_sent(
                        session,
                        alert_ids,
                        now=accepted,
                        message_id=receipt.message_id,
                        digest_key=digest_key,
                    )
                self.sent += 1
                return True
        self._failure(alert_ids, str(self.outage), permanent=False)
        return False

    def _failure(self, alert_ids: list[int], error: str, *, permanent: bool) -> None:
        with self.db.session() as session:
            failed = outbox.mark_failure(
                session,
                alert_ids,
                now=self.now,
                error=error,
                permanent=permanent,
                max_attempts=self.settings.max_attempts,
                first_delay=self.settings.retry_delay_s,
                max_delay=self.settings.max_retry_delay_s,
            )
        self.failed += failed
        self.deferred += len(alert_ids) - failed


def send_alerts(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    """Send every due immediate alert; then retry digests whose last attempt failed."""
    settings = app.mail
    worker = _worker()
    render = render_diff
    names: dict[str, str] | None = None
    links = mail_links(app)
    with open_channel(app.config.channel, settings) as channel:
        batch = _Batch(db, settings, channel, now, worker=worker)
        window = timedelta(minutes=settings.coalesce_minutes)
        while batch.outage is None:
            with db.session() as session:
                claimed = outbox.claim(
                    session, frequencies=["immediate"], now=now, worker=worker, limit=SEND_BATCH
                )
                leaders, groups = mail_items.coalesce(session, claimed, now=now, window=window)
                items = mail_items.alert_items(session, leaders, render_diff=render, groups=groups)
                subs = mail_items.subscriptions_by_email(session)
            failures_before = batch.failed + batch.deferred
            if leaders and names is None:
                names = mail_items.theme_names(app)
            for alert in leaders:
                item = items[alert.id]
                envelope = mail_items.envelope(
                    settings, alert.email, subs.get(alert.email, []), now, names, links
                )
                batch.deliver(list(item.carried), alert.email, compose_alert(item, envelope))
            # a failed alert is due again only after its back-off: stop rather than spin
            if len(claimed) < SEND_BATCH or batch.failed + batch.deferred > failures_before:
                break
        counts = {"alerts_sent": batch.sent, "alerts_failed": batch.failed}
        counts["alerts_deferred"] = batch.deferred
        if batch.outage is None:
            for frequency in DIGEST_FREQUENCIES:
                retried = _send_digests(app, db, settings, channel, frequency, now, retries=True)
                counts["digests_sent"] = counts.get("digests_sent", 0) + retried["digests_sent"]
    if batch.sent or batch.failed or batch.deferred:
        log.info(
            "alerts via %s: %d sent, %d deferred, %d failed",
            channel.describe(),
            batch.sent,
            batch.deferred,
            batch.failed,
        )
    return counts


def digest_timezone(app: App, frequency: str) -> str:
    schedule = getattr(app.config, "schedule", None)
    if schedule is None:
        return DEFAULT_DIGEST_TIMEZONE
    entry = getattr(schedule, f"{frequency}_digest", None)
    timezone_of = getattr(schedule, "timezone_of", None)
    if entry is not None and timezone_of is not None:
        return str(timezone_of(entry))
    return str(getattr(schedule, "timezone", DEFAULT_DIGEST_TIMEZONE))


def send_digests(
    app: App, db: Database, *, frequency: str, now: datetime, period_at: datetime | None = None
) -> dict[str, int]:
    """One digest per subscriber of `frequency` (daily or weekly) with every alert queued for
    them up to `now`, grouped by theme, for the day or week of `period_at` (default `now`: a
    scheduled digest that starts late names its scheduled day and still carries what was queued
    while it waited). Nobody gets an empty digest."""
    if frequency not in DIGEST_FREQUENCIES:
        raise UsageError(f"unknown digest frequency {frequency!r} (expected daily or weekly)")
    settings = app.mail
    with open_channel(app.config.channel, settings) as channel:
        return _send_digests(
            app, db, settings, channel, frequency, now, retries=False, period_at=period_at
        )


def _send_digests(
    app: App,
    db: Database,
    settings: MailSettings,
    channel: Channel,
    frequency: str,
    now: datetime,
    *,
    retries: bool,
    period_at: datetime | None = None,
) -> dict[str, int]:
    """`retries=True` sends only the digests whose earlier attempt failed and that are due
    again (send_alerts calls it on every run, so a digest missed in an outage is not a day
    late)."""
    key, label = period(frequency, period_at or now, digest_timezone(app, frequency))
    worker = _worker()
    with db.session() as session:
        claimed = outbox.claim(
            session,
            frequencies=[frequency],
            now=now,
            worker=worker,
            limit=DIGEST_CLAIM,
            created_before=now,
            retries_only=retries,
        )
        # versions of one page in one digest are one entry (no hold: a digest goes once)
        leaders, groups = mail_items.coalesce(session, claimed, now=now, window=timedelta(0))
        items = mail_items.alert_items(session, leaders, render_diff=None, groups=groups)
        subs = mail_items.subscriptions_by_email(session)
    by_email: dict[str, list[AlertItem]] = defaultdict(list)
    for alert in leaders:
        by_email[alert.email].append(items[alert.id])
    batch = _Batch(db, settings, channel, now, worker=worker)
    names: dict[str, str] | None = None
    links = mail_links(app)
    for email, group in by_email.items():
        group[:] = one_per_release(group)  # a withdrawal goes in its release's entry
        group.sort(key=lambda item: (item.published_at is None, item.published_at, item.alert_id))
        names = names if names is not None else mail_items.theme_names(app)
        envelope = mail_items.envelope(settings, email, subs.get(email, []), now, names, links)
        message = compose_digest(
            group, envelope, frequency=frequency, period_key=key, period_label=label
        )
        batch.deliver(
            [i for item in group for i in item.carried],
            email,
            message,
            digest_key=f"{frequency}:{key}",
        )
    return {
        "digests_sent": batch.sent,
        "digest_alerts": sum(len(item.carried) for g in by_email.values() for item in g),
        "digests_deferred": len(by_email) - batch.sent,
    }
