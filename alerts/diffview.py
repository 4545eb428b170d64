"""The HTML rendering of a stored diff, for alert emails: a pure function of the `changes`
payload (see diffing.model.Diff.payload).

Added sentences are wrapped in <ins>, removed ones in <del>, reworded ones show their word diff
inline; new and dropped key phrases come first. Every piece of text is HTML-escaped, and the
styles are inline, because mail clients drop style sheets. A malformed payload renders what it
can and never raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

MAX_ITEMS = 50
"""At most this many sentences of each kind; the rest are counted, not shown."""

INS = 'style="background:#e6ffec;color:#05400b;text-decoration:none"'
DEL = 'style="background:#ffebe9;color:#82071e;text-decoration:line-through"'
LABEL = 'style="color:#57606a;font-size:90%;margin:0.6em 0 0.2em"'


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str) and item.strip()]


def _ins(text: str) -> str:
    return f"<ins {INS}>{escape(text)}</ins>"


def _del(text: str) -> str:
    return f"<del {DEL}>{escape(text)}</del>"


def word_diff_html(pieces: Any) -> str:
    """A word diff ([[op, text], ...], op one of = - +) as inline HTML."""
    out: list[str] = []
    for piece in pieces if isinstance(pieces, list) else []:
        if not (isinstance(piece, list | tuple) and len(piece) == 2 and isinstance(piece[1], str)):
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


def render_payload(payload: Any) -> str:
    """The diff as an HTML fragment (a <div>); an empty diff says so."""
    data = payload if isinstance(payload, dict) else {}
    added, removed = _texts(data.get("added")), _texts(data.get("removed"))
    listed = data.get("changed")
    changed = [c for c in (listed if isinstance(listed, list) else []) if isinstance(c, dict)]
    parts = [
        _phrases("New language", _texts(data.get("new_phrases")), _ins),
        _phrases("Dropped language", _texts(data.get("dropped_phrases")), _del),
    ]
    if changed:
        rendered = []
        for pair in changed[:MAX_ITEMS]:
            html = word_diff_html(pair.get("word_diff"))
            if not html:  # no word diff stored: show the two sentences
                old, new = pair.get("old"), pair.get("new")
                html = " ".join(
                    x
                    for x in (
                        _del(old) if isinstance(old, str) else "",
                        _ins(new) if isinstance(new, str) else "",
                    )
                    if x
                )
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
