"""Parsing of .html and GOV.UK Content API .json documents from files, through the same parsers
as the web (ingest.html, ingest.govuk). Pure: the caller reads the bytes.

A file keeps its file key (`file://<source>/<path>`), so each file of a folder is one release;
its `url` is the page it came from (the www.gov.uk URL of a Content API item)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from core.errors import ParseError
from core.records import ReleaseRecord
from ingest.files import file_key, read_sidecar
from ingest.govuk import parse_content_item
from ingest.html import extract_page

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".json"}


def parse_html_document(
    raw: bytes,
    *,
    key: str,
    url: str | None,
    selector: str | None = None,
    charset: str | None = None,
    shared: bool = False,
    warnings: list[str] | None = None,
) -> ReleaseRecord:
    """A web page or .html file as a record; `shared` as ReleaseRecord.shared says. A
    `selector` that matches nothing is a line in `warnings` (the page's main content is read)."""
    page = extract_page(raw, url=url or "", selector=selector, charset=charset)
    if page.selector_missed and warnings is not None:
        warnings.append(
            f"{url or key}: selector {selector!r} matched nothing; the page's main content "
            "was read instead"
        )
    if not page.text:
        raise ParseError(f"{url or key}: no statement text found in the page")
    return ReleaseRecord(
        key=key,
        url=url,
        title=page.title or page.text.split("\n", 1)[0][:200],
        text=page.text,
        raw=raw,
        content_type="text/html",
        published_at=page.published_at,
        updated_at=page.updated_at,
        language=page.language,
        organisation=page.organisation,
        document_type=page.document_type,
        description=page.description,
        change_note=page.change_note,
        shared=shared,
    )


def parse_document_file(
    path: Path, raw: bytes, *, now: datetime, key: str | None = None
) -> ReleaseRecord:
    """An .html page or a GOV.UK Content API .json item, with the `.meta.yaml` sidecar's keys
    winning over what the document says. A Content API item keeps its www.gov.uk page URL as its
    key, whatever file it arrives in: the same page read by a govuk source (or another file) is
    one release, not two; the folder is the operator's own, so it may speak for that page."""
    suffix = path.suffix.lower()
    key = key or file_key(path)
    if suffix in HTML_SUFFIXES:
        record = parse_html_document(raw, key=key, url=str(path.resolve()))
    elif suffix in JSON_SUFFIXES:
        try:
            record = dataclasses.replace(parse_content_item(raw, url=str(path)), shared=True)
        except ParseError as exc:
            raise ParseError(f"{path}: {exc}") from None
    else:
        raise ParseError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    meta = read_sidecar(path)
    if meta:
        record = dataclasses.replace(record, **meta)
    return record
