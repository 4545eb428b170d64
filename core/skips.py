"""Why a source's item was skipped, or its text was read another way than asked: a few named
reasons, and the line that counts them. Pure.

A reader records each skip as one line, `<item>: <what happened>` (SourceResult.skipped), and
each warning the same way (SourceResult.warnings: a page whose CSS selector matched nothing). A
run record keeps both among its problems, as `skipped: <line>` and `warning: <line>`. An entry
whose link cannot be followed is stored from the feed's own text and is no skip: its line
(SourceResult.from_feed) is kept as `from feed: <line>` and counted the same way, "3 stored from
feed summary (link host not in follow_hosts)".
`reason` names the reason of such a line, so that the run summary and `deskwatch sources` say
"10 skipped: link host not in follow_hosts" rather than ten lines; it reads the lines of run
records written before the reasons had names too (their wording is the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

SKIPPED = "skipped: "
"""How a run record's problems mark a skip (storage.source_health counts them apart)."""
WARNING = "warning: "
"""How a run record's problems mark a warning: the item was stored, read another way."""
FROM_FEED = "from feed: "
"""How a run record's problems mark an entry stored from the feed's own text, its link not
followed (`from feed: <link>: feed summary (link host not in follow_hosts)`)."""

OFF_HOST = "link host not in follow_hosts"
REDIRECT_OFF_HOST = "redirected to a host not in follow_hosts"
NOT_WEB = "not an http(s) link"
DUPLICATE_ID = "duplicate entry id in one feed"
DUPLICATE_KEY = "same item twice in one read"
NO_KEY = "entry has neither link nor id"
NO_TEXT = "entry has no text"
SELECTOR_MISSED = "selector matched nothing"
UNLISTED = "reason not recorded"
"""Skips a run counted beyond the lines its record keeps (a record keeps 200 lines)."""

_MARKS = (
    (" is not in follow_hosts", OFF_HOST),
    ("see follow_hosts", REDIRECT_OFF_HOST),
    ("which is not an http(s) URL", NOT_WEB),
    (" link, not fetched", NOT_WEB),
    (DUPLICATE_ID, DUPLICATE_ID),
    (DUPLICATE_KEY, DUPLICATE_KEY),
    (NO_KEY, NO_KEY),
    (NO_TEXT, NO_TEXT),
    (" matched nothing", SELECTOR_MISSED),
)


def reason(line: str) -> str:
    """The named reason of one skip or warning line (its `skipped: ` or `warning: ` mark
    dropped), else what the line says after its item."""
    text = line.removeprefix(SKIPPED).removeprefix(WARNING)
    for mark, name in _MARKS:
        if mark in text:
            return name
    return text.rsplit(": ", 1)[-1].strip() or text.strip()


def count_reasons(lines: Iterable[str]) -> dict[str, int]:
    """How many lines give each reason, the commonest first (then by name)."""
    counts = Counter(reason(line) for line in lines)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def reasons_line(counts: dict[str, int], word: str = "skipped", plural: str | None = None) -> str:
    """`10 skipped: link host not in follow_hosts; 1 skipped: entry has no text` (`plural`:
    the word for more than one, as in "2 warnings: ..."); empty when there is nothing to count."""
    return "; ".join(
        f"{n} {word if n == 1 else plural or word}: {name}" for name, n in counts.items() if n
    )


def from_feed(item: str, kind: str, why: str) -> str:
    """The line of an entry stored from the feed's text (`kind`: "summary" or "content")
    because its link could not be followed (`why`, a reason above)."""
    return f"{item}: feed {kind} ({why})"


def count_from_feed(lines: Iterable[str]) -> dict[str, int]:
    """How many from_feed lines (their run record mark dropped) say each "feed summary
    (<reason>)", the commonest first."""
    counts = Counter(line.removeprefix(FROM_FEED).rsplit(": ", 1)[-1] for line in lines)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def from_feed_line(counts: dict[str, int]) -> str:
    """`3 stored from feed summary (link host not in follow_hosts)`; empty for no counts."""
    return "; ".join(f"{n} stored from {how}" for how, n in counts.items() if n)


def warnings_line(lines: Iterable[str]) -> str:
    """`2 warnings: selector matched nothing`: the warning lines counted by reason."""
    return reasons_line(count_reasons(lines), "warning", "warnings")
