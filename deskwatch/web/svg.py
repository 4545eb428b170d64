"""A timeline as inline SVG, drawn on the server (no chart library, no script). Pure.

One bar per period; the tallest bar fills the plot. Every label is escaped; the chart has a
<title> and a <desc> for screen readers, and each bar its own <title> (a hover tooltip).
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 180
LEFT, BOTTOM, TOP = 36, 22, 8


def _label(period: date, by: str) -> str:
    return period.strftime("%Y-%m") if by == "month" else period.isoformat()


def timeline_svg(counts: list[tuple[date, int]], *, title: str, by: str = "month") -> Markup:
    """`counts` is (period, releases) oldest first, empty periods included."""
    total = sum(n for _, n in counts)
    desc = f"{total} releases in {len(counts)} {by}s" if counts else "no releases"
    head = (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    if not counts:
        return Markup(head + "</svg>")
    top = max(n for _, n in counts) or 1
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_w / len(counts)
    bar = max(step * 0.8, 1.0)
    body = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 4}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, len(counts) // 6)
    for i, (period, n) in enumerate(counts):
        h = plot_h * n / top
        x = LEFT + i * step + (step - bar) / 2
        label = escape(_label(period, by))
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}"><title>{label}: {n}</title></rect>'
        )
        if i % every == 0:
            body.append(
                f'<text class="tick" x="{LEFT + i * step:.1f}" y="{HEIGHT - 6}">{label}</text>'
            )
    return Markup(head + "".join(body) + "</svg>")
