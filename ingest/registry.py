"""The source types deskwatch knows, by registration.

Each source type is one `SourceType` record: its config model (a pydantic model with
`type: Literal["..."]`), its reader `read(source, ctx) -> SourceResult`, and whether it reads from
the web (the ingest stage then opens a Fetcher for it, and the HTTP cache unless `http_cache` is
off). The built-in types register themselves in ingest.source_types; a new type is one module and
one `register(...)` call:

    register(JsonLinesSource, read_jsonlines)

A reader may be a `LazyReader` naming its module and function: it is imported on its first call,
so that loading the config (which needs only the models) imports no fetcher, feed or HTML parser.

The `sources:` key of the config file accepts the registered `configurable` types (see
`config_union`); read_source and the ingest stage look the type up by its `type` value.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args

from pydantic import Field

from core.errors import ConfigError
from core.records import SourceResult

if TYPE_CHECKING:
    from ingest.config import SourceBase
    from ingest.fetch import Fetcher
    from ingest.web import CacheStore

BUILT_IN_MODULE = "ingest.source_types"
"""Registers the built-in types when imported; the registry imports it on first use."""


@dataclass(frozen=True)
class ReadContext:
    """What a reader is given besides its source: the time of the run and, for web types, the
    fetcher, the conditional-GET cache (None: always fetch) and the GOV.UK base URL."""

    now: datetime
    fetcher: Fetcher | None = None
    cache: CacheStore | None = None
    govuk_base_url: str | None = None


Reader = Callable[[Any, ReadContext], SourceResult]


@dataclass(frozen=True)
class LazyReader:
    """A reader named by `module` and `function`, imported when it is first called."""

    module: str
    function: str

    def __call__(self, source: Any, ctx: ReadContext) -> SourceResult:
        read: Reader = getattr(importlib.import_module(self.module), self.function)
        return read(source, ctx)


@dataclass(frozen=True)
class SourceType:
    name: str
    model: type[SourceBase]
    read: Reader
    web: bool = False
    """Reads from the web: needs a Fetcher."""
    http_cache: bool = True
    """A web type's responses are cached by URL (conditional GET) across runs."""
    configurable: bool = True
    """Accepted in the config file's `sources:` (the ad-hoc type of `deskwatch ingest` is not)."""


_types: dict[str, SourceType] = {}
_built_in_loaded = False


def type_name(model: type[SourceBase]) -> str:
    """The value of the model's `type: Literal["..."]` field."""
    field = model.model_fields.get("type")
    values = get_args(field.annotation) if field is not None else ()
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"{model.__name__}.type must be a Literal of one string")
    return values[0]


def register(
    model: type[SourceBase],
    read: Reader,
    *,
    web: bool = False,
    http_cache: bool = True,
    configurable: bool = True,
) -> SourceType:
    """Add a source type; registering a name twice is a mistake (unregister it first)."""
    name = type_name(model)
    if name in _types:
        raise ValueError(f"source type {name!r} is already registered")
    kind = SourceType(name, model, read, web=web, http_cache=http_cache, configurable=configurable)
    _types[name] = kind
    return kind


def unregister(name: str) -> None:
    _types.pop(name, None)


def _load_built_in() -> None:
    global _built_in_loaded
    if not _built_in_loaded:
        _built_in_loaded = True
        importlib.import_module(BUILT_IN_MODULE)


def source_types(*, configurable_only: bool = False) -> list[SourceType]:
    """The registered types in registration order (the built-in ones first)."""
    _load_built_in()
    return [t for t in _types.values() if t.configurable or not configurable_only]


def lookup(name: str) -> SourceType:
    _load_built_in()
    try:
        return _types[name]
    except KeyError:
        raise ConfigError(f"no reader for source type {name!r}") from None


def config_union() -> Any:
    """The pydantic type of one entry of `sources:`: a union of the configurable models,
    discriminated by `type`."""
    models = tuple(t.model for t in source_types(configurable_only=True))
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 - built at runtime
