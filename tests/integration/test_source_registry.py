"""A source type added by registration only: a "jsonlines" folder type defined here, read from a
config file and stored by the real ingest stage into a SQLite archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import select

from core.errors import ConfigError
from core.records import ReleaseRecord, SourceResult
from ingest import registry
from ingest.config import SourceBase
from ingest.registry import ReadContext
from pipeline.app import App
from pipeline.config import load_config
from pipeline.settings import Settings
from pipeline.stages.ingest import ingest_source
from storage.models import Release, Source, SourceRun
from tests.fixtures.web_sources import NOW


class JsonLinesSource(SourceBase):
    type: Literal["jsonlines"]
    path: Path
    """A folder of .jsonl files, one release per line: {"key", "title", "text"}."""


def read_jsonlines(source: JsonLinesSource, ctx: ReadContext) -> SourceResult:
    result = SourceResult()
    for file in sorted(source.path.glob("*.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                result.problems.append(f"{file.name}:{number}: not JSON")
                continue
            result.records.append(
                ReleaseRecord(
                    key=f"jsonl://{source.name}/{item['key']}",
                    url=None,
                    title=item["title"],
                    text=item["text"],
                    raw=line.encode("utf-8"),
                    content_type="application/jsonl",
                    published_at=ctx.now,
                )
            )
    return result


@pytest.fixture
def jsonlines() -> Iterator[registry.SourceType]:
    kind = registry.register(JsonLinesSource, read_jsonlines)
    yield kind
    registry.unregister("jsonlines")


def _config(tmp_path: Path) -> Path:
    folder = tmp_path / "lines"
    folder.mkdir()
    (folder / "november.jsonl").write_text(
        json.dumps({"key": "a", "title": "Statement A", "text": "The minister spoke today."})
        + "\n{broken\n"
        + json.dumps({"key": "b", "title": "Statement B", "text": "A second statement."})
        + "\n"
    )
    path = tmp_path / "deskwatch.yaml"
    path.write_text("sources:\n  - {name: lines, type: jsonlines, path: lines}\n")
    return path


def test_a_registered_type_is_configured_and_ingested(jsonlines, tmp_path):
    config_path = _config(tmp_path)
    app = App.load(config_path, Settings(database_url=f"sqlite:///{tmp_path}/archive.db"))
    (source,) = app.config.sources
    assert isinstance(source, JsonLinesSource)
    assert source.path == (tmp_path / "lines").resolve()  # relative to the config file
    db = app.open_db(upgrade=True)
    try:
        summary = ingest_source(db, source, now=NOW)
        again = ingest_source(db, source, now=NOW)
        with db.session() as session:
            titles = sorted(session.scalars(select(Release.title)))
            stored = session.scalars(select(Source)).one()
            runs = session.scalars(select(SourceRun.status)).all()
    finally:
        db.dispose()
    assert (summary.status, summary.new_releases) == ("partial", 2)
    assert summary.problems == ["november.jsonl:2: not JSON"]
    assert (again.new_releases, again.unchanged) == (0, 2)
    assert titles == ["Statement A", "Statement B"]
    assert (stored.name, stored.type) == ("lines", "jsonlines")
    assert runs == ["partial", "partial"]


def test_the_error_lists_the_registered_types(jsonlines, tmp_path):
    path = tmp_path / "deskwatch.yaml"
    path.write_text("sources:\n  - {name: a, type: rss, url: x}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "sources.0: unknown source type 'rss'" in message and "\n" not in message
    assert "'jsonlines'" in message and "'files'" in message


def test_once_unregistered_the_type_is_unknown(tmp_path):
    kind = registry.register(JsonLinesSource, read_jsonlines)
    registry.unregister(kind.name)
    with pytest.raises(ConfigError) as info:
        load_config(_config(tmp_path))
    assert "unknown source type 'jsonlines'" in str(info.value)
    assert "'jsonlines'" not in str(info.value).partition("expected")[2]
    with pytest.raises(ConfigError, match="no reader for source type 'jsonlines'"):
        registry.lookup("jsonlines")


def test_a_type_cannot_be_registered_twice(jsonlines):
    with pytest.raises(ValueError, match="already registered"):
        registry.register(JsonLinesSource, read_jsonlines)
