"""Publisher links (GOV.UK `links`) as tags of origin `publisher`, beside the rule tags.

`world_location` links become country tags when the location names a country (GOV.UK also
lists missions such as "UK Mission to the United Nations, New York": those are skipped);
`person` links become person tags. Organisations and topical events are not tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.folding import ascii_fold
from core.tags import COUNTRY, PERSON, PUBLISHER, TagResult
from tagging.gazetteer import Gazetteer, resolve_location


def publisher_tags(links: Iterable[Mapping[str, Any]], gazetteer: Gazetteer) -> list[TagResult]:
    results: dict[tuple[str, str], TagResult] = {}
    for link in links or ():
        if not isinstance(link, Mapping):
            continue  # not a link record: nothing to trust
        kind = str(link.get("kind") or "")
        title = str(link.get("title") or "").strip()
        value = str(link.get("value") or "").strip()
        if kind in ("world_location", "world_locations"):
            code = resolve_location(gazetteer, title) if title else None
            if code is None and value:
                code = resolve_location(gazetteer, value)
            if code is None:
                continue
            results.setdefault(
                (COUNTRY, code),
                TagResult(
                    kind=COUNTRY,
                    value=code,
                    label=gazetteer.labels.get(code, code),
                    score=1.0,
                    origin=PUBLISHER,
                    focus=True,
                    attributes={"link": {"kind": kind, "value": value, "title": title}},
                ),
            )
        elif kind in ("person", "people") and (title or value):
            name = title or value
            results.setdefault(
                (PERSON, name),
                TagResult(
                    kind=PERSON,
                    value=name,
                    label=name,
                    score=1.0,
                    origin=PUBLISHER,
                    attributes={
                        "ascii": ascii_fold(name),
                        "search": ascii_fold(name).casefold(),
                        "link": {"kind": kind, "value": value, "title": title},
                    },
                ),
            )
    return list(results.values())
