"""The stored rows an alert mail is made from, as plain records: storage.mail_rows reads them
(`mail_rows`), alerts.items decides what the mail shows. Frozen dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ReleaseRow:
    id: int
    title: str
    url: str | None = None
    published_at: datetime | None = None
    first_seen_at: datetime | None = None
    updated_at: datetime | None = None
    """The publisher's updated time of the release (a GOV.UK item may give only this)."""


@dataclass(frozen=True)
class VersionRow:
    """A release version with what the mail says of its release: the release and the source."""

    id: int
    number: int
    title: str
    release: ReleaseRow
    source: str
    change_note: str | None = None
    updated_at: datetime | None = None
    """The version's own time: when the publisher says it was updated, else when it was fetched
    (a version 5 of 9 October is not "published 1 October")."""
    text_kind: str | None = None
    """"full", "summary" (only the feed's summary: its link not followed), None: unknown."""


@dataclass(frozen=True)
class ChangeRow:
    """A stored diff (the `changes` table); `payload` is its JSON as stored
    (diffing.model.Diff.payload)."""

    id: int
    version_id: int
    kind: str  # version | statement
    basis: str  # "version", "theme:<id>", "country:<code>"
    against_release_id: int
    created_at: datetime
    payload: Any = None
    classification: str | None = None
    silent_edit: bool = False


@dataclass(frozen=True)
class WithdrawalRow:
    """A release's withdrawal (the `withdrawals` table): `ended` when the notice has gone."""

    id: int
    release_id: int
    reason: str
    withdrawn_at: datetime
    ended: bool = False


@dataclass(frozen=True)
class AlertRow:
    id: int
    version_id: int
    reasons: tuple[dict[str, Any], ...] = ()
    """The stored reasons (core.alert_facts.Reason.to_dict)."""
    withdrawal_id: int | None = None
    """Set for an alert of the release's withdrawal rather than of a version."""
    carries: tuple[int, ...] = ()
    """For a mail that coalesces successive versions: every alert it stands for (this one
    last); empty for a mail of one alert."""
    first_number: int | None = None
    """For a coalesced mail: the first version it covers."""
    net_change: ChangeRow | None = None
    """For a coalesced mail: the change from the version before the first one it covers to this
    one (the net change), in place of this version's own version change."""


@dataclass(frozen=True)
class MailRows:
    """Everything the mails of some alerts show, keyed by id: each alert's version, the changes
    of each version (oldest first), the earlier releases those changes compare against, and the
    names of the versions' tags."""

    alerts: tuple[AlertRow, ...] = ()
    versions: dict[int, VersionRow] = field(default_factory=dict)
    changes: dict[int, tuple[ChangeRow, ...]] = field(default_factory=dict)
    earlier: dict[int, ReleaseRow] = field(default_factory=dict)
    labels: dict[int, dict[str, str]] = field(default_factory=dict)
    withdrawals: dict[int, WithdrawalRow] = field(default_factory=dict)
    """By id: the withdrawals the alerts tell of, and the open withdrawal of each alert's
    release (a version's mail says its release is withdrawn)."""
    """The names of each version's tags, by basis ("theme:<id>" -> "Middle East escalation"),
    so a diff on a basis the alert did not match is still headed by a name, not an id."""
