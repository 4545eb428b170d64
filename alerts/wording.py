"""What moved, said in words a desk officer reads: each move of a stored diff (diffing.moves) as a
short line, and the baseline line of a statement diff (alerts.compose puts the top move in the
subject). Pure: plain values in, strings out.

A move's label is `kind: value` (diffing.moves.Label); `say` turns it into words:

    formula_added: sustainable ceasefire           now says "sustainable ceasefire"
    formula_dropped: humanitarian pause            no longer says "humanitarian pause"
    a reworded pair that gains one and loses one   "humanitarian pause" -> "sustainable ceasefire"
    scale: advice all-but-essential -> all         now advises against all travel
    scale: advice none -> all-but-essential        now advises against all but essential travel
    scale: advice all -> none                      no longer advises against all travel
    scale: condemnation concern -> condemn         now condemns (was: expresses concern)
    scale: modality would -> will                  now says "will" (was: "would")
    negation: do not support -> support            now says "support" (was: "do not support")
    party_added: Hamas                             now names Hamas
    figure: £5 million -> £10 million              figure changed: £5 million -> £10 million

A label this module does not know is shown as it is stored, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from core.country_names import country_name

STEP_WORDS: dict[str, dict[str, str]] = {
    "advice": {
        "all-but-essential": "advises against all but essential travel",
        "all": "advises against all travel",
    },
    "condemnation": {
        "concern": "expresses concern",
        "condemn": "condemns",
        "strongly-condemn": "strongly condemns",
    },
}
"""How a step of a text scale (seeds/lexicon.yaml `scales:` with `scope: text`, whose labels name
steps by id) is said; a step not listed is said by its id with spaces. A sentence scale's label
names the words that moved, and is said with them."""


class LabelView(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def value(self) -> str: ...


class MoveView(Protocol):
    """What this module reads of a diffing.moves.Move."""

    @property
    def kind(self) -> str: ...

    @property
    def labels(self) -> Sequence[LabelView]: ...

    @property
    def before(self) -> str | None: ...

    @property
    def after(self) -> str | None: ...


@dataclass(frozen=True)
class MoveLine:
    """One move as the mail shows it: the words, and the sentences before and after."""

    words: str
    before: str | None = None
    after: str | None = None
    kind: str = ""


def _step(scale: str, step: str) -> str:
    return STEP_WORDS.get(scale, {}).get(step) or step.replace("-", " ")


def _quoted(text: str) -> str:
    return f"“{text}”"


def say_label(kind: str, value: str) -> str:
    """One label in words (see the table at the top)."""
    if kind == "formula_added":
        return f"now says {_quoted(value)}"
    if kind == "formula_dropped":
        return f"no longer says {_quoted(value)}"
    if kind == "party_added":
        return f"now names {value}"
    if kind == "party_dropped":
        return f"no longer names {value}"
    if kind == "figure_added":
        return f"new figure: {value}"
    if kind == "figure_dropped":
        return f"figure dropped: {value}"
    if kind == "figure":
        return f"figure changed: {value}"
    if kind == "negation":
        before, _, after = value.partition(" -> ")
        return f"now says {_quoted(after)} (was: {_quoted(before)})" if after else value
    if kind == "scale":
        scale, _, steps = value.partition(" ")
        start, _, end = steps.partition(" -> ")
        if not end:
            return value
        if scale not in STEP_WORDS:  # a sentence scale: the words themselves moved
            return f"now says {_quoted(end)} (was: {_quoted(start)})"
        if end == "none":
            return f"no longer {_step(scale, start)}"
        if start == "none" or scale == "advice":
            return f"now {_step(scale, end)}"
        return f"now {_step(scale, end)} (was: {_step(scale, start)})"
    if kind == "scale_reworded":
        scale, _, step = value.partition(" ")
        return f"reworded; still {_step(scale, step)}"
    return f"{kind.replace('_', ' ')}: {value}" if value else kind.replace("_", " ")


def say(move: MoveView) -> str:
    """A move in words: its strongest label; a reworded pair that gains one formula and loses
    another is said as the swap ("humanitarian pause" -> "sustainable ceasefire")."""
    labels = list(move.labels)
    if not labels:
        return {
            "added": "new sentence",
            "removed": "sentence dropped",
            "reworded": "sentence reworded",
        }.get(move.kind, move.kind)
    top = labels[0]
    if top.kind in ("formula_added", "formula_dropped"):
        other = "formula_dropped" if top.kind == "formula_added" else "formula_added"
        swap = next((label for label in labels[1:] if label.kind == other), None)
        if swap is not None:
            gone, came = (swap, top) if top.kind == "formula_added" else (top, swap)
            return f"{_quoted(gone.value)} → {_quoted(came.value)}"
    return say_label(top.kind, top.value)


GLIMPSE_WORDS = 60
"""Characters of a sentence a subject quotes when no move is strong enough to name."""


def glimpse(move: MoveView) -> str:
    """A change no label names (a sentence added, dropped or reworded), said by its opening:
    `new: “Flights from Ukraine are suspended…”`. For a subject when nothing scored high."""
    verb = {"added": "new", "removed": "dropped"}.get(move.kind, "reworded")
    sentence = " ".join(((move.after or move.before) or "").split())
    if len(sentence) > GLIMPSE_WORDS:
        sentence = sentence[:GLIMPSE_WORDS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return f"{verb}: {_quoted(sentence)}" if sentence else verb


def move_lines(moves: Sequence[MoveView]) -> tuple[MoveLine, ...]:
    return tuple(MoveLine(say(m), m.before, m.after, m.kind) for m in moves)


# -- the baseline of a statement diff ------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """What a statement diff was compared with, or why it was not (the payload's `baseline`)."""

    basis_label: str | None
    title: str | None
    published_at: datetime | None
    compared: bool
    reason: str | None


def read_baseline(data: Any) -> Baseline | None:
    """The `baseline` mapping of a stored statement payload; None when there is none. Malformed
    keys read as missing, never raised."""
    if not isinstance(data, Mapping):
        return None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value.strip() else None

    published = data.get("published_at")
    when: datetime | None = published if isinstance(published, datetime) else None
    if isinstance(published, str):
        try:
            when = datetime.fromisoformat(published)
        except ValueError:
            when = None
    compared = data.get("compared")
    return Baseline(
        basis_label=text("basis_label"),
        title=text("title"),
        published_at=when,
        compared=compared if isinstance(compared, bool) else True,
        reason=text("reason"),
    )


def ago(then: datetime | date | None, now: datetime | None) -> str | None:
    """`37 days ago`, `yesterday`, `today`, counted in whole days from `then` to `now`."""
    if then is None or now is None:
        return None
    start = then.date() if isinstance(then, datetime) else then
    days = (now.date() - start).days
    if days <= 0:
        return "today" if days == 0 else None
    return "yesterday" if days == 1 else f"{days} days ago"


def baseline_line(
    label: str,
    title: str | None,
    then: datetime | None,
    now: datetime | None,
    *,
    compared: bool = True,
    reason: str | None = None,
) -> str:
    """ "Compared with the last statement on Middle East escalation: <title>, 37 days ago", or
    "Last statement on ...: <title>; not compared because <reason>"."""
    when = ago(then, now)
    named = f"{title}, {when}" if title and when else title or "an earlier statement"
    if compared:
        return f"Compared with the last statement on {label}: {named}"
    because = f"; not compared because {reason}" if reason else "; not compared"
    return f"Last statement on {label}: {named}{because}"


# -- which rule matched ----------------------------------------------------------------------------


class ReasonView(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def label(self) -> str: ...


def rule_words(reason: ReasonView) -> str:
    """Which of the reader's rules matched, in a sentence."""
    label = reason.label.removesuffix(" (focus)")
    if reason.kind == "theme":
        return f"Your subscription to the theme {label} matched."
    if reason.kind == "country":
        about = "is about" if reason.label.endswith(" (focus)") else "mentions"
        return f"Your subscription to {label} matched: the release {about} {label}."
    if reason.kind == "keyword":
        return f"Your keyword {label} is in the release."
    if reason.kind == "release":
        return (
            "You were alerted on an earlier version of this release: its later substantive "
            "versions reach you even when its tags change."
        )
    return f"Matched: {label}."


# -- a subscription, in names ----------------------------------------------------------------------


def describe_rule(
    *,
    themes: Sequence[str] = (),
    countries: Sequence[str] = (),
    keywords: Sequence[str] = (),
    focus_only: bool = False,
    frequency: str = "immediate",
    theme_names: Mapping[str, str] | None = None,
) -> str:
    """A subscription for the foot of a mail, in names: `Middle East escalation; Israel,
    Palestine (releases about them); “ceasefire” · immediate`. A theme with no known name is
    shown by its id (so the reader can still find it in the config)."""
    names = theme_names or {}
    parts = []
    if themes:
        parts.append(", ".join(names.get(t, t) for t in themes))
    if countries:
        focus = " (releases about them)" if focus_only and len(countries) > 1 else ""
        focus = focus or (" (releases about it)" if focus_only else "")
        parts.append(", ".join(country_name(c) for c in countries) + focus)
    if keywords:
        parts.append(", ".join(_quoted(k) for k in keywords))
    return "; ".join(parts) + f" · {frequency}"
