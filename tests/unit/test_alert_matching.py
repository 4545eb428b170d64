"""Matching subscriptions to release versions: pure rules."""

from __future__ import annotations

from dataclasses import replace

from alerts.matching import (
    Evidence,
    Rule,
    TagFact,
    VersionFacts,
    eligible,
    keyword_evidence,
    match,
    normalise_keyword,
    plan_alerts,
    tag_evidence,
)

TEXT = (
    "The UK calls for a sustainable ceasefire in Gaza. Aid must reach civilians.\n\n"
    "The Foreign Secretary met Israeli and Palestinian leaders. Ceasefire talks continue."
)
TAGS = (
    TagFact("theme", "middle-east-escalation", "Middle East escalation", evidence=(Evidence("x"),)),
    TagFact("country", "PS", "Palestine", focus=True),
    TagFact("country", "IL", "Israel", focus=False),
)


def facts(number: int = 1, classification: str | None = None) -> VersionFacts:
    return VersionFacts(1, 1, number, "UK statement on Gaza", TEXT, TAGS, classification)


def test_new_releases_and_substantive_versions_are_eligible_nothing_else() -> None:
    assert eligible(facts(1))
    assert eligible(facts(2, "substantive"))
    assert not eligible(facts(2, "minor"))
    assert not eligible(facts(2, "trivial"))
    assert not eligible(facts(2, None))  # not classified (yet): never guess


def test_themes_countries_and_focus_only() -> None:
    assert [
        r.value for r in match(Rule(1, "a@x.org", themes=("middle-east-escalation",)), facts())
    ] == ["middle-east-escalation"]
    assert match(Rule(1, "a@x.org", themes=("ukraine-support",)), facts()) == []
    assert [r.label for r in match(Rule(1, "a@x.org", countries=("ps", "IL")), facts())] == [
        "Palestine (focus)",
        "Israel",
    ]
    focus = Rule(1, "a@x.org", countries=("PS", "IL"), focus_only=True)
    assert [r.value for r in match(focus, facts())] == ["PS"]


def test_keywords_are_whole_words_or_phrases_case_insensitive() -> None:
    def hits(keyword: str) -> list[str]:
        return [r.value for r in match(Rule(1, "a@x.org", keywords=(keyword,)), facts())]

    assert hits("ceasefire") == ["ceasefire"]
    assert hits('"Sustainable  Ceasefire"') == ["Sustainable Ceasefire"]
    assert hits("cease") == []  # not a whole word
    assert hits("fire") == []
    assert hits("Israel") == []  # "Israeli" is another word
    assert hits("gaza") == ["gaza"]
    assert hits("civilians. The") == []  # a phrase does not span two sentences' punctuation


def test_keyword_evidence_marks_every_occurrence_title_first() -> None:
    evidence = keyword_evidence("ceasefire", "Ceasefire now", TEXT)
    assert [e.sentence for e in evidence] == [
        "Ceasefire now",
        "The UK calls for a sustainable ceasefire in Gaza.",
        "Ceasefire talks continue.",
    ]
    assert evidence[1].spans == ((31, 40),)
    assert evidence[1].sentence[31:40] == "ceasefire"


def test_one_alert_per_email_version_and_frequency_with_every_reason() -> None:
    rules = [
        Rule(1, "a@x.org", themes=("middle-east-escalation",)),
        Rule(2, "a@x.org", countries=("PS",), keywords=("ceasefire",)),
        Rule(3, "a@x.org", themes=("middle-east-escalation",)),  # the same reason twice
        Rule(4, "a@x.org", frequency="daily", countries=("IL",)),
        Rule(5, "b@x.org", keywords=("nothing here",)),
    ]
    planned = plan_alerts(rules, [facts(), facts(2, "trivial")])
    assert [(p.email, p.frequency) for p in planned] == [
        ("a@x.org", "immediate"),
        ("a@x.org", "daily"),
    ]
    assert [(r.kind, r.value) for r in planned[0].reasons] == [
        ("theme", "middle-east-escalation"),
        ("country", "PS"),
        ("keyword", "ceasefire"),
    ]


def test_tag_evidence_uses_exact_offsets_and_merges_sentences() -> None:
    sentence = "Gaza and the West Bank; Gaza again."
    items = [
        {"text": "Gaza", "start": 100, "end": 104, "sentence": sentence, "sentence_start": 100},
        {"text": "Gaza", "start": 124, "end": 128, "sentence": sentence, "sentence_start": 100},
        {"text": "West Bank", "sentence": sentence},  # no offsets: found by search
    ]
    [evidence] = tag_evidence(items)
    assert evidence.sentence == sentence
    assert [sentence[a:b] for a, b in evidence.spans] == ["Gaza", "West Bank", "Gaza"]


def test_normalise_keyword() -> None:
    assert normalise_keyword('  "humanitarian   pause" ') == "humanitarian pause"
    assert normalise_keyword("'ceasefire'") == "ceasefire"
    assert normalise_keyword('"') == '"'


def test_a_release_that_alerted_someone_keeps_alerting_them_when_its_tags_drift() -> None:
    drifted = VersionFacts(
        5,
        1,
        3,
        "UK statement on Gaza",
        "A text that no longer says what it was about.",
        (TagFact("theme", "migration", "Migration"),),
        "substantive",
        alerted=frozenset({("desk@example.org", "immediate")}),
    )
    desk = Rule(1, "desk@example.org", themes=("middle-east-escalation",))
    weekly = Rule(2, "desk@example.org", frequency="weekly", themes=("middle-east-escalation",))
    other = Rule(3, "other@example.org", themes=("middle-east-escalation",))
    [alert] = plan_alerts([desk, weekly, other], [drifted])
    assert (alert.email, alert.frequency) == ("desk@example.org", "immediate")
    assert [(r.kind, r.value) for r in alert.reasons] == [("release", "1")]
    # a trivial or minor version of it never alerts, sticky or not
    assert plan_alerts([desk], [replace(drifted, classification="minor")]) == []
    # when the tags still match, the rule's own reason is given, not the sticky one
    kept = replace(drifted, tags=TAGS)
    [again] = plan_alerts([desk], [kept])
    assert [r.kind for r in again.reasons] == ["theme"]


def test_a_country_reason_is_named_as_desk_officers_write_it() -> None:
    tags = (TagFact("country", "PS", "Palestine, State of", focus=True),)
    version = VersionFacts(1, 1, 1, "Gaza", TEXT, tags)
    [reason] = match(Rule(1, "d@example.org", countries=("ps",)), version)
    assert reason.label == "Palestine (focus)"
