"""The YAML config file: sources, subscriptions, SMTP, schedules.

`load_config(path)` reads and validates it; `None` means the bundled default, whose only source is
the seeds/ folder of the installation. Any problem becomes a ConfigError that names the file, the
key and what is wrong, e.g. `config.yaml: sources.0.type: unknown source type 'rss'`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from deskwatch.alerting import SmtpConfig, SubscriptionConfig, resolve_paths
from deskwatch.scheduling import RunConfig, ScheduleConfig
from deskwatch.yamlfile import describe, read_mapping, validate

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_CONFIG_PATH = SEEDS_DIR / "deskwatch.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceBase(_Strict):
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    expected_cadence_hours: float | None = Field(default=None, gt=0)
    """Warn in `deskwatch sources` when the source has been silent for longer than this."""


class FilesSource(SourceBase):
    type: Literal["files"]
    path: Path
    """A folder of .txt, .html or .json (GOV.UK Content API) files; relative to the config file."""


GOVUK_WEBSITE = "https://www.gov.uk"


class FetchingConfig(_Strict):
    """How deskwatch fetches from the web (the `fetching:` key): politeness and limits."""

    delay_s: float = Field(default=1.0, ge=0)
    """Seconds between two requests to the same host (1.0 = one request per second)."""
    timeout_s: float = Field(default=20.0, gt=0)
    """Connect / read timeout of one request."""
    max_time_s: float = Field(default=120.0, gt=0)
    """Give up on a response still arriving after this long (an endless trickle)."""
    max_bytes: int = Field(default=10_000_000, gt=0)
    """Refuse a response larger than this after decompression."""
    retries: int = Field(default=3, ge=0)
    """Further attempts after a timeout, connection error, 429 or 5xx."""
    backoff_s: float = Field(default=2.0, ge=0)
    """First wait before a retry; it doubles each time. Retry-After wins when given."""
    max_retry_after_s: float = Field(default=300.0, ge=0)
    """A Retry-After longer than this fails the fetch instead of waiting."""
    max_redirects: int = Field(default=5, ge=0)
    govuk_base_url: str = GOVUK_WEBSITE
    """Where GOV.UK content is read from (Content API and search): a mirror or a test server."""


class WebSourceBase(SourceBase):
    url: str = Field(min_length=1)
    follow_hosts: list[str] | None = None
    """Hosts whose pages may be fetched; default: the source's own host and www.gov.uk."""
    selector: str | None = None
    """CSS selector of the statement text on pages of other sites (default: main/article, then
    the largest block of paragraph text)."""
    govuk_base_url: str | None = None
    """Overrides fetching.govuk_base_url for this source."""


class FeedSource(WebSourceBase):
    type: Literal["feed"]
    fetch_pages: Literal["auto", "always", "never"] = "auto"
    """auto: use the entry's full content when it carries one, else fetch the entry's link."""
    max_entries: int = Field(default=500, gt=0)
    """Only the newest this many entries of one feed response are read."""


class PageSource(WebSourceBase):
    type: Literal["page"]


class GovukSource(WebSourceBase):
    type: Literal["govuk"]
    url: str = ""
    """A www.gov.uk page (read through the Content API), or an /api/search.json URL."""
    search: dict[str, str | list[str]] | None = None
    """GOV.UK search parameters, e.g. {filter_organisations: foreign-commonwealth-development-office,
    filter_content_store_document_type: press_release}; newest first."""
    count: int = Field(default=20, gt=0, le=1000)
    """How many search results to read."""

    @model_validator(mode="after")
    def _url_or_search(self) -> GovukSource:
        if not self.url and not self.search:
            raise ValueError("a govuk source needs `url` or `search`")
        return self


SourceConfig = Annotated[
    FilesSource | FeedSource | PageSource | GovukSource, Field(discriminator="type")
]
WEB_SOURCE_TYPES = (FeedSource, PageSource, GovukSource)


class AdhocSource(SourceBase):
    """Not configurable: what `deskwatch ingest URL_OR_PATH...` reads (URLs of any web type,
    files or folders)."""

    type: Literal["adhoc"] = "adhoc"
    items: list[str] = Field(default_factory=list)


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


class Config(_Strict):
    database_url: str | None = None
    sources: list[SourceConfig] = Field(default_factory=list)
    tagging: TaggingConfig = Field(default_factory=TaggingConfig)
    fetching: FetchingConfig = Field(default_factory=FetchingConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    diffing: DiffingConfig = Field(default_factory=DiffingConfig)
    subscriptions: list[SubscriptionConfig] = Field(default_factory=list)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
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
    """The `type` values of the source models ("files", "feed", ...)."""
    union = get_args(SourceConfig)[0]  # SourceConfig is Annotated[Union[...], discriminator]
    return {get_args(m.model_fields["type"].annotation)[0] for m in get_args(union)}


def load_config(path: Path | str | None) -> Config:
    """Read and validate the config file (the bundled default when path is None)."""
    global _SOURCE_TYPES
    _SOURCE_TYPES = _source_types()
    config_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    _raw, data = read_mapping(config_path, "config file", empty_ok=True)
    config = validate(Config, data, config_path, _describe)
    config.path = config_path.resolve()
    base = config.path.parent
    for source in config.sources:
        if isinstance(source, FilesSource) and not source.path.is_absolute():
            source.path = (base / source.path).resolve()
    resolve_paths(config.smtp, base)
    return config
