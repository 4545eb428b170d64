"""`deskwatch retag`, `deskwatch eval` (on the folders it is given), and tags in `show` /
`releases`, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from tests.fixtures.cli import Cli
from tests.fixtures.corpus import CORPUS, GOVUK, corpus_path

GOLD = Path(__file__).resolve().parents[1] / "gold"


@pytest.fixture
def seeded(cli: Cli, db_url: str) -> Cli:
    run_in_process(
        App.load(None, Settings(database_url=db_url)), now=datetime(2026, 11, 27, tzinfo=UTC)
    )
    return cli


def test_show_json_lists_tags_with_evidence(seeded: Cli) -> None:
    result = seeded("show", "1", "--json")
    assert result.exit_code == 0, result.stderr
    detail = result.json()
    assert {"JP", "GB", "IL", "PS", "UA", "RU"} <= set(detail["countries"])
    assert "ukraine-support" in detail["themes"]
    assert detail["focus_countries"][0] in ("JP", "GB")
    tag = next(t for t in detail["tags"] if t["kind"] == "country" and t["value"] == "JP")
    assert set(tag) >= {"kind", "value", "score", "origin", "focus", "evidence"}
    assert tag["focus"] is True and tag["origin"] == "rule"
    ev = tag["evidence"][0]
    assert detail["text"][ev["start"] : ev["end"]] == ev["text"] or ev["field"] == "title"
    person = next(t for t in detail["tags"] if t["value"] == "Yōko Kamikawa")
    assert person["attributes"]["ascii"] == "Yoko Kamikawa"


def test_show_prints_the_tags_table(seeded: Cli) -> None:
    result = seeded("show", "1")
    assert result.exit_code == 0, result.stderr
    assert "Tags (latest version)" in result.stdout
    assert "Minoru Kihara" in result.stdout


def test_releases_filters_by_theme_and_country(seeded: Cli) -> None:
    rows = seeded("releases", "--json").json()
    assert "indo-pacific" in rows[0]["themes"] and "JP" in rows[0]["countries"]
    assert [r["id"] for r in seeded("releases", "--theme", "indo-pacific", "--json").json()] == [1]
    assert seeded("releases", "--country", "jp", "--country", "UA", "--json").json()[0]["id"] == 1
    assert seeded("releases", "--country", "FR", "--json").json() == []
    assert seeded("releases", "--theme", "humanitarian", "--json").json() == []
    csv = seeded("releases", "--theme", "sanctions", "--csv")
    assert csv.stdout.splitlines()[0].startswith("id,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["releases", "--theme", "no-such-theme"], "unknown theme 'no-such-theme'"),
        (["releases", "--country", "Japan"], "not an ISO 3166-1 alpha-2 code"),
        (["retag", "--since", "last tuesday"], "is not a date"),
    ],
)
def test_bad_arguments_are_one_line(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_retag_is_idempotent(seeded: Cli) -> None:
    before = seeded("show", "1", "--json").json()["tags"]
    first = seeded("retag", "--json").json()
    second = seeded("retag", "--json").json()
    assert first["tagged_versions"] == second["tagged_versions"] == 1
    assert first["tags_written"] == second["tags_written"] == len(before)
    after = seeded("show", "1", "--json").json()["tags"]
    strip = lambda tags: [{k: v for k, v in t.items()} for t in tags]  # noqa: E731
    assert strip(after) == strip(before)
    assert seeded("retag", "--since", "2030-01-01", "--json").json()["tagged_versions"] == 0
    plain = seeded("retag", "--since", "2023-01-01")
    assert "1 versions" in plain.stdout


def test_retag_with_an_edited_taxonomy(seeded: Cli, tmp_path: Path) -> None:
    from tagging.taxonomy import DEFAULT_TAXONOMY_PATH

    taxonomy = tmp_path / "taxonomy.yaml"
    original = DEFAULT_TAXONOMY_PATH.read_text("utf-8")
    anchor = "    description: Engagement with the Indo-Pacific region"
    assert anchor in original
    # the indo-pacific theme now needs a score no release reaches
    taxonomy.write_text(original.replace(anchor, "    threshold: 1000\n" + anchor), "utf-8")
    config = tmp_path / "deskwatch.yaml"
    config.write_text(f"tagging:\n  taxonomy: {taxonomy.name}\n", encoding="utf-8")
    assert "indo-pacific" in seeded("show", "1", "--json").json()["themes"]
    result = seeded("--config", str(config), "retag", "--json")
    assert result.exit_code == 0, result.stderr
    assert "indo-pacific" not in seeded("show", "1", "--json").json()["themes"]


def test_eval_on_the_gold_set_only(cli: Cli) -> None:
    result = cli("eval", "--gold", str(GOLD), "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["corpus"] is None and report["gold"]["path"] == str(GOLD)
    assert any("no GOV.UK corpus given" in note for note in report["notes"])
    by_kind = {s["kind"]: s for s in report["scores"]}
    assert by_kind["country"]["precision"] >= 0.95 and by_kind["country"]["recall"] >= 0.95
    assert by_kind["theme"]["macro_f1"] >= 0.85
    plain = cli("eval", "--gold", str(GOLD))
    assert "no GOV.UK corpus given" in plain.stdout and "macro-F1" in plain.stdout
    csv = cli("eval", "--gold", str(GOLD), "--csv")
    assert csv.stdout.splitlines()[0] == "dataset,kind,label,tp,fp,fn,precision,recall,f1"


def test_eval_needs_a_folder_and_has_no_default(cli: Cli, tmp_path: Path) -> None:
    result = cli("eval")
    assert result.exit_code == 2
    assert result.stderr == (
        "deskwatch: error: give the gold set (--gold DIR), the corpus (--corpus DIR) or both\n"
    )
    empty = cli("eval", "--gold", str(tmp_path))
    assert empty.exit_code == 2 and f"no gold files (*.yaml) in {tmp_path}" in empty.stderr
    nothing = cli("eval", "--corpus", str(tmp_path))
    assert nothing.exit_code == 2
    assert f"no govuk-content-api/LABELS.json in {tmp_path}" in nothing.stderr


@pytest.mark.corpus
def test_eval_on_the_govuk_corpus(cli: Cli) -> None:
    corpus_path(GOVUK / "LABELS.json")
    result = cli("eval", "--corpus", str(CORPUS), "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["gold"] is None
    assert report["corpus"]["labelled_items"] >= 10
    govuk = {s["kind"]: s for s in report["scores"] if s["dataset"] == "govuk"}
    assert set(govuk) == {"country-focus", "country-mentioned"}
    # every miss and false positive is listed, and the figures add up
    focus = govuk["country-focus"]
    assert len(focus["errors"]) == sum(label["fp"] + label["fn"] for label in focus["labels"])
    assert focus["precision"] > 0.5


def test_a_bad_taxonomy_stops_retag_with_one_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("version: 1\nthemes: [\n", encoding="utf-8")
    config = tmp_path / "deskwatch.yaml"
    config.write_text("tagging:\n  taxonomy: broken.yaml\n", encoding="utf-8")
    result = cli("--config", str(config), "retag")
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr and "invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    config.write_text("tagging:\n  taxonomy: missing.yaml\n", encoding="utf-8")
    result = cli("--config", str(config), "eval", "--gold", str(GOLD))
    assert result.exit_code == 2 and "file not found" in result.stderr
