"""What the CLI prints into a pipe or a file (issue 18): tables whose cells never wrap, word
diffs with git's --word-diff=plain markers instead of colours."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

import deskwatch.cli  # noqa: F401  # the commands register through the app: import it first
from deskwatch.commands.diffs import word_diff_line
from deskwatch.output import table_console
from diffing.worddiff import word_diff


def test_a_reworded_sentence_in_a_pipe_shows_git_style_markers() -> None:
    pieces = word_diff(
        "Russia illegally annexed Crimea in 2014.", "Russia illegally annexed Ukraine in 2014."
    )
    line = word_diff_line(pieces, markers=True)
    assert line.plain == "  ~ Russia illegally annexed [-Crimea-]{+Ukraine+} in 2014."
    coloured = word_diff_line(pieces, markers=False)  # a terminal: the colours tell them apart
    assert coloured.plain == "  ~ Russia illegally annexed CrimeaUkraine in 2014."
    styles = {coloured.plain[s.start : s.end]: str(s.style) for s in coloured.spans}
    assert "strike" in styles["Crimea"] and "green" in styles["Ukraine"]


def test_markers_go_round_the_words_not_the_spaces() -> None:
    pieces = [["=", "a"], ["-", " old "], ["+", " new "], ["=", "b"]]
    assert word_diff_line(pieces, markers=True).plain == "  ~ a [-old-]  {+new+} b"


def test_a_table_in_a_pipe_is_as_wide_as_its_widest_row() -> None:
    table = Table(title="Releases")
    for name in ("id", "title", "themes"):
        table.add_column(name, overflow="fold")
    title = "Foreign Secretary and Defence Secretary in Japan for G7 foreign ministers talks"
    themes = "multilateral-diplomacy, defence-security, trade-economic-security, indo-pacific"
    table.add_row("1", title, themes)
    console = table_console(table)  # pytest's stdout is not a terminal
    assert not console.is_terminal
    out = io.StringIO()
    Console(file=out, width=console.width).print(table)
    row = next(line for line in out.getvalue().splitlines() if line.startswith("│ 1"))
    assert title in row and themes in row  # one line, no cell wrapped or folded mid-word
    assert console.width >= 80
