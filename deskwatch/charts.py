"""The timeline chart: release counts per period, one line per series, drawn with matplotlib's
Agg renderer straight to a PNG file (no display, no pyplot global state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from core.errors import UsageError


def draw_timeline(
    rows: Sequence[dict[str, Any]],
    series: Sequence[str],
    path: Path,
    *,
    by: str,
    title: str,
) -> None:
    """Write a line chart of `rows` ({"period": date, <series>: count}) to `path` (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 5), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    periods: list[date] = [row["period"] for row in rows]
    marker = "o" if len(periods) <= 60 else None
    for name in series:
        # matplotlib plots dates (its stubs type the x values as numbers only)
        x: Any = periods
        axes.plot(x, [row[name] for row in rows], label=name, marker=marker, markersize=3)
    if not periods:
        axes.text(0.5, 0.5, "No releases match", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
    else:
        _date_axis(axes)
        axes.set_ylim(bottom=0, top=max(1, *(row[name] for row in rows for name in series)) * 1.08)
    axes.set_xlabel(f"{by.capitalize()} (publication date)")
    axes.set_ylabel(f"Releases per {by}")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    if len(series) > 1:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _date_axis(axes: Any) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import MaxNLocator

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
