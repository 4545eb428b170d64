"""Parsing of .html and GOV.UK Content API .json documents (from files or from the web).

Placeholder of the foundation: the web-ingest work fills this in."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from deskwatch.errors import ParseError
from ingest.records import ReleaseRecord


def parse_document_file(
    path: Path, raw: bytes, *, now: datetime, key: str | None = None
) -> ReleaseRecord:
    raise ParseError(f"{path}: unsupported file type {path.suffix or '(none)'}")
