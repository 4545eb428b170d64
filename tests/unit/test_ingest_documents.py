"""The `files` source's .html and GOV.UK .json files parse through the web parsers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.records import PublisherLink
from ingest.files import read_folder
from tests.fixtures.corpus import GOVUK, corpus_path
from tests.fixtures.web_sources import NOW, WEB_FIXTURES, web_fixture


def test_html_and_json_files(tmp_path):
    shutil.copy(WEB_FIXTURES / "river-accord.html", tmp_path / "river.html")
    shutil.copy(WEB_FIXTURES / "maritime-security.json", tmp_path / "maritime.json")
    (tmp_path / "maritime.json.meta.yaml").write_text("organisation: Overridden by the sidecar\n")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = read_folder(tmp_path, now=NOW, source="desk")
    records = {r.key: r for r in result.records}
    river = records["file://desk/river.html"]
    assert river.text == web_fixture("river-accord.expected.txt").decode().strip()
    assert river.title == "Statement on the River Accord"
    # a Content API item is keyed by its www.gov.uk page, whatever file it arrives in
    maritime = records["https://www.gov.uk/government/news/uk-statement-on-maritime-security"]
    assert maritime.shared
    assert maritime.url == "https://www.gov.uk/government/news/uk-statement-on-maritime-security"
    assert maritime.organisation == "Overridden by the sidecar"
    assert PublisherLink(
        "person", "/government/people/jane-example", "The Rt Hon Jane Example MP"
    ) in (maritime.publisher_links)
    assert result.problems == [f"{tmp_path / 'notes.pdf'}: unsupported file type .pdf"]


def test_json_that_is_not_a_content_item(tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "empty.html").write_text("<html><body><nav>Home</nav></body></html>")
    result = read_folder(tmp_path, now=NOW)
    assert result.records == []
    assert len(result.problems) == 2


@pytest.mark.corpus
def test_govuk_corpus_as_a_files_source():
    corpus = corpus_path(GOVUK)
    result = read_folder(corpus, now=NOW, source="corpus")
    items = sorted(corpus.glob("*__*.json"))
    assert len(result.records) == len(items)
    paths = sorted(json.loads(p.read_bytes())["base_path"] for p in items)
    assert sorted(r.key.removeprefix("https://www.gov.uk") for r in result.records) == paths
    assert all(r.text for r in result.records)
    # the two index files are not content items: each is a problem of that file only
    assert sorted(Path(p.split(":")[0]).name for p in result.problems) == [
        "LABELS.json",
        "MANIFEST.json",
    ]
