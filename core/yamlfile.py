"""Reading a YAML data file that a person edits (the config, the taxonomy, the gazetteer), with
every problem as one line naming the file: `taxonomy.yaml: line 3: invalid YAML: ...`,
`deskwatch.yaml: sources.0.type: unknown key`.

    raw, data = read_mapping(path, "config file")     # bytes as read, and the top-level mapping
    model = validate(Config, data, path, describe)   # a pydantic model, or ConfigError
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from core.errors import ConfigError

# the C parser when PyYAML has it: the taxonomy is read on every run (~0.2 s saved)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Model = TypeVar("Model", bound=BaseModel)


def read_mapping(path: Path, what: str = "file", *, empty_ok: bool = False) -> tuple[bytes, Any]:
    """The file's bytes and its top-level mapping (`{}` for an empty file when `empty_ok`);
    ConfigError with one line when it cannot be read, is not UTF-8 or YAML, or is not a
    mapping. `what` names the file in the messages ("config file not found")."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_LOADER)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: {where}invalid YAML: {problem}") from None
    if data is None and empty_ok:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys, not {type(data).__name__}"
        )
    return raw, data


def describe(error: dict[str, Any]) -> str:
    """One pydantic error as `key.path: problem`."""
    loc = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        problem = "unknown key"
    elif error["type"] == "missing":
        problem = "missing required key"
    else:
        problem = error["msg"].removeprefix("Value error, ")  # pydantic prefixes ValueErrors
    return f"{loc}: {problem}" if loc else problem


def validate(
    model: type[Model],
    data: Any,
    path: Path,
    explain: Callable[[dict[str, Any]], str] = describe,
) -> Model:
    """`data` validated as `model`, or ConfigError naming the file and the first problem (and
    how many more there are)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{path}: {explain(dict(first))}{more}") from None
