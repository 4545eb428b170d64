"""What an alert mail shows, decided from plain stored rows (core.mail_rows). Pure.

    the version diff        the newest change of kind "version", for a version after the first
    the statement diffs     on the bases the alert matched (its themes, then its countries); for
                            a keyword-only match, the release's own statement diffs; at most
                            MAX_STATEMENT_DIFFS, the newest change on each basis
    each diff               cut to MAX_SENTENCES (statement) or MAX_VERSION_SENTENCES (version)
                            sentences of each kind, with a count of the rest; at most
                            MAX_PHRASES new and dropped phrases

The stored diff payload is read by the caller's `read_diff` (diffing.model.Diff.from_payload: this
package does not import the diff stage) into anything of the shape of alerts.diffview.DiffView.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from alerts.compose import AlertItem, DiffSummary
from alerts.diffview import DiffView
from core.alert_facts import Reason
from core.mail_rows import ChangeRow, MailRows, ReleaseRow

MAX_SENTENCES = 4
"""Sentences of each kind a statement diff shows in a mail."""
MAX_VERSION_SENTENCES = 10
MAX_STATEMENT_DIFFS = 3
MAX_PHRASES = 8


ReadDiff = Callable[[Any], DiffView]
RenderDiff = Callable[[DiffView], str]


def alert_items(
    rows: MailRows, *, read_diff: ReadDiff, render_diff: RenderDiff | None = None
) -> dict[int, AlertItem]:
    """The composer's view of each alert, by alert id. `render_diff(diff) -> html`
    (alerts.diffview.render_diff) renders the shown part of each diff for the HTML part."""
    items: dict[int, AlertItem] = {}
    for alert in rows.alerts:
        version = rows.versions[alert.version_id]
        release = version.release
        changes = rows.changes.get(version.id, ())
        reasons = tuple(Reason.from_dict(r) for r in alert.reasons)
        version_change = newest(c for c in changes if c.kind == "version")
        version_diff = None
        if version_change is not None and version.number > 1:
            version_diff = summary(
                version_change,
                "previous version",
                None,
                read_diff=read_diff,
                render_diff=render_diff,
                change_note=version.change_note,
            )
        items[alert.id] = AlertItem(
            alert_id=alert.id,
            release_id=release.id,
            version_id=version.id,
            version_number=version.number,
            title=version.title or release.title,
            published_at=release.published_at,
            source=version.source,
            url=release.url,
            reasons=reasons,
            statement_diffs=statement_diffs(
                changes, reasons, rows.earlier, read_diff=read_diff, render_diff=render_diff
            ),
            version_diff=version_diff,
        )
    return items


def newest(changes: Iterable[ChangeRow]) -> ChangeRow | None:
    """The latest change: by created_at, then by id."""
    found = None
    for change in changes:
        if found is None or (change.created_at, change.id) >= (found.created_at, found.id):
            found = change
    return found


def statement_diffs(
    changes: Sequence[ChangeRow],
    reasons: Sequence[Reason],
    earlier: dict[int, ReleaseRow],
    *,
    read_diff: ReadDiff,
    render_diff: RenderDiff | None = None,
) -> tuple[DiffSummary, ...]:
    """The statement diffs on the bases the alert matched, in the order of its reasons; for a
    keyword-only match, the release's own. At most MAX_STATEMENT_DIFFS."""
    by_basis: dict[str, ChangeRow] = {}
    for change in changes:
        if change.kind == "statement":
            current = by_basis.get(change.basis)
            if current is None or newest([current, change]) is change:
                by_basis[change.basis] = change
    labels = {f"{r.kind}:{r.value}": r.label.removesuffix(" (focus)") for r in reasons}
    wanted = [b for b in labels if b in by_basis] or list(by_basis)
    return tuple(
        summary(
            by_basis[basis],
            labels.get(basis) or basis.partition(":")[2],
            earlier.get(by_basis[basis].against_release_id),
            read_diff=read_diff,
            render_diff=render_diff,
        )
        for basis in wanted[:MAX_STATEMENT_DIFFS]
    )


def summary(
    change: ChangeRow,
    label: str,
    against: ReleaseRow | None,
    *,
    read_diff: ReadDiff,
    render_diff: RenderDiff | None = None,
    change_note: str | None = None,
) -> DiffSummary:
    """A stored change, cut to what a mail shows: a few sentences of each kind (a statement
    diff against a whole earlier release can run to dozens; `deskwatch diff` shows them all)."""
    diff = read_diff(change.payload)
    limit = MAX_SENTENCES if change.kind == "statement" else MAX_VERSION_SENTENCES
    shown = diff.head(limit)
    more = sum(max(0, len(x) - limit) for x in (diff.added, diff.removed, diff.changed))
    return DiffSummary(
        basis=change.basis,
        basis_label=label,
        against_title=against.title if against is not None else None,
        against_date=(against.published_at or against.first_seen_at) if against else None,
        against_url=against.url if against is not None else None,
        new_phrases=tuple(diff.new_phrases[:MAX_PHRASES]),
        dropped_phrases=tuple(diff.dropped_phrases[:MAX_PHRASES]),
        added=tuple(shown.added),
        removed=tuple(shown.removed),
        reworded=tuple((pair.old, pair.new) for pair in shown.changed),
        more=more,
        classification=change.classification,
        silent_edit=bool(change.silent_edit),
        change_note=change_note,
        html=render_diff(shown) if render_diff is not None else None,
    )
