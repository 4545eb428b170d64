"""Commands for alerts: subscriptions, subscribe, unsubscribe, alerts (and alerts retry), digest."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import typer

from core.errors import UsageError
from core.subscriptions import SubscriptionSpec, normalise_email
from deskwatch.archive import open_archive
from deskwatch.cli import state
from deskwatch.output import MAX_INT, CsvOption, Format, JsonOption, emit, pick, print_json

alerts_app = typer.Typer(invoke_without_command=True)
"""`deskwatch alerts` lists; `deskwatch alerts retry` re-queues (the callback's docstring is the
group's help, example included)."""


class Frequency(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class DigestFrequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


SUBSCRIPTION_COLUMNS = [
    "id",
    "email",
    "themes",
    "countries",
    "keywords",
    "frequency",
    "include_suggested",
    "origin",
]


def subscriptions(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include ended subscriptions."),
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """List the subscriptions (from the config file and from `deskwatch subscribe`).

    The config file's `subscriptions:` are synced at the start of each alert stage.

    Example: deskwatch subscriptions --json
    """
    from deskwatch.presenters import subscription_rows
    from storage.subscriptions import list_subscriptions

    fmt = pick(json_, csv_)
    with open_archive(state(ctx).app) as db, db.session() as session:
        rows = subscription_rows(list_subscriptions(session, include_ended=all_))
    if fmt is Format.TABLE:  # JSON and CSV keep true / false
        rows = [{**r, "include_suggested": "yes" if r["include_suggested"] else "no"} for r in rows]
    columns = SUBSCRIPTION_COLUMNS + (["ended_at"] if all_ else [])
    headers = {"ended_at": "ended", "include_suggested": "suggested"}
    emit(rows, columns, fmt, title="Subscriptions", headers=headers)


def subscribe(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The desk officer's email address."),
    theme: list[str] = typer.Option([], "--theme", "-t", help="A theme id (repeatable)."),
    country: list[str] = typer.Option(
        [], "--country", "-C", help="An ISO 3166-1 alpha-2 country code (repeatable)."
    ),
    keyword: list[str] = typer.Option(
        [], "--keyword", "-k", help="A word or phrase, case-insensitive (repeatable)."
    ),
    frequency: Frequency = typer.Option(
        Frequency.IMMEDIATE, "--frequency", "-f", help="immediate, daily or weekly."
    ),
    focus_only: bool = typer.Option(
        False, "--focus-only", help="Countries match only releases about them."
    ),
    include_suggested: bool = typer.Option(
        False,
        "--include-suggested",
        help="Themes the tagger only suggests (below its bar) alert too, as "
        "include_suggested: true does in the config file.",
    ),
    name: str | None = typer.Option(None, "--name", help="The subscriber's name, for the To line."),
    json_: bool = JsonOption,
) -> None:
    """Subscribe EMAIL to themes, countries or keywords.

    Example: deskwatch subscribe ukraine.desk@example.org --theme ukraine-support --country UA --keyword "grain corridor" --frequency daily
    """
    from deskwatch.presenters import subscription_rows
    from pipeline.stages.alert import check_spec
    from storage.subscriptions import add_subscription

    app = state(ctx).app
    spec = SubscriptionSpec.build(
        email,
        name=name,
        themes=theme,
        countries=country,
        keywords=keyword,
        frequency=frequency.value,
        focus_only=focus_only,
        include_suggested=include_suggested,
    )
    found = check_spec(app, spec)
    if found:
        raise UsageError(found[0])
    with open_archive(app, write=True) as db, db.session() as session:
        row, created = add_subscription(session, spec, now=datetime.now(UTC))
        data = subscription_rows([row])[0]
    if json_:
        print_json({**data, "created": created})
        return
    verb = "subscribed" if created else "already subscribed"
    typer.echo(f"{verb}: {spec.email} (id {data['id']}): {spec.describe()}")


def unsubscribe(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The email address to unsubscribe."),
    subscription_id: int | None = typer.Option(
        None,
        "--id",
        min=1,
        max=MAX_INT,
        help="End only this subscription (see deskwatch subscriptions).",
    ),
    all_: bool = typer.Option(False, "--all", help="End every subscription of EMAIL."),
) -> None:
    """End a subscription of EMAIL (its only one, the one given by --id, or --all of them).

    A subscription from the config file stays ended until its entry changes; remove the entry
    from the file as well. Someone left with no subscription gets no more mail: their queued
    alerts are cancelled.

    Example: deskwatch unsubscribe ukraine.desk@example.org --all
    """
    from storage import alerts as alert_store
    from storage.subscriptions import active_subscriptions, end_subscriptions

    if subscription_id is not None and all_:
        raise UsageError("choose one of --id and --all")
    address = normalise_email(email)
    now = datetime.now(UTC)
    with open_archive(state(ctx).app, write=True) as db, db.session() as session:
        ended = end_subscriptions(
            session, address, now=now, subscription_id=subscription_id, all_=all_
        )
        cancelled = 0
        if not active_subscriptions(session, email=address):
            cancelled = alert_store.cancel_pending(session, address)
    from_config = sum(1 for s in ended if s.origin == "config")
    note = f" ({from_config} from the config file: remove it there too)" if from_config else ""
    tail = f"; {cancelled} queued alert(s) cancelled" if cancelled else ""
    ids = ", ".join(str(s.id) for s in ended)
    typer.echo(f"unsubscribed {address}: ended subscription(s) {ids}{note}{tail}")


ALERT_COLUMNS = ["id", "status", "email", "title", "attempts", "sent_at", "last_error"]


@alerts_app.callback()
def alerts_list(
    ctx: typer.Context,
    failed: bool = typer.Option(False, "--failed", help="Only failed alerts."),
    status: list[str] = typer.Option(
        [],
        "--status",
        help="Only alerts with this status: pending, sending, sent, failed, "
        "cancelled (repeatable).",
    ),
    limit: int | None = typer.Option(
        100, "--limit", min=1, max=MAX_INT, help="At most this many rows."
    ),
    json_: bool = JsonOption,
    csv_: bool = CsvOption,
) -> None:
    """List alerts, newest first: pending, sent and failed, with attempts and the last error.

    An alert claimed by a sender that died (its lease of two minutes ran out unrenewed) shows
    as "stale claim", with how long it has been held; the next run sends it.
    `deskwatch alerts retry` re-queues the failed ones.

    Example: deskwatch alerts --failed --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from deskwatch.presenters import alert_rows
    from storage import alerts as alert_store

    statuses = list(status) + (["failed"] if failed else [])
    unknown = [s for s in statuses if s not in alert_store.STATUSES]
    if unknown:
        raise UsageError(
            f"unknown alert status {unknown[0]!r} (expected one of {', '.join(alert_store.STATUSES)})"
        )
    fmt = pick(json_, csv_)
    now = datetime.now(UTC)
    with open_archive(state(ctx).app) as db, db.session() as session:
        listed = alert_store.list_alerts(session, statuses=statuses, limit=limit)
        rows = alert_rows(listed)
        for row, (alert, _release) in zip(rows, listed, strict=True):
            row["claimed_at"] = alert.claimed_at
            row["claimed_by"] = alert.claimed_by
            if alert_store.is_stale(alert, now):
                # its sender died mid-batch: the next run takes it over
                row["status"] = STALE
                row["last_error"] = row["last_error"] or _held(alert.claimed_at, now)
    emit(rows, ALERT_COLUMNS, fmt, title="Alerts", headers={"sent_at": "sent"})


STALE = "stale claim"
"""How `deskwatch alerts` shows an alert whose sender stopped renewing its lease."""


def _held(claimed_at: datetime | None, now: datetime) -> str:
    minutes = int((now - claimed_at).total_seconds() // 60) if claimed_at else 0
    return f"claimed {minutes} min ago and not sent: the sender stopped; the next run sends it"


@alerts_app.command("retry")
def alerts_retry(
    ctx: typer.Context,
    alert_id: list[int] = typer.Option([], "--id", help="Only this failed alert (repeatable)."),
) -> None:
    """Re-queue failed alerts: they are sent by the next run (attempts start again from zero).

    Example: deskwatch alerts retry
    """
    from storage import alerts as alert_store

    with open_archive(state(ctx).app, write=True) as db, db.session() as session:
        count = alert_store.retry_failed(session, alert_ids=list(alert_id) or None)
    typer.echo(f"{count} failed alert(s) re-queued")


def digest(
    ctx: typer.Context,
    frequency: DigestFrequency = typer.Option(
        ..., "--frequency", "-f", help="daily or weekly: whose digests to send."
    ),
    json_: bool = JsonOption,
) -> None:
    """Send the daily or weekly digests now.

    One mail per subscriber listing every release matched since their last digest, grouped by
    theme; nobody gets an empty digest. The schedule (`deskwatch serve`) sends them at 08:00
    Europe/London, the weekly ones on Fridays.

    Example: deskwatch digest --frequency daily
    """
    from pipeline import steps

    app = state(ctx).app
    with open_archive(app, write=True) as db:
        counts = steps.send_digests(app, db, frequency=frequency.value, now=datetime.now(UTC))
    if json_:
        print_json(counts)
        return
    typer.echo(
        f"{counts['digests_sent']} {frequency.value} digest(s) sent covering "
        f"{counts['digest_alerts']} alert(s); {counts['digests_deferred']} deferred"
    )


def register(app: typer.Typer) -> None:
    app.command()(subscriptions)
    app.command()(subscribe)
    app.command()(unsubscribe)
    app.add_typer(alerts_app, name="alerts")
    app.command()(digest)
