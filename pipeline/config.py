"""The YAML config file: sources, subscriptions, SMTP, schedules.

`load_config(path)` reads and validates it; `None` means the bundled default, whose only source is
the seeds/ folder of the installation. Any problem becomes a ConfigError that names the file, the
key and what is wrong, e.g. `config.yaml: sources.0.type: unknown source type 'rss'`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from alerts.channels import DEFAULT_CHANNEL, check_channel
from core.errors import ConfigError
from core.yamlfile import describe, read_mapping, validate
from ingest import registry
from ingest.config import FetchingConfig, SourceConfig
from pipeline.alerting import SmtpConfig, SubscriptionConfig, resolve_paths
from pipeline.health import HealthConfig
from pipeline.scheduling import RunConfig, ScheduleConfig

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_CONFIG_PATH = SEEDS_DIR / "deskwatch.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DiffingConfig(_Strict):
    """How new statements are compared with earlier ones (the `diffing:` key)."""

    lookback_days: int = Field(default=365, gt=0)
    """Statement diffs look for earlier statements on the same theme or country this far back."""
    candidates: int = Field(default=10, gt=0, le=500)
    """At most this many earlier statements per theme or country are compared (newest first)."""


class TaggingConfig(_Strict):
    """Where the theme taxonomy and the gazetteer are (the `tagging:` key); relative paths are
    relative to the config file. Default: the bundled seeds/taxonomy.yaml and seeds/places.yaml."""

    taxonomy: Path | None = None
    places: Path | None = None
    batch_size: int = Field(default=200, gt=0, le=5000)
    """Versions tagged per transaction."""


class WebConfig(_Strict):
    """The reading room, `deskwatch web` (the `web:` key; docs/web.md). DESKWATCH_WEB_* variables
    win over these (deskwatch.web.settings.web_settings)."""

    host: str = "127.0.0.1"
    """Where to listen; anything but a loopback address needs `auth` other than none."""
    port: int = Field(default=8080, gt=0, lt=65536)
    base_url: str | None = None
    """The address readers use (for links in mails); default http://HOST:PORT."""
    auth: Literal["none", "basic", "proxy"] = "none"
    """none (loopback only), basic (users_file of hashed passwords) or proxy (a trusted reverse
    proxy puts the signed-in user in `proxy_header`)."""
    users_file: Path | None = None
    """For basic auth: lines `name:pbkdf2_sha256$iterations$salt$hash` (`deskwatch web --hash`)."""
    proxy_header: str = "X-Remote-User"
    secret_file: Path | None = None
    """The key that signs subscription links and form tokens (DESKWATCH_WEB_SECRET wins)."""


class Config(_Strict):
    """The whole config file. `sources` holds the models of the registered source types:
    load_config validates with `config_model()`, whose `sources` is the registry's union."""

    database_url: str | None = None
    sources: list[SourceConfig] = Field(default_factory=list)
    tagging: TaggingConfig = Field(default_factory=TaggingConfig)
    fetching: FetchingConfig = Field(default_factory=FetchingConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    diffing: DiffingConfig = Field(default_factory=DiffingConfig)
    subscriptions: list[SubscriptionConfig] = Field(default_factory=list)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    channel: str = DEFAULT_CHANNEL
    """Where alerts go: a registered alert channel (alerts.channels); `email` ships."""
    # filled in by the later stages (subscriptions, smtp, schedule, ...)
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}")
            seen.add(source.name)
        return sources

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, name: str) -> str:
        try:
            check_channel(name)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return name


def _describe(error: dict[str, Any]) -> str:
    """A pydantic error as one line: the location without pydantic's names for the members of
    the sources union ("sources.0.path", not "sources.0.files.path"), and the source type
    problems in words."""
    loc = [p for p in error["loc"] if not (isinstance(p, str) and p in _SOURCE_TYPES)]
    ctx = error.get("ctx", {})
    if error["type"] == "union_tag_invalid":
        problem = (
            f"unknown source type {ctx.get('tag')!r} (expected one of {ctx.get('expected_tags')})"
        )
    elif error["type"] == "union_tag_not_found":
        problem = "missing key 'type'"
    else:
        return describe({**error, "loc": loc})
    where = ".".join(str(p) for p in loc)
    return f"{where}: {problem}" if where else problem


_SOURCE_TYPES: set[str] = set()


def _source_types() -> set[str]:
    """The `type` values of the configurable source types ("files", "feed", ...)."""
    return {t.name for t in registry.source_types(configurable_only=True)}


def config_model() -> type[Config]:
    """Config with `sources` typed by the source types registered now."""
    return _config_model(tuple(t.model for t in registry.source_types(configurable_only=True)))


@cache
def _config_model(_models: tuple[type[SourceConfig], ...]) -> type[Config]:
    class LoadedConfig(Config):
        sources: list[registry.config_union()] = Field(default_factory=list)  # type: ignore[valid-type]

    LoadedConfig.__name__ = LoadedConfig.__qualname__ = "Config"
    return LoadedConfig


def load_config(path: Path | str | None) -> Config:
    """Read and validate the config file (the bundled default when path is None)."""
    global _SOURCE_TYPES
    _SOURCE_TYPES = _source_types()
    config_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    _raw, data = read_mapping(config_path, "config file", empty_ok=True)
    config = validate(config_model(), data, config_path, _describe)
    config.path = config_path.resolve()
    base = config.path.parent
    for source in config.sources:
        source.resolve_paths(base)
    resolve_paths(config.smtp, base)
    for key in ("users_file", "secret_file"):
        value = getattr(config.web, key)
        if value is not None and not value.is_absolute():
            setattr(config.web, key, base / value)
    return config
