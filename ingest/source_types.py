"""The built-in source types: each one's config model and its reader in ingest.sources, one line
each. The readers are named, not imported (ingest.registry.LazyReader), so that reading the
config imports the models only: no httpx, feedparser or BeautifulSoup for a command that reads
no source. The order is the order of the config's error messages."""

from __future__ import annotations

from ingest.config import AdhocSource, FeedSource, FilesSource, GovukSource, PageSource
from ingest.registry import LazyReader, register

READERS = "ingest.sources"

register(FilesSource, LazyReader(READERS, "read_files"))
register(FeedSource, LazyReader(READERS, "read_feed"), web=True)
register(PageSource, LazyReader(READERS, "read_page"), web=True)
register(GovukSource, LazyReader(READERS, "read_govuk"), web=True)
register(
    AdhocSource, LazyReader(READERS, "read_adhoc"), web=True, http_cache=False, configurable=False
)
