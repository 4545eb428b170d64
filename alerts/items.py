"""What an alert mail shows, decided from plain stored rows (core.mail_rows). Pure.

    the version diff        the newest change of kind "version", for a version after the first;
                            for a mail that coalesces versions, the net change it was given
    the statement diffs     on the bases the alert matched (its themes, then its countries); for
                            a keyword-only match, the release's own statement diffs; at most
                            MAX_STATEMENT_DIFFS, the newest change on each basis
    each diff               cut to MAX_SENTENCES (statement) or MAX_VERSION_SENTENCES (version)
                            sentences of each kind, with a count of the rest; at most
                            MAX_PHRASES new and dropped phrases

    what moved              each diff leads with its top moves (the caller's `headlines`: the
                            scorer's own choice, diffing.moves.Significance.headlines), said in
                            words (alerts.wording), and at most MAX_DETAILS details apart; the
                            mail's top change (its subject) is the version diff's first headline,
                            else the first statement diff's; an edit with moves but no headline
                            is named by the opening of its first changed sentence
    a withdrawal            an alert of the release's withdrawal shows no diff: the mail says
                            "Withdrawn: <reason>" with its date (a version's mail says so too
                            when its release is withdrawn); a digest has one entry per release
                            (one_per_release)
    names                   every label is a name: a reason's country by core.country_names, a
                            basis by the matched reason, the version's tag, the payload's
                            baseline, else the country's name

The stored diff payload is read by the caller's `read_diff` (diffing.model.Diff.from_payload: this
package does not import the diff stage) into anything of the shape of alerts.diffview.DiffView.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from alerts.compose import AlertItem, DiffSummary, public_url
from alerts.diffview import DiffView
from alerts.wording import MoveView, baseline_line, glimpse, move_lines, read_baseline, say
from core.alert_facts import Reason
from core.country_names import country_name
from core.mail_rows import ChangeRow, MailRows, ReleaseRow, WithdrawalRow
from core.records import SUMMARY, Withdrawal

MAX_SENTENCES = 4
"""Sentences of each kind a statement diff shows in a mail."""
MAX_VERSION_SENTENCES = 10
MAX_STATEMENT_DIFFS = 3
MAX_PHRASES = 8
MAX_DETAILS = 4
"""Details (names, dates, numbers that moved without the policy moving) a diff lists."""
TOP_MOVES = 3


ReadDiff = Callable[[Any], DiffView]
RenderDiff = Callable[[DiffView], str]
Headlines = Callable[[Sequence[Any]], Sequence[Any]]
"""The moves a diff leads with, from all of its moves (most significant first)."""


def first_moves(moves: Sequence[Any]) -> Sequence[Any]:
    return moves[:TOP_MOVES]


def named(reason: Reason) -> Reason:
    """The reason with a country's name as desk officers write it (core.country_names), whatever
    label the tag stored ("Palestine, State of" -> "Palestine")."""
    if reason.kind != "country":
        return reason
    focus = " (focus)" if reason.label.endswith(" (focus)") else ""
    return Reason(reason.kind, reason.value, country_name(reason.value) + focus, reason.evidence)


def basis_name(basis: str, *names: dict[str, str] | None) -> str:
    """The name of a basis ("theme:<id>", "country:<code>"): a country's name as desk officers
    write it (core.country_names); a theme's from the first of `names` that has it, else its id
    in words."""
    kind, _, value = basis.partition(":")
    if kind == "country":
        return country_name(value)
    for table in names:
        if table and table.get(basis):
            return table[basis]
    return value.replace("-", " ").capitalize() if value else basis


def alert_items(
    rows: MailRows,
    *,
    read_diff: ReadDiff,
    render_diff: RenderDiff | None = None,
    headlines: Headlines = first_moves,
) -> dict[int, AlertItem]:
    """The composer's view of each alert, by alert id. `render_diff(diff) -> html`
    (alerts.diffview.render_diff) renders the shown part of each diff for the HTML part;
    `headlines(moves)` picks the moves a diff leads with."""
    items: dict[int, AlertItem] = {}
    for alert in rows.alerts:
        version = rows.versions[alert.version_id]
        release = version.release
        changes = rows.changes.get(version.id, ())
        reasons = tuple(named(Reason.from_dict(r)) for r in alert.reasons)
        told = rows.withdrawals.get(alert.withdrawal_id) if alert.withdrawal_id else None
        notice = told or open_withdrawal(rows.withdrawals.values(), release.id)
        if told is not None:  # the mail tells of the withdrawal, not of what the version changed
            changes = ()
        # a coalesced mail shows the net change over the versions it covers
        version_change = alert.net_change or newest(c for c in changes if c.kind == "version")
        first = alert.first_number or version.number
        version_diff = None
        top: list[str] = []
        weak: list[str] = []
        if version_change is not None and first > 1:
            version_diff = summary(
                version_change,
                "previous version",
                None,
                read_diff=read_diff,
                render_diff=render_diff,
                change_note=version.change_note,
                headlines=headlines,
                top=top,
                weak=weak,
            )
        statements = statement_diffs(
            changes,
            reasons,
            rows.earlier,
            read_diff=read_diff,
            render_diff=render_diff,
            headlines=headlines,
            labels=rows.labels.get(version.id),
            now=version.updated_at or release.published_at,
            top=top,
        )
        items[alert.id] = AlertItem(
            alert_id=alert.id,
            release_id=release.id,
            version_id=version.id,
            version_number=version.number,
            title=version.title or release.title,
            published_at=release.published_at,
            source=version.source,
            url=public_url(release.url),  # the public address, never a local path
            reasons=reasons,
            statement_diffs=statements,
            version_diff=version_diff,
            updated_at=version.updated_at,
            top_change=top[0] if top else (weak[0] if weak else None),
            alert_ids=alert.carries,
            first_version_number=alert.first_number,
            release_updated_at=release.updated_at,
            first_seen_at=release.first_seen_at,
            withdrawal=Withdrawal(notice.reason, notice.withdrawn_at) if notice else None,
            is_withdrawal=told is not None,
            from_summary=version.text_kind == SUMMARY,
        )
    return items


def open_withdrawal(withdrawals: Iterable[WithdrawalRow], release_id: int) -> WithdrawalRow | None:
    """The release's withdrawal in force (the newest not ended), if it is withdrawn."""
    found = None
    for row in withdrawals:
        if row.release_id == release_id and not row.ended and (found is None or row.id > found.id):
            found = row
    return found


def one_per_release(items: Sequence[AlertItem]) -> list[AlertItem]:
    """A digest's entries, one per release: an alert of a release's withdrawal goes into the
    entry of a version of the same release when there is one (which says it is withdrawn, and
    carries the withdrawal's alert), else it is an entry of its own. In the order given."""
    versions = {item.release_id: item for item in items if not item.is_withdrawal}
    extra: dict[int, list[int]] = {}
    kept: list[AlertItem] = []
    for item in items:
        if item.is_withdrawal and item.release_id in versions:
            extra.setdefault(item.release_id, []).extend(item.carried)
            if versions[item.release_id].withdrawal is None:  # ended since: say it was
                versions[item.release_id] = replace(
                    versions[item.release_id], withdrawal=item.withdrawal
                )
        else:
            kept.append(item)
    return [
        replace(versions[item.release_id], alert_ids=(*item.carried, *extra[item.release_id]))
        if not item.is_withdrawal and item.release_id in extra
        else item
        for item in kept
    ]


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
    headlines: Headlines = first_moves,
    labels: dict[str, str] | None = None,
    now: Any = None,
    top: list[str] | None = None,
) -> tuple[DiffSummary, ...]:
    """The statement diffs on the bases the alert matched, in the order of its reasons; for a
    keyword-only match, the release's own. At most MAX_STATEMENT_DIFFS. Each is headed by the
    basis's name; `labels` are the version's tag names by basis, `now` the version's time (for
    "37 days ago"); the headline moves are appended to `top`."""
    by_basis: dict[str, ChangeRow] = {}
    for change in changes:
        if change.kind == "statement":
            current = by_basis.get(change.basis)
            if current is None or newest([current, change]) is change:
                by_basis[change.basis] = change
    matched = {f"{r.kind}:{r.value}": r.label.removesuffix(" (focus)") for r in reasons}
    wanted = [b for b in matched if b in by_basis] or list(by_basis)
    shown = []
    for basis in wanted[:MAX_STATEMENT_DIFFS]:
        change = by_basis[basis]
        payload = change.payload if isinstance(change.payload, dict) else {}
        baseline = read_baseline(payload.get("baseline"))
        stored = {basis: baseline.basis_label} if baseline and baseline.basis_label else None
        label = basis_name(basis, matched, labels, stored)
        shown.append(
            summary(
                change,
                label,
                earlier.get(change.against_release_id),
                read_diff=read_diff,
                render_diff=render_diff,
                headlines=headlines,
                now=now,
                top=top,
            )
        )
    return tuple(shown)


def summary(
    change: ChangeRow,
    label: str,
    against: ReleaseRow | None,
    *,
    read_diff: ReadDiff,
    render_diff: RenderDiff | None = None,
    change_note: str | None = None,
    headlines: Headlines = first_moves,
    now: Any = None,
    top: list[str] | None = None,
    weak: list[str] | None = None,
) -> DiffSummary:
    """A stored change, cut to what a mail shows: its headline moves in words, a few details,
    the baseline line of a statement diff, and a few sentences of each kind (a statement diff
    against a whole earlier release can run to dozens; `deskwatch diff` shows them all). The
    headline moves, in words, are appended to `top`; when it has moves but none is a headline,
    the glimpse of its first goes to `weak` (a subject's last resort)."""
    diff = read_diff(change.payload)
    limit = MAX_SENTENCES if change.kind == "statement" else MAX_VERSION_SENTENCES
    shown = diff.head(limit)
    more = sum(max(0, len(x) - limit) for x in (diff.added, diff.removed, diff.changed))
    every = list(getattr(diff, "moves", ()))
    moves: Sequence[MoveView] = list(headlines(every))
    if top is not None:
        top.extend(say(m) for m in moves)
    if weak is not None and every and not moves:
        weak.append(glimpse(every[0]))
    details = [f"{d.kind}: {d.text}" for d in getattr(diff, "details", ())][:MAX_DETAILS]
    line = None
    if change.kind == "statement":
        payload = change.payload if isinstance(change.payload, dict) else {}
        baseline = read_baseline(payload.get("baseline"))
        line = baseline_line(
            label,
            (baseline.title if baseline else None) or (against.title if against else None),
            (baseline.published_at if baseline else None)
            or ((against.published_at or against.first_seen_at) if against else None),
            now,
            compared=baseline.compared if baseline else True,
            reason=_renamed(baseline.reason, baseline.basis_label, label) if baseline else None,
        )
    return DiffSummary(
        basis=change.basis,
        basis_label=label,
        against_title=against.title if against is not None else None,
        against_date=(against.published_at or against.first_seen_at) if against else None,
        against_url=public_url(against.url) if against is not None else None,
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
        moves=move_lines(moves),
        details=tuple(details),
        baseline=line,
    )


def _renamed(reason: str | None, stored: str | None, label: str) -> str | None:
    """The diff stage's reason, naming the basis as the mail does (it may have written the tag's
    stored label, "Palestine, State of", where the mail says "Palestine")."""
    if reason and stored and stored != label:
        return reason.replace(stored, label)
    return reason
