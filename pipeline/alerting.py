"""The config keys for alerts: `subscriptions:` (who hears about what) and `smtp:` (how mail
leaves). Plain pydantic models; pipeline.config puts them on `Config`.

    subscriptions:
      - email: middle-east.desk@example.org
        name: Middle East desk
        themes: [middle-east-escalation]
        countries: [IL, PS]
        focus_only: true               # countries count only when the release is about them
        keywords: ['"humanitarian pause"', ceasefire]
        frequency: immediate           # immediate (default) | daily | weekly
    smtp:
      host: smtp.example.org           # none: mail is written to the outbox/ folder instead
      port: 587
      username: deskwatch
      password_file: /run/secrets/smtp # the password: DESKWATCH_SMTP_PASSWORD or a file, never here
      starttls: true
      mail_from: deskwatch@example.org
      coalesce_minutes: 60             # a page's versions within 60 min of its last mail: one mail

Every `smtp:` key but `coalesce_minutes` has a DESKWATCH_SMTP_* (or DESKWATCH_MAIL_FROM,
DESKWATCH_OUTBOX_DIR) environment variable, which wins over the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.subscriptions import valid_email


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionConfig(_Strict):
    email: str
    name: str | None = Field(default=None, max_length=200)
    themes: list[str] = Field(default_factory=list)
    """Theme ids of the taxonomy, e.g. ukraine-support."""
    countries: list[str] = Field(default_factory=list)
    """ISO 3166-1 alpha-2 codes, e.g. UA, PS, XK."""
    keywords: list[str] = Field(default_factory=list)
    """Whole words or phrases, case-insensitive; quotes around a phrase are optional."""
    frequency: Literal["immediate", "daily", "weekly"] = "immediate"
    focus_only: bool = False
    include_suggested: bool = False
    """Whether suggested tags (themes below the tagger's bar) may alert: off by default."""

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        value = value.strip().lower()
        if not valid_email(value):
            raise ValueError(f"invalid email address {value!r}")
        return value

    @model_validator(mode="after")
    def _something_to_match(self) -> SubscriptionConfig:
        if not (self.themes or self.countries or self.keywords):
            raise ValueError("a subscription needs at least one theme, country or keyword")
        return self


class SmtpConfig(_Strict):
    host: str | None = None
    port: int | None = Field(default=None, gt=0, lt=65536)
    """Default: 465 with ssl, else 587 with starttls, else 25."""
    username: str | None = None
    password_file: Path | None = None
    """A file holding the password (a Docker / Kubernetes secret); relative to the config file."""
    starttls: bool = False
    ssl: bool = False
    """Implicit TLS from the first byte (port 465)."""
    mail_from: str | None = None
    """The From address; default deskwatch@localhost."""
    timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=10, ge=1, le=100)
    """After this many failed attempts an alert is `failed` (deskwatch alerts retry re-queues)."""
    retry_delay_s: float = Field(default=60.0, ge=0)
    """The wait after the first failure; it doubles after each further failure."""
    max_retry_delay_s: float = Field(default=6 * 3600.0, ge=0)
    outbox_dir: Path | None = None
    """Where .eml files go when no host is set; default ./outbox; relative to the config file."""
    unsubscribe: str | None = None
    """The List-Unsubscribe address (mailto: or https:); default mailto:<mail_from>."""
    coalesce_minutes: float = Field(default=60.0, ge=0, le=7 * 24 * 60)
    """Successive versions of one page are one mail: a version fetched less than this many
    minutes after the last version mailed to someone waits until the window ends, then goes with
    every version that came meanwhile as one mail showing the net change. 0: only versions
    queued at the same moment are joined."""

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(
                "the SMTP password is never read from the config file: set "
                "DESKWATCH_SMTP_PASSWORD or DESKWATCH_SMTP_PASSWORD_FILE, or smtp.password_file"
            )
        return data

    @model_validator(mode="after")
    def _one_tls(self) -> SmtpConfig:
        if self.ssl and self.starttls:
            raise ValueError("choose one of ssl (implicit TLS) and starttls")
        return self

    @field_validator("mail_from")
    @classmethod
    def _valid_from(cls, value: str | None) -> str | None:
        if value is not None:
            check_mail_from(value)
        return value.strip() if value else value

    @field_validator("unsubscribe")
    @classmethod
    def _valid_unsubscribe(cls, value: str | None) -> str | None:
        if value is not None:
            check_unsubscribe(value)
        return value


def _has_control(value: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value)


def check_mail_from(value: str) -> None:
    """A From address as a mail header can carry it: ValueError otherwise. A CR or LF would
    end the header and start another (or fail every send): refused here, at load."""
    local, at, host = value.strip().rpartition("@")
    # a From address may name a host with no dot (deskwatch@localhost, the default)
    if _has_control(value) or not at or not local or not host or " " in value.strip():
        raise ValueError(f"invalid email address {value!r}")


def check_unsubscribe(value: str) -> None:
    """A List-Unsubscribe address: mailto: or https:, one word with no control characters
    (it is written into a header between angle brackets)."""
    if not value.startswith(("mailto:", "https:")):
        raise ValueError("unsubscribe must be a mailto: or https: address")
    if _has_control(value) or any(c.isspace() or c in "<>" for c in value):
        raise ValueError(f"unsubscribe {value!r}: no spaces, control characters or < >")


def resolve_paths(smtp: SmtpConfig, base: Path) -> None:
    """Make the config's relative paths relative to the config file's folder."""
    if smtp.password_file is not None and not smtp.password_file.is_absolute():
        smtp.password_file = (base / smtp.password_file).resolve()
    if smtp.outbox_dir is not None and not smtp.outbox_dir.is_absolute():
        smtp.outbox_dir = (base / smtp.outbox_dir).resolve()
