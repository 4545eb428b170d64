"""Config is data, and safe: the archive remembers the config it was last run with, and a run
with another config does not disable the archive's sources or end its subscriptions unless
told to (`deskwatch run --sync`).

    fingerprint(config)                   pure: the config's path and a hash of its sources and
                                          subscriptions sections
    refusal(previous, current, ...)       pure: the one line that refuses the sync, or None

A config file edited in place (the same path) is the operator's change and syncs as before; a
different file, or the bundled default, against an archive last run with another config (or
with no record of one) would silently disable sources and end subscriptions: that run is
refused whole (SyncRefused, a ConfigError: exit code 2) rather than run without the sync, since
it would also store the other config's sources (the bundled seed) in the archive.
pipeline.steps.prepare applies it; storage.archive_state keeps the fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config import Config

BUNDLED = "the bundled default config"


class SyncRefused(ConfigError):
    """The run would undo another config's sources or subscriptions. Its one line names both
    configs and what is kept, so the CLI prints it whole (`whole`), however long the paths."""

    whole = True


@dataclass(frozen=True)
class Fingerprint:
    path: str
    """The config file's absolute path."""
    digest: str
    """sha256 of the sources and subscriptions sections, as loaded."""
    sources: int
    subscriptions: int
    bundled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Fingerprint | None:
        if not data:
            return None
        return cls(
            path=str(data.get("path", "")),
            digest=str(data.get("digest", "")),
            sources=int(data.get("sources", 0)),
            subscriptions=int(data.get("subscriptions", 0)),
            bundled=bool(data.get("bundled", False)),
        )

    def describe(self) -> str:
        return BUNDLED if self.bundled else str(self.path)


def fingerprint(config: Config) -> Fingerprint:
    from pipeline.config import DEFAULT_CONFIG_PATH

    sections = {
        "sources": [s.model_dump(mode="json") for s in config.sources],
        "subscriptions": [s.model_dump(mode="json") for s in config.subscriptions],
    }
    digest = hashlib.sha256(json.dumps(sections, sort_keys=True).encode()).hexdigest()
    path = config.path or DEFAULT_CONFIG_PATH
    return Fingerprint(
        path=str(path),
        digest=digest,
        sources=len(config.sources),
        subscriptions=len(config.subscriptions),
        bundled=path.resolve() == DEFAULT_CONFIG_PATH.resolve(),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def refusal(
    previous: Fingerprint | None,
    current: Fingerprint,
    *,
    disabling: int,
    ending: int,
    archive_sources: int,
) -> str | None:
    """Why this run must not sync, in one line; None when it may (nothing would be disabled or
    ended, or the config is the one the archive was last run with, edited or not)."""
    if not disabling and not ending:
        return None
    if previous is not None and previous.path == current.path:
        return None
    if previous is not None:
        before = f"this archive was last run with {previous.describe()} " + (
            f"({_count(previous.sources, 'source')})"
        )
    else:
        before = (
            "this archive has no record of the config it was last run with "
            f"({_count(archive_sources, 'source')} in it)"
        )
    undone = []
    if disabling:
        undone.append(f"disabling {_count(disabling, 'source')}")
    if ending:
        undone.append(f"ending {_count(ending, 'subscription')}")
    return (
        f"{before}; this run uses {current.describe()}: not {' or '.join(undone)}; "
        "pass --sync to make this config the archive's"
    )
