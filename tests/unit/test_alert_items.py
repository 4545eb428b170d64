"""The pure decider of what an alert mail shows (alerts.items), from plain rows written here:
which statement diffs (the matched bases, at most three, the newest on each), the version diff,
and the sentence and phrase limits. Every expected value below was worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerts.diffview import render_diff
from alerts.items import alert_items
from core.alert_facts import Reason
from core.mail_rows import AlertRow, ChangeRow, MailRows, ReleaseRow, VersionRow
from diffing.model import Diff

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RELEASE = ReleaseRow(id=7, title="Release title", url="https://www.gov.uk/news/x", published_at=T0)
EARLIER = ReleaseRow(id=3, title="An earlier statement", first_seen_at=T0 - timedelta(days=9))


def _version(number: int = 2, title: str = "Version title") -> VersionRow:
    return VersionRow(
        id=70, number=number, title=title, release=RELEASE, source="fcdo", change_note="Updated"
    )


def _change(id_: int, kind: str, basis: str, payload: object, *, minutes: int = 0) -> ChangeRow:
    return ChangeRow(
        id=id_,
        version_id=70,
        kind=kind,
        basis=basis,
        against_release_id=3 if kind == "statement" else 7,
        created_at=T0 + timedelta(minutes=minutes),
        payload=payload,
        classification="substantive" if kind == "version" else None,
    )


def _reason(kind: str, value: str, label: str) -> dict[str, object]:
    return Reason(kind, value, label).to_dict()


def _one(rows: MailRows, **kwargs):
    return alert_items(rows, read_diff=Diff.from_payload, **kwargs)[1]


def _rows(changes: list[ChangeRow], reasons: list[dict[str, object]], **version) -> MailRows:
    return MailRows(
        alerts=(AlertRow(id=1, version_id=70, reasons=tuple(reasons)),),
        versions={70: _version(**version)},
        changes={70: tuple(changes)},
        earlier={3: EARLIER, 7: RELEASE},
    )


def test_the_matched_bases_in_the_order_of_the_reasons_the_newest_on_each() -> None:
    changes = [
        _change(1, "statement", "country:UA", {"added": ["UA one."]}),
        _change(2, "statement", "theme:ukraine-support", {"added": ["old theme diff."]}),
        _change(3, "statement", "theme:ukraine-support", {"added": ["new theme diff."]}, minutes=5),
        _change(4, "statement", "theme:not-matched", {"added": ["other."]}),
    ]
    reasons = [
        _reason("theme", "ukraine-support", "Ukraine support"),
        _reason("country", "UA", "Ukraine (focus)"),
    ]
    item = _one(_rows(changes, reasons))
    assert [(d.basis, d.basis_label, d.added) for d in item.statement_diffs] == [
        ("theme:ukraine-support", "Ukraine support", ("new theme diff.",)),
        ("country:UA", "Ukraine", ("UA one.",)),
    ]
    first = item.statement_diffs[0]
    assert (first.against_title, first.against_date) == (
        "An earlier statement",
        T0 - timedelta(days=9),  # no published_at: first seen
    )
    assert item.version_diff is None  # no version change stored
    assert (item.title, item.source, item.url, item.published_at) == (
        "Version title",
        "fcdo",
        "https://www.gov.uk/news/x",
        T0,
    )
    assert [r.label for r in item.reasons] == ["Ukraine support", "Ukraine (focus)"]


def test_a_keyword_match_shows_the_releases_own_diffs_at_most_three() -> None:
    changes = [
        _change(i, "statement", f"theme:t{i}", {"removed": [f"gone {i}."]}) for i in range(1, 6)
    ]
    item = _one(_rows(changes, [_reason("keyword", "ceasefire", "ceasefire")]))
    assert [(d.basis, d.basis_label, d.removed) for d in item.statement_diffs] == [
        ("theme:t1", "T1", ("gone 1.",)),  # no tag name stored: the id in words
        ("theme:t2", "T2", ("gone 2.",)),
        ("theme:t3", "T3", ("gone 3.",)),
    ]


def test_sentences_and_phrases_are_cut_and_the_rest_counted() -> None:
    statement = {
        "added": [f"Added {i}." for i in range(6)],
        "removed": [f"Removed {i}." for i in range(5)],
        "changed": [{"old": "Old wording.", "new": "New wording.", "word_diff": []}],
        "new_phrases": [f"phrase {i}" for i in range(10)],
        "dropped_phrases": ["gone phrase"],
    }
    version = {"added": [f"Line {i}." for i in range(12)]}
    changes = [
        _change(1, "statement", "theme:a", statement),
        _change(2, "version", "version", version),
    ]
    item = _one(_rows(changes, [_reason("theme", "a", "A")]), render_diff=render_diff)
    [diff] = item.statement_diffs
    assert diff.added == ("Added 0.", "Added 1.", "Added 2.", "Added 3.")
    assert diff.removed == ("Removed 0.", "Removed 1.", "Removed 2.", "Removed 3.")
    assert diff.reworded == (("Old wording.", "New wording."),)
    assert diff.more == 3  # 2 added + 1 removed left out
    assert diff.new_phrases == tuple(f"phrase {i}" for i in range(8))
    assert diff.dropped_phrases == ("gone phrase",)
    # the HTML shows the same cut: 4 added + 10 phrases + 1 reworded (<ins> each)
    assert diff.html is not None and "Added 3." in diff.html and "Added 4." not in diff.html
    assert diff.html.count("<ins ") == 4 + 10 + 1

    version_diff = item.version_diff
    assert version_diff is not None
    assert (version_diff.basis_label, version_diff.change_note) == ("previous version", "Updated")
    assert len(version_diff.added) == 10 and version_diff.more == 2
    assert version_diff.classification == "substantive" and version_diff.against_title is None


def test_a_first_version_has_no_version_diff_and_bad_payloads_read_as_empty() -> None:
    changes = [
        _change(1, "version", "version", {"added": ["x."]}),
        _change(2, "statement", "theme:a", "not a mapping"),
        _change(3, "statement", "theme:b", {"added": "not a list", "changed": [1, {"new": "N."}]}),
    ]
    rows = _rows(changes, [_reason("keyword", "k", "k")], number=1, title="")
    item = _one(rows, render_diff=render_diff)
    assert item.version_diff is None
    assert item.title == "Release title"  # the version has none
    empty, partial = item.statement_diffs
    assert (empty.added, empty.removed, empty.reworded, empty.more) == ((), (), (), 0)
    assert "No change in the wording." in (empty.html or "")
    assert partial.added == () and partial.reworded == (("", "N."),)


def test_one_item_per_alert_sharing_the_rows_of_a_version() -> None:
    rows = MailRows(
        alerts=(
            AlertRow(id=1, version_id=70, reasons=(_reason("theme", "a", "A"),)),
            AlertRow(id=2, version_id=70, reasons=(_reason("keyword", "k", "k"),)),
        ),
        versions={70: _version()},
        changes={},
        earlier={},
    )
    items = alert_items(rows, read_diff=Diff.from_payload)
    assert sorted(items) == [1, 2]
    assert items[1].statement_diffs == () and items[2].reasons[0].kind == "keyword"
    assert items[1].statement_diffs == items[2].statement_diffs == ()


def _move(label: str, after: str, score: float = 3.0) -> dict[str, object]:
    return {"kind": "added", "label": label, "labels": [label], "score": score, "after": after}


def test_a_diff_leads_with_its_headline_moves_and_the_subject_takes_the_first() -> None:
    version = {
        "added": ["Call 5000.", "We now advise against all travel."],
        "moves": [
            _move("scale: advice all-but-essential -> all", "We now advise against all travel."),
            _move("sentence added", "Call 5000.", score=0.2),
        ],
        "details": [{"kind": "phone", "text": "5000"}],
    }
    statement = {"moves": [_move("formula_added: ceasefire", "A ceasefire.")]}
    changes = [
        _change(1, "version", "version", version),
        _change(2, "statement", "theme:a", statement),
    ]
    headlines = lambda moves: [m for m in moves if m.score >= 1.5]  # noqa: E731
    item = alert_items(
        _rows(changes, [_reason("theme", "a", "A")]),
        read_diff=Diff.from_payload,
        headlines=headlines,
    )[1]
    assert item.version_diff is not None
    assert [m.words for m in item.version_diff.moves] == ["now advises against all travel"]
    assert item.version_diff.details == ("phone: 5000",)
    assert item.top_change == "now advises against all travel"  # the edit before the statement
    assert [m.words for m in item.statement_diffs[0].moves] == ["now says “ceasefire”"]


def test_a_weak_edit_gives_way_to_a_statement_headline_and_else_is_glimpsed() -> None:
    weak = {"moves": [_move("sentence added", "Call the embassy.", score=0.2)]}
    strong = {"moves": [_move("formula_added: ceasefire", "A ceasefire.")]}
    headlines = lambda moves: [m for m in moves if m.score >= 1.5]  # noqa: E731
    both = [_change(1, "version", "version", weak), _change(2, "statement", "theme:a", strong)]
    reasons = [_reason("theme", "a", "A")]
    rows = _rows(both, reasons)
    item = alert_items(rows, read_diff=Diff.from_payload, headlines=headlines)[1]
    assert item.top_change == "now says “ceasefire”"
    alone = _rows([_change(1, "version", "version", weak)], reasons)
    item = alert_items(alone, read_diff=Diff.from_payload, headlines=headlines)[1]
    assert item.top_change == "new: “Call the embassy.”"


def test_the_baseline_line_says_why_a_statement_was_not_compared() -> None:
    payload = {
        "baseline": {
            "basis": "country:PS",
            "basis_label": "Palestine, State of",
            "title": "Earlier statement",
            "published_at": (T0 - timedelta(days=37)).isoformat(),
            "compared": False,
            "reason": "the passages on Palestine, State of share too little to compare",
        }
    }
    changes = [_change(1, "statement", "country:PS", payload)]
    rows = _rows(changes, [_reason("country", "PS", "Palestine, State of (focus)")])
    [diff] = _one(rows).statement_diffs
    assert diff.basis_label == "Palestine"
    assert diff.baseline == (
        "Last statement on Palestine: Earlier statement, 37 days ago; not compared because the "
        "passages on Palestine share too little to compare"
    )


def test_a_coalesced_mail_shows_its_net_change_and_carries_every_alert() -> None:
    own = _change(1, "version", "version", {"added": ["Only the last edit."]})
    net = replace(own, id=0, payload={"added": ["The whole net change."]})
    rows = _rows([own], [_reason("theme", "a", "A")], number=4)
    rows = replace(
        rows,
        alerts=(replace(rows.alerts[0], carries=(1, 2, 3), first_number=2, net_change=net),),
    )
    item = _one(rows)
    assert item.version_diff is not None and item.version_diff.added == ("The whole net change.",)
    assert item.carried == (1, 2, 3) and item.first_version_number == 2
