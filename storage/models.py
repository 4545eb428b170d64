"""The archive's tables (SQLAlchemy 2 declarative models).

Raw content is immutable: a `ReleaseVersion` is written once and never updated. Tags, changes
(diffs) and phrase uses are derived data that `deskwatch retag` / `deskwatch rediff` can rebuild.
All timestamps are stored as UTC; `UTCDateTime` gives them back timezone-aware on SQLite too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A configured source. Rows are synced from the config on every run; a source removed from
    the config is kept (its releases stay) but marked disabled."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    releases: Mapped[list[Release]] = relationship(back_populates="source")


class Release(Base):
    """One statement, identified by its canonical key (normalised URL, `file:` path or entry id)."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(2000), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    entry_id: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str | None] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(300))
    document_type: Mapped[str | None] = mapped_column(String(100), index=True)
    withdrawn_notice: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship(back_populates="releases")
    versions: Mapped[list[ReleaseVersion]] = relationship(
        back_populates="release", order_by="ReleaseVersion.number"
    )


class ReleaseVersion(Base):
    """One content of a release, written once, each time the normalised text differs from the
    latest version (a text that goes back to an earlier wording is a new version too: removing a
    warning is news). `sha256` is over the normalised text, so whitespace or typographic edits do
    not make a new version."""

    __tablename__ = "release_versions"
    __table_args__ = (UniqueConstraint("release_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    title: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(200))
    raw_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    change_note: Mapped[str | None] = mapped_column(Text)
    publisher_updated_at: Mapped[datetime | None]
    publisher_links: Mapped[list[Any]] = mapped_column(default=list)
    # derived-data bookkeeping: which taxonomy / differ last processed this version
    tagged_with: Mapped[str | None] = mapped_column(String(100))
    diffed_with: Mapped[str | None] = mapped_column(String(100))
    # what the tag stage found of the text: its language ("en", "ar", ...; None when unknown)
    # and, when the rules left it untagged on purpose, why (migration 0007)
    language: Mapped[str | None] = mapped_column(String(20))
    untagged_reason: Mapped[str | None] = mapped_column(Text)
    # where the text came from (core.records.TEXT_KINDS): "full" (the page, or a feed entry's
    # own content) or "summary" (a feed entry's summary, its link not followed); None for a
    # version stored before migration 0013 (unknown)
    text_kind: Mapped[str | None] = mapped_column(String(20))

    release: Mapped[Release] = relationship(back_populates="versions")


class SourceRun(Base):
    """What happened when one source was read in one run."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # running, ok, not_modified, partial (some items failed), error
    status: Mapped[str] = mapped_column(String(20), default="running")
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    items_seen: Mapped[int] = mapped_column(default=0)
    new_releases: Mapped[int] = mapped_column(default=0)
    new_versions: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[float | None] = mapped_column(Float)


class HttpCacheEntry(Base):
    """Validators for conditional GET, per URL, plus the hash of the last body seen."""

    __tablename__ = "http_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tag(Base):
    """A country, region, theme or person tag of one release version, with its evidence."""

    __tablename__ = "tags"
    __table_args__ = (
        Index("ix_tags_kind_value", "kind", "value"),
        Index("ix_tags_release_id_kind", "release_id", "kind"),
        # search facets and filters: the versions carrying a tag, from the index alone
        # (migration 0002); with every other column the theme and country pages read of a tag,
        # so that they count a common tag from the index alone too (0010)
        Index(
            "ix_tags_kind_value_version_id",
            "kind",
            "value",
            "version_id",
            "status",
            "origin",
            "focus",
            "release_id",
        ),
        UniqueConstraint("version_id", "kind", "value", "origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # country, region, theme, person
    value: Mapped[str] = mapped_column(String(300))
    label: Mapped[str | None] = mapped_column(String(300))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # rule | publisher | translation (copied from the English original of a translation)
    origin: Mapped[str] = mapped_column(String(20), default="rule")
    focus: Mapped[bool] = mapped_column(Boolean, default=False)
    # tagged (the evidence is enough) | suggested (some evidence, below the bar: shown and
    # searchable, never alerting unless a subscription asks for suggested tags)
    status: Mapped[str] = mapped_column(String(20), default="tagged", server_default="tagged")
    # evidence: a list of {"text", "start", "end", "sentence"} (character offsets into the
    # version's text); plus role for people.
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    taxonomy_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Change(Base):
    """A diff: a version change of one release, or a statement diff of a release against an
    earlier statement sharing a theme or country. `payload` holds added / removed / changed
    sentences and new / dropped phrases (see diffing.model)."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("version_id", "against_version_id", "basis", "algorithm_version"),
        Index("ix_changes_release_id_kind", "release_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # version | statement
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"))
    against_release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    against_version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"))
    basis: Mapped[str] = mapped_column(String(200))  # "version", "theme:<id>", "country:<code>"
    classification: Mapped[str | None] = mapped_column(String(20))  # trivial|minor|substantive
    has_change_note: Mapped[bool] = mapped_column(Boolean, default=False)
    silent_edit: Mapped[bool] = mapped_column(Boolean, default=False)
    similarity: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    algorithm_version: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhraseUse(Base):
    """A phrase a release version used: recorded once per version (its themes and countries are
    the version's tags, joined when a history is read), and only lexicon formulae and the
    version's top key phrases (diffing.history), so the rows stay in proportion to the text."""

    __tablename__ = "phrase_uses"
    __table_args__ = (
        UniqueConstraint("phrase", "version_id"),
        Index("ix_phrase_uses_phrase_used_at", "phrase", "used_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(300))
    weight: Mapped[float] = mapped_column(Float, default=0.0)  # the lexicon's; 0 for key phrases
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"), index=True)
    used_at: Mapped[datetime]  # the version's own time (storage.changes.version_time)


class Subscription(Base):
    """What one desk officer wants to hear about. Config-declared rows carry origin='config' and
    are synced from the file; CLI-made rows carry origin='cli'. Ended rows keep ended_at."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    themes: Mapped[list[Any]] = mapped_column(default=list)
    countries: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    frequency: Mapped[str] = mapped_column(String(20), default="immediate")
    focus_only: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(20), default="config")
    config_key: Mapped[str | None] = mapped_column(String(64))
    # whether suggested tags (below the tagger's bar) may alert this subscription
    include_suggested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # why it ended: "config" (removed from the file) or "unsubscribed" (deskwatch unsubscribe; a
    # config entry ended this way is not brought back by the next sync)
    ended_reason: Mapped[str | None] = mapped_column(String(20))


class Withdrawal(Base):
    """A release's withdrawal by its publisher (GOV.UK's withdrawn notice): one row per
    (release, withdrawn_at), so a withdrawal seen on every run is one fact, and a second
    withdrawal at another time is another (migration 0011). `version_id` is the release's
    version when it was seen withdrawn (the body usually stays as it was); `ended_at` is set when
    the notice went away or another withdrawal replaced it; `checked_at` when the alert stage
    matched it against the subscriptions (set at once for a release first seen withdrawn: its
    new-release mail says so)."""

    __tablename__ = "withdrawals"
    __table_args__ = (UniqueConstraint("release_id", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"))
    reason: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None] = mapped_column(index=True)


class Alert(Base):
    """The outbox: one row per (subscriber, release version, frequency), so however often the
    pipeline runs, or however many runs overlap, an alert exists once and is sent once. An alert
    of a withdrawal (`withdrawal_id`) is one row per (subscriber, withdrawal, frequency)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_version",
            "email",
            "version_id",
            "frequency",
            unique=True,
            sqlite_where=sql_text("withdrawal_id IS NULL"),
            postgresql_where=sql_text("withdrawal_id IS NULL"),
        ),
        Index("uq_alerts_withdrawal", "email", "withdrawal_id", "frequency", unique=True),
        Index("ix_alerts_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"))
    frequency: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    # pending -> sending (claimed) -> sent | failed ; digests: pending until the digest goes out
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(500))
    digest_key: Mapped[str | None] = mapped_column(String(200))
    withdrawal_id: Mapped[int | None] = mapped_column(ForeignKey("withdrawals.id"))


class AlertCheck(Base):
    """A release version that the alert stage has matched against the subscriptions (whether or
    not anything matched), so each version is considered once however often the pipeline runs."""

    __tablename__ = "alert_checks"

    version_id: Mapped[int] = mapped_column(ForeignKey("release_versions.id"), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lock(Base):
    """A named lease, for work that must not run twice at once on SQLite (Postgres uses row locks
    and advisory locks where it can)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ArchiveState(Base):
    """A few facts about how the archive is run, one JSON value per key (storage.archive_state):
    the config it was last run with, the failing checks last told to the operator."""

    __tablename__ = "archive_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
