"""The `files` source: a folder of releases on disk (.txt now; .html and GOV.UK .json parse
through ingest.documents). A `<name>.meta.yaml` sidecar beside a file supplies metadata that
wins over what is inferred from the text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from core.errors import ParseError
from core.normalise import clean_text
from core.records import ReleaseRecord, SourceResult
from ingest.plaintext import infer_published_date, infer_title
from ingest.problems import ITEM_ERRORS, item_problem

SIDECAR_SUFFIX = ".meta.yaml"
TEXT_SUFFIXES = {".txt", ".text", ".md"}
_SIDECAR_KEYS = {
    "title",
    "published_at",
    "url",
    "organisation",
    "document_type",
    "language",
    "description",
    "change_note",
}


def file_key(path: Path, folder: Path | None = None, source: str | None = None) -> str:
    """`file://<source>/<path within the source folder>` for files of a configured source (so the
    key survives moving the installation), else `file:` and the absolute path."""
    if folder is not None and source is not None:
        return f"file://{source}/" + path.resolve().relative_to(folder.resolve()).as_posix()
    return "file:" + path.resolve().as_posix()


def read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar's keys, checked: text keys are text (a number is read as its text),
    `published_at` a date. A wrong key or type is a ParseError that names the sidecar."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ParseError(f"{sidecar}: cannot read metadata: {exc}") from None
    if not isinstance(data, dict):
        raise ParseError(f"{sidecar}: metadata must be a mapping")
    unknown = {str(k) for k in data} - _SIDECAR_KEYS
    if unknown:
        raise ParseError(f"{sidecar}: unknown key(s) {', '.join(sorted(unknown))}")
    checked: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "published_at":
            try:
                checked[key] = _as_datetime(value)
            except ParseError as exc:
                raise ParseError(f"{sidecar}: {exc}") from None
        elif isinstance(value, str):
            checked[key] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            checked[key] = str(value)
        else:
            raise ParseError(f"{sidecar}: {key} must be text, not {type(value).__name__}")
    return checked


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    if not isinstance(value, str):
        raise ParseError(f"published_at {value!r} is not an ISO 8601 date")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(f"published_at {value!r} is not an ISO 8601 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_text_file(
    path: Path, raw: bytes, *, now: datetime, key: str | None = None
) -> ReleaseRecord:
    """A plain-text release: title and date inferred unless the sidecar gives them."""
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = raw.decode("cp1252", errors="replace")
    text = clean_text(decoded)
    if not text:
        raise ParseError(f"{path}: the file has no text")
    meta = read_sidecar(path)
    published = meta.get("published_at")
    if published is None:
        inferred = infer_published_date(text, now)
        published = datetime.combine(inferred, time(0, 0), tzinfo=UTC) if inferred else None
    return ReleaseRecord(
        key=key or file_key(path),
        url=meta.get("url") or str(path.resolve()),
        title=str(meta.get("title") or infer_title(text)),
        text=text,
        raw=raw,
        content_type="text/plain; charset=utf-8",
        published_at=published,
        language=meta.get("language"),
        organisation=meta.get("organisation"),
        document_type=meta.get("document_type"),
        description=meta.get("description"),
        change_note=meta.get("change_note"),
    )


def parse_file(path: Path, raw: bytes, *, now: datetime, key: str | None = None) -> ReleaseRecord:
    """Parse one file by its suffix. Raises ParseError for what cannot be read."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return parse_text_file(path, raw, now=now, key=key)
    from ingest import documents  # html / json parsing lives with the web ingest

    return documents.parse_document_file(path, raw, now=now, key=key)


def list_release_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SIDECAR_SUFFIX)
    )


def read_folder(folder: Path, *, now: datetime, source: str | None = None) -> SourceResult:
    """Read every release file in `folder`. A file that cannot be read (or a link that leads
    out of the folder) is a problem of that file only; a missing folder fails the source."""
    if not folder.is_dir():
        raise ParseError(f"source folder {folder} does not exist or is not a folder")
    result = SourceResult()
    root = folder.resolve()
    for path in list_release_files(folder):
        try:
            if not path.resolve().is_relative_to(root):
                result.problems.append(f"{path}: a link to a file outside the folder; not read")
                continue
            raw = path.read_bytes()
            key = file_key(path, folder, source) if source else None
            result.records.append(parse_file(path, raw, now=now, key=key))
        except OSError as exc:
            result.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        except ITEM_ERRORS as exc:
            result.problems.append(item_problem(str(path), exc))
    return result
