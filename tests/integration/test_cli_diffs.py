"""`deskwatch diff` and `deskwatch phrases` after real pipeline runs (ingest, the tagger, the diff
stage) over statements written for this test, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from tests.fixtures.cli import Cli

PAUSES = """Israel and Gaza: UK statement on humanitarian pauses

The United Kingdom is gravely concerned by the humanitarian situation in Gaza.

We call for humanitarian pauses to allow aid to reach civilians in Gaza. Hamas must release all
hostages. Israel has the right to defend itself against terrorism, in line with international
humanitarian law.
"""
CEASEFIRE = """Israel and Gaza: UK statement on a sustainable ceasefire

The United Kingdom is gravely concerned by the humanitarian situation in Gaza.

We now call for a sustainable ceasefire in Gaza. Hamas must release all hostages without delay.
Israel has the right to defend itself against terrorism, in line with international
humanitarian law.
"""
TRADE = """Japan and the UK sign a digital trade agreement

The agreement with Japan will cut tariffs on whisky and support jobs in both countries. Trade
between the United Kingdom and Japan is worth billions of pounds a year.
"""


def write(folder: Path, name: str, text: str, published: str, note: str | None = None) -> None:
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    meta = f"published_at: {published}\n" + (f"change_note: {note}\n" if note else "")
    # a GOV.UK page (its edits normally carry a change note, so one without is a silent edit)
    meta += f"url: https://www.gov.uk/government/news/{name}\n"
    (folder / f"{name}.txt.meta.yaml").write_text(meta, encoding="utf-8")


@pytest.fixture
def archive(tmp_path: Path, db_url: str) -> tuple[Path, dict[str, int]]:
    folder = tmp_path / "releases"
    folder.mkdir()
    write(folder, "pauses", PAUSES, "2023-10-20")
    write(folder, "trade", TRADE, "2023-11-02")
    write(folder, "ceasefire", CEASEFIRE, "2023-12-10")
    config = tmp_path / "deskwatch.yaml"
    config.write_text("sources:\n  - {name: statements, type: files, path: releases}\n")
    app = App.load(config, Settings(database_url=db_url))
    summary = run_in_process(app, now=datetime(2023, 12, 11, tzinfo=UTC))
    assert summary.stages["statement_diffs"] >= 1
    # the publisher edits the ceasefire statement without a change note
    write(folder, "ceasefire", CEASEFIRE.replace("without delay", "immediately"), "2023-12-10")
    summary = run_in_process(app, now=datetime(2023, 12, 12, tzinfo=UTC))
    assert summary.stages["version_diffs"] == 1 and summary.stages["silent_edits"] == 1
    return config, {}


def test_statement_diffs_show_new_and_dropped_language(
    cli: Cli, archive: tuple[Path, dict[str, int]]
) -> None:
    config, _ = archive
    by_title = cli("--config", str(config), "releases", "--json").json()
    ceasefire = next(r["id"] for r in by_title if "ceasefire" in r["title"])
    pauses = next(r["id"] for r in by_title if "pauses" in r["title"])

    result = cli("--config", str(config), "diff", str(ceasefire), "--statements", "--json")
    assert result.exit_code == 0, result.stderr
    diffs = [d for d in result.json() if d["baseline"]["compared"]]
    bases = {d["basis"] for d in diffs}
    assert "theme:middle-east-escalation" in bases, bases
    assert "country:GB" not in {d["basis"] for d in result.json()}
    for item in diffs:
        assert item["against"] == {"release_id": pauses, "version": 1}
        assert "sustainable ceasefire" in item["new_phrases"]
        assert "humanitarian pauses" in item["dropped_phrases"]
        assert item["classification"] is None
        assert item["baseline"]["release_id"] == pauses
        assert "formula_added: sustainable ceasefire" in item["headlines"]
        assert item["moves"][0]["before"] and item["moves"][0]["after"]
        assert set(item) >= {
            "baseline",
            "headlines",
            "moves",
            "details",
            "against",
            "basis",
            "classification",
            "added",
            "removed",
            "changed",
            "new_phrases",
            "dropped_phrases",
        }

    plain = cli("--config", str(config), "diff", str(ceasefire), "--statements")
    assert plain.exit_code == 0
    assert "new language: sustainable ceasefire" in plain.stdout
    assert f"against release {pauses} v1" in plain.stdout
    words = " ".join(plain.stdout.split())  # as read, whatever the terminal's wrapping
    assert "Middle East escalation" in words.split("what moved:")[0]  # the basis by name
    assert "what moved:" in plain.stdout and "formula added: sustainable ceasefire" in plain.stdout
    assert plain.stdout.index("what moved:") < plain.stdout.index("new language:")
    assert "compared with the last statement: Israel and Gaza" in words
    assert "Palestine, State of" not in words
    assert result.stderr == ""


def test_version_diff_and_against(cli: Cli, archive: tuple[Path, dict[str, int]]) -> None:
    config, _ = archive
    rows = cli("--config", str(config), "releases", "--json").json()
    ceasefire = next(r["id"] for r in rows if "ceasefire" in r["title"])
    pauses = next(r["id"] for r in rows if "pauses" in r["title"])
    trade = next(r["id"] for r in rows if "trade" in r["title"])

    [change] = cli("--config", str(config), "diff", str(ceasefire), "--json").json()
    assert change["basis"] == "version"
    assert change["against"] == {"release_id": ceasefire, "version": 1}
    assert change["classification"] == "substantive" and change["silent_edit"] is True
    assert change["stored"] is True
    [pair] = change["changed"]
    assert ["-", "without delay"] in pair["word_diff"] and ["+", "immediately"] in pair["word_diff"]
    plain = cli("--config", str(config), "diff", str(ceasefire))
    assert "substantive" in plain.stdout and "SILENT EDIT" in plain.stdout

    assert cli("--config", str(config), "diff", str(pauses), "--json").json() == []
    assert "nothing to compare" in cli("--config", str(config), "diff", str(pauses)).stdout

    [other] = cli(
        "--config", str(config), "diff", str(ceasefire), "--against", str(pauses), "--json"
    ).json()
    assert other["basis"] == "release" and other["against"]["release_id"] == pauses
    assert "sustainable ceasefire" in other["new_phrases"]
    unrelated = cli("--config", str(config), "diff", str(trade), "--statements", "--json")
    assert unrelated.exit_code == 0 and isinstance(unrelated.json(), list)


def test_phrases_history_ranked_and_dated(cli: Cli, archive: tuple[Path, dict[str, int]]) -> None:
    config, _ = archive
    result = cli("--config", str(config), "phrases", "middle-east-escalation", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {r["phrase"]: r for r in result.json()}
    assert rows["sustainable ceasefire"]["first_used"].startswith("2023-12-10")
    assert rows["sustainable ceasefire"]["first_title"].startswith("Israel and Gaza: UK statement")
    assert rows["humanitarian pause"]["last_used"].startswith("2023-10-20")
    assert rows["humanitarian pause"]["dropped_since"].startswith("2023-12-10")
    assert rows["humanitarian situation"]["releases"] == 2
    weights = [r["weight"] for r in result.json()]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0  # the lexicon's first
    csv = cli("--config", str(config), "phrases", "middle-east-escalation", "--csv", "--limit", "3")
    assert csv.stdout.splitlines()[0].startswith("phrase,first_used,last_used")
    assert len(csv.stdout.splitlines()) == 4
    table = cli("--config", str(config), "phrases", "middle-east-escalation")
    assert "Language on Middle East escalation" in table.stdout
    assert "dropped since" in table.stdout and "2023-12-10" in table.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("diff", "999"), 1, "no release with id 999"),
        (("diff", "1", "--against", "1"), 2, "--against names the release itself"),
        (("diff", "1", "--against", "2", "--statements"), 2, "choose one of"),
        (("phrases", "no-such-theme"), 1, "no theme 'no-such-theme'"),
        (("phrases", "bogus:x"), 2, "expected theme:<id> or country:<code>"),
        (("phrases", "theme:"), 2, "expected theme:<id> or country:<code>"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    assert cli("db", "upgrade").exit_code == 0  # an empty archive: the arguments are the problem
    result = cli(*args)
    assert result.exit_code == code
    assert result.stderr.startswith("deskwatch: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
