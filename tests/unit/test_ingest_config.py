"""The web source types and the fetching section of the config file; the purity of the parsers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.errors import ConfigError
from ingest.config import FeedSource, GovukSource, PageSource
from pipeline.config import load_config
from pipeline.settings import Settings, fetch_policy
from tests.unit.test_layering import FORBIDDEN, imported_roots

ROOT = Path(__file__).resolve().parents[2]
PURE_PARSERS = ["ingest/feeds.py", "ingest/html.py", "ingest/govuk.py", "ingest/documents.py"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deskwatch.yaml"
    path.write_text(text)
    return path


def test_web_sources_and_fetching(tmp_path):
    config = load_config(
        _write(
            tmp_path,
            """
fetching: {delay_s: 0.5, max_bytes: 1000, govuk_base_url: "http://127.0.0.1:8080"}
sources:
  - {name: f, type: feed, url: "https://mfa.example/feed.atom", follow_hosts: [mfa.example]}
  - {name: p, type: page, url: "https://mfa.example/statement", selector: "div.body"}
  - {name: g, type: govuk, search: {filter_organisations: fcdo}, count: 5}
  - {name: u, type: govuk, url: "https://www.gov.uk/foreign-travel-advice/japan"}
""",
        )
    )
    feed, page, search, govuk_page = config.sources
    assert isinstance(feed, FeedSource) and feed.fetch_pages == "auto" and feed.max_entries == 500
    assert isinstance(page, PageSource) and page.selector == "div.body"
    assert isinstance(search, GovukSource) and search.count == 5
    assert govuk_page.url.endswith("/japan")
    policy = fetch_policy(Settings(contact="desk@example.org"), config.fetching)
    assert (policy.delay_s, policy.max_bytes) == (0.5, 1000)
    assert "desk@example.org" in policy.user_agent
    assert (
        fetch_policy(Settings(fetch_delay_s=0), config.fetching).delay_s == 0
    )  # the environment wins


def test_defaults_are_polite(tmp_path):
    config = load_config(_write(tmp_path, "sources: []\n"))
    policy = fetch_policy(Settings(), config.fetching)
    assert policy.delay_s == 1.0 and policy.max_bytes == 10_000_000
    assert config.fetching.govuk_base_url == "https://www.gov.uk"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sources: [{name: g, type: govuk}]", "needs `url` or `search`"),
        ("sources: [{name: f, type: feed}]", "missing required key"),
        ("sources: [{name: f, type: feed, url: x, fetch_pages: sometimes}]", "fetch_pages"),
        ("fetching: {delay_s: -1}", "delay_s"),
        ("fetching: {delays: 1}", "unknown key"),
    ],
)
def test_bad_web_config_is_one_line(tmp_path, text, problem):
    with pytest.raises(ConfigError) as error:
        load_config(_write(tmp_path, text))
    assert problem in str(error.value) and "\n" not in str(error.value)


def _modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE_PARSERS)
def test_parsers_do_no_io(module):
    """The parsers never see the fetcher: no httpx, no database, no ingest.fetch / ingest.web."""
    assert not imported_roots(ROOT / module) & FORBIDDEN
    assert not _modules(ROOT / module) & {"ingest.fetch", "ingest.web", "ingest.sources"}
