"""The `fresh` part of the corpus labels: keys are paths in the corpus folder (a statement JSON,
or a feed-entries JSON and `#` and an entry's link path), read and scored like the GOV.UK parts.
Every text here is the team's own, written for this test (no corpus text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import ConfigError
from pipeline.corpus_labels import evaluate_fresh_labels, load_govuk_labels, read_labelled_text
from pipeline.evaluation import evaluation_report, load_gold
from tagging.tagger import get_tagger
from tagging.taxonomy import load_taxonomy

STATEMENT = "statement-series/sanctions/2026-01-05-new-designations.json"
FEED = "feeds/news/news_2026-01-05.entries.json"
ENTRY = "/government/news/school-playing-fields-reopen"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    statement = root / STATEMENT
    statement.parent.mkdir(parents=True)
    statement.write_text(
        json.dumps(
            {
                "title": "UK announces new sanctions on Ruritania",
                "body": "The UK has imposed new sanctions on five Ruritanian officials today."
                "\n\nTheir assets are frozen and they face travel bans.",
                "published": "2026-01-05",
            }
        ),
        encoding="utf-8",
    )
    feed = root / FEED
    feed.parent.mkdir(parents=True)
    feed.write_text(
        json.dumps(
            [
                {
                    "title": "Harbour festival returns",
                    "link": "https://www.gov.uk/government/news/harbour-festival-returns",
                    "body_text": "The harbour festival returns in June with boat races.",
                },
                {
                    "title": "School playing fields reopen",
                    "link": f"https://www.gov.uk{ENTRY}",
                    "body_text": "Playing fields at three schools in Kent reopen after repairs.",
                },
            ]
        ),
        encoding="utf-8",
    )
    return root


def write_labels(folder: Path, items: dict[str, dict[str, object]]) -> Path:
    path = folder / "fresh_labels.yaml"
    path.write_text(json.dumps({"version": 1, "items": items}), encoding="utf-8")  # JSON is YAML
    return path


def test_keys_name_a_statement_or_a_feed_entry(corpus: Path) -> None:
    title, text = read_labelled_text(corpus, STATEMENT)
    assert title == "UK announces new sanctions on Ruritania" and "travel bans" in text
    title, text = read_labelled_text(corpus, f"{FEED}#{ENTRY}")
    assert title == "School playing fields reopen" and text.startswith("Playing fields")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("statement-series/sanctions/no-such.json", "no file"),
        (f"{FEED}#/government/news/no-such-entry", "no entry with the link path"),
        (f"{FEED}", "is not a statement"),
        ("../outside.json", "no file"),
    ],
)
def test_a_key_that_names_nothing_is_one_clear_error(corpus: Path, key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        read_labelled_text(corpus, key)
    assert key in str(raised.value) and "\n" not in str(raised.value)


def test_the_fresh_part_is_scored(corpus: Path, tmp_path: Path) -> None:
    labels = load_govuk_labels(
        write_labels(
            tmp_path,
            {
                STATEMENT: {"part": "fresh", "language": "en", "themes": ["sanctions"]},
                f"{FEED}#{ENTRY}": {"part": "fresh", "language": "en", "themes": []},
            },
        )
    )
    part = evaluate_fresh_labels(get_tagger(load_taxonomy()), corpus, labels)["fresh"]
    assert part.themes.items == 2 and part.themes.dataset == "govuk-fresh"
    assert part.themes.labels["sanctions"].tp == 1
    assert part.themes.overall.precision == 1.0 and part.themes.overall.recall == 1.0


def test_a_fresh_label_of_another_part_or_theme_is_refused(corpus: Path, tmp_path: Path) -> None:
    tagger = get_tagger(load_taxonomy())
    labels = load_govuk_labels(write_labels(tmp_path, {STATEMENT: {"part": "tune"}}))
    with pytest.raises(ConfigError, match="only `fresh`"):
        evaluate_fresh_labels(tagger, corpus, labels)
    labels = load_govuk_labels(
        write_labels(tmp_path, {STATEMENT: {"part": "fresh", "themes": ["no-such"]}})
    )
    with pytest.raises(ConfigError, match="unknown theme"):
        evaluate_fresh_labels(tagger, corpus, labels)


def test_eval_reads_the_fresh_labels_of_the_gold_folder(corpus: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "items.yaml").write_text("- id: a\n  text: The UK imposed sanctions.\n  themes: []\n")
    (gold / "govuk_labels.yaml").write_text("version: 1\nitems: {}\n")
    write_labels(gold, {STATEMENT: {"part": "fresh", "themes": ["sanctions"]}})
    (corpus / "govuk-content-api").mkdir()
    (corpus / "govuk-content-api" / "LABELS.json").write_text('{"items": []}')
    taxonomy = load_taxonomy()
    assert [i.id for i in load_gold(gold, taxonomy.theme_ids, taxonomy.places.regions)] == ["a"]
    report = evaluation_report(taxonomy, gold=gold, corpus=corpus)
    assert [p.part for p in report["parts"]] == ["tune", "holdout", "fresh"]
    fresh = next(row for row in report["summary"] if row["dataset"] == "govuk-fresh")
    assert fresh["items"] == 1 and fresh["theme_recall"] == 1.0
    write_labels(gold, {"statement-series/gone.json": {"part": "fresh"}})
    with pytest.raises(ConfigError, match="gone.json"):
        evaluation_report(taxonomy, gold=gold, corpus=corpus)
