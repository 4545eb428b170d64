"""Read one configured source into a SourceResult, whatever its type."""

from __future__ import annotations

from datetime import datetime

from deskwatch.config import FilesSource, SourceConfig
from deskwatch.errors import ConfigError
from ingest.files import read_folder
from ingest.records import SourceResult


def read_source(source: SourceConfig, *, now: datetime, **io: object) -> SourceResult:
    """`io` carries what web sources need (a fetcher and its HTTP cache); files need nothing."""
    if isinstance(source, FilesSource):
        return read_folder(source.path, now=now, source=source.name)
    raise ConfigError(f"source {source.name!r}: no reader for type {source.type!r}")
