"""The HTML rendering of a stored diff, for alert emails: a pure function of the diff, read from
the `changes` payload by diffing.model.Diff.from_payload (which drops what is malformed) into
anything of the shape of `DiffView`.

Added sentences are wrapped in <ins>, removed ones in <del>, reworded ones show their word diff
inline; new and dropped key phrases come first (unless the diff carries its ranked moves, which
the mail shows above it). Every piece of text is HTML-escaped, and the
styles are inline, because mail clients drop style sheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, Protocol

MAX_ITEMS = 50
"""At most this many sentences of each kind; the rest are counted, not shown."""

INS = 'style="background:#e6ffec;color:#05400b;text-decoration:none"'
DEL = 'style="background:#ffebe9;color:#82071e;text-decoration:line-through"'
LABEL = 'style="color:#57606a;font-size:90%;margin:0.6em 0 0.2em"'


class Pair(Protocol):
    """A reworded sentence: the earlier and new wording, and the word diff between them."""

    @property
    def old(self) -> str: ...

    @property
    def new(self) -> str: ...

    @property
    def word_diff(self) -> Sequence[Sequence[str]]: ...


class DiffView(Protocol):
    """What a mail reads of a stored diff (diffing.model.Diff has this shape)."""

    @property
    def added(self) -> Sequence[str]: ...

    @property
    def removed(self) -> Sequence[str]: ...

    @property
    def changed(self) -> Sequence[Pair]: ...

    @property
    def new_phrases(self) -> Sequence[str]: ...

    @property
    def dropped_phrases(self) -> Sequence[str]: ...

    def head(self, limit: int) -> DiffView:
        """At most `limit` sentences of each kind."""
        ...


def _texts(values: Sequence[str]) -> list[str]:
    return [item for item in values if item.strip()]


def _ins(text: str) -> str:
    return f"<ins {INS}>{escape(text)}</ins>"


def _del(text: str) -> str:
    return f"<del {DEL}>{escape(text)}</del>"


def word_diff_html(pieces: Sequence[Sequence[str]]) -> str:
    """A word diff ([[op, text], ...], op one of = - +) as inline HTML."""
    out: list[str] = []
    for piece in pieces:
        if len(piece) != 2:
            continue
        op, text = piece
        if op == "+":
            out.append(_ins(text))
        elif op == "-":
            out.append(_del(text))
        elif op == "=":
            out.append(escape(text))
    return "".join(out)


def _list(items: Iterable[str], total: int) -> str:
    rows = "".join(f"<li>{item}</li>" for item in items)
    more = total - min(total, MAX_ITEMS)
    if more:
        rows += f"<li><em>… and {more} more</em></li>"
    return f'<ul style="margin:0;padding-left:1.2em">{rows}</ul>'


def _phrases(label: str, phrases: list[str], wrap: Any) -> str:
    if not phrases:
        return ""
    shown = ", ".join(wrap(p) for p in phrases[:MAX_ITEMS])
    return f"<p {LABEL}>{escape(label)}: {shown}</p>"


def render_diff(diff: DiffView) -> str:
    """The diff as an HTML fragment (a <div>); an empty diff says so. A diff that carries what
    moved (`moves`, which the mail shows above it) leaves out the new and dropped phrases: the
    moves say it better."""
    parts = []
    if not getattr(diff, "moves", None):
        parts = [
            _phrases("New language", _texts(diff.new_phrases), _ins),
            _phrases("Dropped language", _texts(diff.dropped_phrases), _del),
        ]
    added, removed, changed = _texts(diff.added), _texts(diff.removed), list(diff.changed)
    if changed:
        rendered = []
        for pair in changed[:MAX_ITEMS]:
            html = word_diff_html(pair.word_diff)
            if not html:  # no word diff stored: show the two sentences
                shown = [_del(pair.old)] if pair.old else []
                html = " ".join(shown + ([_ins(pair.new)] if pair.new else []))
            rendered.append(html)
        parts.append(f"<p {LABEL}>Reworded</p>" + _list(rendered, len(changed)))
    if added:
        parts.append(
            f"<p {LABEL}>New sentences</p>" + _list(map(_ins, added[:MAX_ITEMS]), len(added))
        )
    if removed:
        parts.append(
            f"<p {LABEL}>Dropped sentences</p>"
            + _list(map(_del, removed[:MAX_ITEMS]), len(removed))
        )
    body = "".join(p for p in parts if p)
    if not body:
        body = f"<p {LABEL}>No change in the wording.</p>"
    return f'<div class="deskwatch-diff">{body}</div>'
