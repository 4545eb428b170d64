"""Alert and digest emails from plain records, with the Jinja2 templates in alerts/templates/.
Pure: no database, no network.

Every mail is multipart/alternative (plain text, then HTML). All release text goes through
Jinja2's autoescaping in the HTML part; header values (subject, display names) lose newlines and
control characters, so a title cannot inject a header.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from alerts.matching import Evidence, Reason, headline_reason, one_line
from alerts.wording import MoveLine, rule_words
from core.records import Withdrawal
from core.release_dates import FIRST_SEEN, release_date

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_MAX = 180
SENTENCE_MAX = 400
"""A sentence shown beside a move is cut here (`deskwatch diff` shows it whole)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class DiffSummary:
    """A stored change as the mail shows it: statement diff (basis theme/country) or version
    diff (basis "version")."""

    basis: str
    basis_label: str
    against_title: str | None = None
    against_date: datetime | None = None
    against_url: str | None = None
    new_phrases: tuple[str, ...] = ()
    dropped_phrases: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reworded: tuple[tuple[str, str], ...] = ()
    """(earlier sentence, new sentence) pairs."""
    more: int = 0
    """Sentences of the stored diff left out of the mail."""
    classification: str | None = None
    silent_edit: bool = False
    change_note: str | None = None
    html: str | None = None
    """Ready, escaped HTML of the full diff (alerts.diffview), shown in the HTML part."""
    moves: tuple[MoveLine, ...] = ()
    """The top moves, most significant first, in words (alerts.wording): the mail leads with
    them."""
    details: tuple[str, ...] = ()
    """What changed without the policy changing (names, dates, numbers), shown apart, short."""
    baseline: str | None = None
    """The line saying what a statement diff was compared with, or why it was not."""

    @property
    def baseline_text(self) -> str:
        """`baseline`, else a line made from the earlier release's title and date."""
        if self.baseline:
            return self.baseline
        title = self.against_title or "an earlier statement"
        return f"Compared with the last statement on {self.basis_label}: {title} ({_date(self.against_date)})"


@dataclass(frozen=True)
class AlertItem:
    """One release version in a mail."""

    alert_id: int
    release_id: int
    version_id: int
    version_number: int
    title: str
    published_at: datetime | None
    source: str
    url: str | None
    reasons: tuple[Reason, ...]
    statement_diffs: tuple[DiffSummary, ...] = ()
    version_diff: DiffSummary | None = None
    updated_at: datetime | None = None
    """The version's own time (the header says "Updated <date>" for a version after the first)."""
    top_change: str | None = None
    """The most significant move, in words: the subject names it after the title."""
    alert_ids: tuple[int, ...] = ()
    """Every alert this mail carries: the alert itself and, when successive versions were
    coalesced into one mail, the earlier ones it stands for."""
    first_version_number: int | None = None
    """For a coalesced mail: the version its net change starts from."""
    release_updated_at: datetime | None = None
    """The publisher's updated time of the release, when it gives no published time."""
    first_seen_at: datetime | None = None
    """When deskwatch first saw the release: its date when the publisher gives none."""
    withdrawal: Withdrawal | None = None
    """The release's withdrawal by its publisher, when it is withdrawn: the mail says so."""
    is_withdrawal: bool = False
    """This mail tells of the withdrawal (subject "<title>: withdrawn"), not of a version."""
    from_summary: bool = False
    """The version's text is only the feed's summary (its link was not followed): the
    dateline says so."""

    @property
    def carried(self) -> tuple[int, ...]:
        return self.alert_ids or (self.alert_id,)


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    to: str
    to_name: str | None = None
    from_name: str = "deskwatch"
    unsubscribe: str | None = None
    """A mailto: or https: address for List-Unsubscribe (smtp.unsubscribe); default
    mailto:<from>?subject=... . The reading room's link, when there is one, replaces it, but a
    mailto: stays as the header's second choice."""
    date: datetime | None = None
    subscriptions: tuple[str, ...] = field(default=())
    """One line per subscription of the recipient, for the foot of the mail."""
    one_click: str | None = None
    """The reading room's signed unsubscribe link for this recipient (core.tokens): named by
    List-Unsubscribe, with List-Unsubscribe-Post (RFC 8058) when it is https, and by the foot."""
    manage: str | None = None
    """The reading room's signed link to the recipient's subscriptions page, in the foot."""


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line: control characters (CR, LF, tab, NUL, bidi overrides ...) become spaces, runs of
    spaces collapse, and the result is cut at `limit` characters with an ellipsis."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


SUBJECT_TITLE_MAX = 90
"""The release's title in a subject is cut here, so its top change always shows."""


def subject_for(item: AlertItem) -> str:
    """`[deskwatch] Israel travel advice: now advises against all travel`: the release and its
    top change; without one (a new release with nothing to compare), the matched reason and the
    title; for a withdrawal, `<title>: withdrawn`. One line, header-safe, at most SUBJECT_MAX
    characters."""
    if item.is_withdrawal:
        title = header_text(item.title, SUBJECT_TITLE_MAX).rstrip(" :.")
        return header_text(f"[deskwatch] {title}: withdrawn")
    if not item.top_change:
        return header_text(f"[deskwatch] {headline_reason(item.reasons)} · {item.title}")
    title = header_text(item.title, SUBJECT_TITLE_MAX).rstrip(" :.")
    return header_text(f"[deskwatch] {title}: {item.top_change}")


def digest_subject(frequency: str, period_label: str, count: int) -> str:
    noun = "release" if count == 1 else "releases"
    return header_text(
        f"[deskwatch] {frequency.capitalize()} digest · {count} {noun} · {period_label}"
    )


def highlight_html(evidence: Evidence) -> Markup:
    """The sentence, escaped, with each marked span in <mark>."""
    out: list[str] = []
    pos = 0
    for start, end in _merged(evidence.spans, len(evidence.sentence)):
        out.append(str(escape(evidence.sentence[pos:start])))
        out.append(
            '<mark style="background:#fff1a8;color:#1b1b1b;padding:0 2px">'
            + str(escape(evidence.sentence[start:end]))
            + "</mark>"
        )
        pos = end
    out.append(str(escape(evidence.sentence[pos:])))
    return Markup("".join(out))


def highlight_text(evidence: Evidence) -> str:
    """The sentence with each marked span in *asterisks*."""
    out: list[str] = []
    pos = 0
    for start, end in _merged(evidence.spans, len(evidence.sentence)):
        out += [evidence.sentence[pos:start], "*", evidence.sentence[start:end], "*"]
        pos = end
    out.append(evidence.sentence[pos:])
    return "".join(out)


def _merged(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, a), min(length, b)) for a, b in spans if a < b):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def public_url(value: object) -> str | None:
    """`value` when it is an address a reader can open (http or https with a host), else None:
    a `file:` key, a local path, `javascript:` or `data:` is never shown or linked in a mail."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    lowered = text.lower()
    if not lowered.startswith(("https://", "http://")) or len(lowered.split("/")) < 3:
        return None
    return text if lowered.split("/")[2] else None


def _date(value: datetime | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "date not given"


def dateline(item: AlertItem) -> str:
    """ "Published 7 November 2023" for a first version, "Updated 9 October 2023" when the
    publisher gives only an updated time, "First seen 27 November 2026" when it gives no date
    (a `page` source: core.release_dates); "Updated 9 October 2023 · version 5" for a later
    version: the version's own time, not the release's first publication. A text that is only
    the feed's summary adds " · from the feed's summary"."""
    note = " · from the feed's summary" if item.from_summary else ""
    if item.version_number > 1:
        return f"Updated {_date(item.updated_at or item.published_at)} · {versions(item)}{note}"
    when, kind = release_date(item.published_at, item.release_updated_at, item.first_seen_at)
    if when is None and item.updated_at is not None:  # no release times at all: the version's
        when, kind = item.updated_at, FIRST_SEEN
    return f"{kind.capitalize()} {_date(when)}{note}"


def withdrawn_line(withdrawal: Withdrawal) -> str:
    """ "Withdrawn: <the publisher's reason> (3 December 2026)": the line every mail about a
    withdrawn release carries."""
    reason = header_text(withdrawal.reason, 10_000) or "the publisher gave no reason"
    return f"Withdrawn: {reason} ({_date(withdrawal.withdrawn_at)})"


def versions(item: AlertItem) -> str:
    """ "version 5", or "versions 3 to 5" for a mail that coalesced several."""
    first = item.first_version_number
    if first is not None and first < item.version_number:
        return f"versions {first} to {item.version_number}"
    return f"version {item.version_number}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=lambda name: bool(name and ".html" in name),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["highlight_html"] = highlight_html
    env.filters["highlight_text"] = highlight_text
    env.filters["date"] = _date
    env.filters["one_line"] = one_line
    env.filters["safe_line"] = lambda v: header_text(str(v), 10_000)
    env.filters["short"] = lambda v: header_text(str(v), SENTENCE_MAX)
    env.filters["dateline"] = dateline
    env.filters["versions"] = versions
    env.filters["withdrawn_line"] = withdrawn_line
    env.filters["rule_words"] = rule_words
    # only http(s) addresses become links: a release's url could say javascript: or data:
    env.tests["web"] = lambda v: public_url(v) is not None
    return env


_ENV = _environment()


def _unsubscribe(envelope: Envelope) -> str:
    """The address the foot's "unsubscribe" names: the reading room's link, else smtp's."""
    if envelope.one_click:
        return envelope.one_click
    if envelope.unsubscribe:
        return envelope.unsubscribe
    subject = quote(f"unsubscribe {envelope.to}")
    return f"mailto:{envelope.mail_from}?subject={subject}"


def list_unsubscribe(envelope: Envelope) -> tuple[str, bool]:
    """The List-Unsubscribe header (RFC 2369) and whether it offers RFC 8058's one-click POST:
    the reading room's link (followed by smtp.unsubscribe when that is a mailto:), else the one
    address of `_unsubscribe`. One-click needs an https link first."""
    first = _unsubscribe(envelope)
    uris = [first]
    if envelope.one_click and (envelope.unsubscribe or "").startswith("mailto:"):
        uris.append(str(envelope.unsubscribe))
    return ", ".join(f"<{uri}>" for uri in uris), first.startswith("https:")


class _UriList(str):
    """A header of <URI>s (RFC 2369) that the email package must not re-encode: left to itself it
    turns a signed link longer than a line into RFC 2047 encoded words, which no mail client reads
    as a URI. Folded only between its URIs (an unfolded line may be 998 characters)."""

    name: str

    def __new__(cls, name: str, value: str) -> _UriList:
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (self.name, str(self))

    def fold(self, *, policy: Any) -> str:
        """The email package's folding hook (email.policy.EmailPolicy.fold)."""
        separator = "," + policy.linesep + " "
        return f"{self.name}: " + separator.join(self.split(", ")) + policy.linesep


def message_id(kind: str, key: str, envelope: Envelope, alert_ids: Sequence[int] = ()) -> str:
    """A Message-ID derived from what the message carries: the same every time the same alerts
    are composed for the same recipient (a retried send is recognisably the same message), and
    different for any other set of alerts (seven digests to one desk are seven messages)."""
    domain = envelope.mail_from.rpartition("@")[2] or "deskwatch.invalid"
    carried = ",".join(str(i) for i in sorted(set(alert_ids)))
    token = hashlib.sha256(f"{kind}|{key}|{envelope.to}|{carried}".encode()).hexdigest()[:16]
    safe_key = re.sub(r"[^A-Za-z0-9.-]", "-", key)
    return f"<deskwatch.{kind}.{safe_key}.{token}@{domain}>"


def _message(subject: str, envelope: Envelope, text: str, html: str, msgid: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = header_text(subject)
    msg["From"] = Address(
        display_name=header_text(envelope.from_name, 100), addr_spec=envelope.mail_from
    )
    msg["To"] = Address(
        display_name=header_text(envelope.to_name or "", 100), addr_spec=envelope.to
    )
    if envelope.date is not None:
        msg["Date"] = format_datetime(envelope.date)
    msg["Message-ID"] = msgid
    header, one_click = list_unsubscribe(envelope)
    msg["List-Unsubscribe"] = _UriList("List-Unsubscribe", header) if header.isascii() else header
    if one_click:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def compose_alert(item: AlertItem, envelope: Envelope) -> EmailMessage:
    """The mail for one alert: why it matched, the evidence, the statement and version diffs."""
    subject = subject_for(item)
    context = {
        "item": item,
        "envelope": envelope,
        "subject": subject,
        "unsubscribe": _unsubscribe(envelope),
    }
    text = _ENV.get_template("alert.txt.j2").render(context)
    html = _ENV.get_template("alert.html.j2").render(context)
    msgid = message_id("alert", f"{item.alert_id}.v{item.version_id}", envelope, item.carried)
    return _message(subject, envelope, text, html, msgid)


def group_by_headline(items: Sequence[AlertItem]) -> list[tuple[str, list[AlertItem]]]:
    """Digest sections: items grouped by their headline reason (theme, else country, else
    keyword), sections and items in first-seen order."""
    groups: dict[str, list[AlertItem]] = {}
    for item in items:
        groups.setdefault(headline_reason(item.reasons), []).append(item)
    return list(groups.items())


def compose_digest(
    items: Sequence[AlertItem],
    envelope: Envelope,
    *,
    frequency: str,
    period_key: str,
    period_label: str,
) -> EmailMessage:
    """One mail listing every matched release of the period, grouped by theme. `items` must not
    be empty: an empty digest is never sent."""
    if not items:
        raise ValueError("an empty digest is never sent")
    subject = digest_subject(frequency, period_label, len(items))
    context = {
        "items": items,
        "groups": group_by_headline(items),
        "envelope": envelope,
        "frequency": frequency,
        "period_label": period_label,
        "subject": subject,
        "unsubscribe": _unsubscribe(envelope),
    }
    text = _ENV.get_template("digest.txt.j2").render(context)
    html = _ENV.get_template("digest.html.j2").render(context)
    msgid = message_id(
        "digest", f"{frequency}.{period_key}", envelope, [i for item in items for i in item.carried]
    )
    return _message(subject, envelope, text, html, msgid)
