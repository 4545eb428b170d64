"""A subscription as plain data: normalised, validated, and keyed. Pure.

The same spec comes from the config file (`subscriptions:`) and from `deskwatch subscribe`; its
`key` (a hash of the normalised content) is how a config entry is recognised from one sync to the
next: an unchanged entry keeps its row, an edited entry ends the old row and starts a new one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# codes in use that ISO 3166-1 does not assign (Kosovo) are accepted as well
EXTRA_COUNTRY_CODES = frozenset({"XK"})


FREQUENCIES = ("immediate", "daily", "weekly")


def normalise_keyword(keyword: str) -> str:
    """`"sustainable ceasefire"` (quoted or not) -> `sustainable ceasefire`; spaces collapsed."""
    text = " ".join(keyword.split())
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = " ".join(text[1:-1].split())
    return text


def valid_email(address: str) -> bool:
    local = address.rpartition("@")[0]
    return (
        len(address) <= 320
        and len(local) <= 64
        and bool(_EMAIL.match(address))
        and ".." not in local
        and not local.startswith(".")
        and not local.endswith(".")
    )


def normalise_email(address: str) -> str:
    return address.strip().lower()


@dataclass(frozen=True)
class SubscriptionSpec:
    email: str
    name: str | None = None
    themes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    frequency: str = "immediate"
    focus_only: bool = False
    include_suggested: bool = False
    """Whether suggested tags (themes below the tagger's bar) may match: off by default."""

    @classmethod
    def build(
        cls,
        email: str,
        *,
        name: str | None = None,
        themes: Iterable[str] = (),
        countries: Iterable[str] = (),
        keywords: Iterable[str] = (),
        frequency: str = "immediate",
        focus_only: bool = False,
        include_suggested: bool = False,
    ) -> SubscriptionSpec:
        """Normalised: email lower-case, theme ids lower-case, country codes upper-case, keyword
        quotes and extra spaces removed, duplicates dropped (order kept)."""
        return cls(
            email=normalise_email(email),
            name=" ".join(name.split()) if name else None,
            themes=_unique(t.strip().lower() for t in themes if t.strip()),
            countries=_unique(c.strip().upper() for c in countries if c.strip()),
            keywords=_unique_folded(normalise_keyword(k) for k in keywords if normalise_keyword(k)),
            frequency=frequency.strip().lower(),
            focus_only=focus_only,
            include_suggested=include_suggested,
        )

    @property
    def key(self) -> str:
        content = {
            "email": self.email,
            "themes": sorted(self.themes),
            "countries": sorted(self.countries),
            "keywords": sorted(k.casefold() for k in self.keywords),
            "frequency": self.frequency,
            "focus_only": self.focus_only,
            "name": self.name,
        }
        if self.include_suggested:  # only when set: the keys of existing subscriptions stay
            content["include_suggested"] = True
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def describe(self) -> str:
        """One line, e.g. `themes ukraine-support; countries UA (focus only) · daily`."""
        parts = []
        if self.themes:
            parts.append("themes " + ", ".join(self.themes))
        if self.countries:
            focus = " (focus only)" if self.focus_only else ""
            parts.append("countries " + ", ".join(self.countries) + focus)
        if self.keywords:
            parts.append("keywords " + ", ".join(f"“{k}”" for k in self.keywords))
        if self.include_suggested:
            parts.append("suggested tags too")
        return "; ".join(parts) + f" · {self.frequency}"


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _unique_folded(items: Iterable[str]) -> tuple[str, ...]:
    """Keywords match case-insensitively, so "Grain corridor" and "grain corridor" are one."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


def problems(
    spec: SubscriptionSpec,
    *,
    known_themes: Collection[str] | None,
    known_countries: Collection[str],
) -> list[str]:
    """What is wrong with a spec, one message each (empty: it is fine). `known_themes` None
    means the taxonomy is not available to check against."""
    found: list[str] = []
    if not valid_email(spec.email):
        found.append(f"invalid email address {spec.email!r}")
    if spec.frequency not in FREQUENCIES:
        found.append(
            f"unknown frequency {spec.frequency!r} (expected one of {', '.join(FREQUENCIES)})"
        )
    if not (spec.themes or spec.countries or spec.keywords):
        found.append("a subscription needs at least one theme, country or keyword")
    if known_themes is not None:
        for theme in spec.themes:
            if theme not in known_themes:
                found.append(
                    f"unknown theme id {theme!r} (known: {', '.join(sorted(known_themes))})"
                )
    for country in spec.countries:
        if country not in known_countries and country not in EXTRA_COUNTRY_CODES:
            found.append(f"unknown country code {country!r} (use ISO 3166-1 alpha-2, e.g. UA)")
    if spec.focus_only and not spec.countries:
        found.append("focus_only needs at least one country")
    return found
