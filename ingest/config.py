"""What a source is in the config file (the `sources:` list) and how deskwatch fetches (`fetching:`).

The models of the built-in source types. Each is registered with its reader in ingest.source_types
(see ingest.registry); pipeline/config.py builds the `sources:` union from the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceBase(_Strict):
    """What every source type has; a type's model adds `type: Literal["<its name>"]`."""

    type: str
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    expected_cadence_hours: float | None = Field(default=None, gt=0)
    """Warn in `deskwatch sources` when the source has been silent for longer than this."""

    def resolve_paths(self, base: Path) -> None:
        """Make relative Path fields relative to `base` (the config file's folder)."""
        for key, value in list(self.__dict__.items()):
            if isinstance(value, Path) and not value.is_absolute():
                setattr(self, key, (base / value).resolve())


SourceConfig = SourceBase
"""A configured source: the model of whichever registered type it is."""


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


class AdhocSource(SourceBase):
    """Not configurable: what `deskwatch ingest URL_OR_PATH...` reads (URLs of any web type,
    files or folders)."""

    type: Literal["adhoc"] = "adhoc"
    items: list[str] = Field(default_factory=list)


def adhoc_path(item: str) -> Path | None:
    """The file or folder an ad-hoc item names (`./x.txt`, `file:/x.txt`, `~/in`); None for a
    URL, which the web readers take."""
    if "://" in item and not item.startswith("file:"):
        return None
    return Path(item.removeprefix("file:")).expanduser()


USER_AGENT = "deskwatch/0.1 (media monitoring of official releases)"


@dataclass(frozen=True)
class FetchPolicy:
    """The fetcher's policy (ingest.fetch.Fetcher): the `fetching:` section as resolved with the
    environment (pipeline.settings.fetch_policy). Here, not in ingest.fetch, so that settings
    and config can be read without importing httpx."""

    delay_s: float = 1.0
    timeout_s: float = 20.0
    max_time_s: float = 120.0
    max_bytes: int = 10_000_000
    retries: int = 3
    backoff_s: float = 2.0
    max_retry_after_s: float = 300.0
    max_redirects: int = 5
    contact: str | None = None
    govuk_base_url: str = "https://www.gov.uk"
    """Where GOV.UK content is read from, unless a source says otherwise."""

    @property
    def user_agent(self) -> str:
        if self.contact:
            return f"deskwatch/0.1 (media monitoring of official releases; +{self.contact})"
        return USER_AGENT
