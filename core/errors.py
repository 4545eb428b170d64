"""Errors deskwatch raises on purpose.

    DeskwatchError            base class: the CLI turns any of these into one line, no traceback
    ├── ConfigError           a bad config file or setting (exit code 2)
    ├── UsageError            a bad argument on the command line (exit code 2)
    ├── QueryError            a malformed search query (exit code 2)
    ├── NotFoundError         an unknown release id, source, subscription ... (exit code 1)
    ├── FetchError            a source could not be fetched (HTTP status, timeout, too large, scheme)
    ├── ParseError            fetched bytes could not be turned into releases
    ├── StorageError          the database is unreachable or not migrated
    └── DeliveryError         an alert could not be handed to the mail server

A bad source or item is recorded in its run record and the run goes on; anything that is not a
DeskwatchError is a bug and fails loudly.
"""

from __future__ import annotations


class DeskwatchError(Exception):
    """Base class of deskwatch's own errors."""

    exit_code = 1


class ConfigError(DeskwatchError):
    exit_code = 2


class UsageError(DeskwatchError):
    exit_code = 2


class QueryError(DeskwatchError):
    exit_code = 2


class NotFoundError(DeskwatchError):
    exit_code = 1


class FetchError(DeskwatchError):
    """A fetch failed. `status` is the HTTP status when there was one; `retryable` says whether
    trying again later could help (timeouts, connection errors, 429, 5xx)."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retryable = retryable


class ParseError(DeskwatchError):
    pass


class StorageError(DeskwatchError):
    pass


class DeliveryError(DeskwatchError):
    """Sending one alert failed. `permanent` marks a rejection that retrying will not cure
    (a refused recipient); others (server down, auth failure) are retried with backoff."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
