"""pipeline.ops_notice.change: a notice only when the set of failing checks changes."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.health import FAILING, OK, Check, Report
from pipeline.ops_notice import change, compose

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def report(**checks: str) -> Report:
    """`mail="failing: waited 31 min"` or `mail="ok"`."""
    items = []
    for name, text in checks.items():
        status, _, message = text.partition(": ")
        items.append(Check(name, FAILING if status == "failing" else OK, message))
    return Report(items, NOW)


def test_never_told_and_healthy_is_silent() -> None:
    assert change(None, report(mail="ok")) is None


def test_the_same_outage_with_a_new_message_is_not_news() -> None:
    previous = {"failing": ["mail"]}
    assert change(previous, report(mail="failing: an alert has waited 35 min")) is None


def test_a_start_an_addition_and_an_end() -> None:
    started = change(None, report(mail="failing: waited 31 min", runs="ok"))
    assert started is not None
    assert (started.started, started.ended) == (["mail"], [])
    assert started.subject == "deskwatch: 1 check failing (mail)"

    wider = change(started.state(), report(mail="failing: 40 min", runs="failing: no run"))
    assert wider is not None and (wider.started, wider.ended) == (["runs"], [])
    text = compose(wider, mail_from="d@example.org", to="ops@example.org", now=NOW)
    body = text.get_content()
    assert "Started failing:\n  runs: no run" in body and "Still failing:\n  mail: 40 min" in body

    ended = change(wider.state(), report(mail="ok", runs="ok"))
    assert ended is not None and ended.ended == ["mail", "runs"] and ended.failing == {}
    assert ended.subject == "deskwatch: healthy again (mail, runs recovered)"
