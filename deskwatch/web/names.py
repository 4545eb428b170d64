"""What the pages call a theme or a country: the taxonomy's label of a theme, a country's name
(core.country_names), never the id or the ISO code a link and the JSON twin carry.

    names = Names(themes={"defence-security": "Defence and security"})
    names.of("theme", "defence-security")       # "Defence and security"
    names.of("country", "PS")                   # "Palestine"
    names.of("theme", "x", label="Stored")      # the tag's own label first, for a theme
    names.basis("country:UA")                   # "Ukraine"

Pure: the theme labels are read once, when the app starts (`Names.of_app`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.country_names import country_name

if TYPE_CHECKING:
    from pipeline.app import App


@dataclass(frozen=True)
class Names:
    themes: Mapping[str, str] = field(default_factory=dict)
    """Theme id -> the taxonomy's label."""

    @classmethod
    def of_app(cls, app: App) -> Names:
        """The labels of the taxonomy `app` is configured with (none if it cannot be read: the
        pages then show theme ids rather than fail)."""
        from pipeline.mail_items import theme_names

        return cls(themes=theme_names(app))

    def of(self, kind: str, value: str, label: str | None = None) -> str:
        """A tag's name as a reader wants it. A theme: the label stored with the tag, else the
        taxonomy's, else the id. A country: its name (a stored label may be the gazetteer's
        inverted form). Anything else (region, person): the stored label, else the value."""
        if kind == "country":
            return country_name(value)
        if kind == "theme":
            return label or self.themes.get(value) or value
        return label or value

    def basis(self, basis: str) -> str:
        """The name of a statement diff's basis ("theme:ID", "country:CODE"); else as given."""
        kind, _, value = basis.partition(":")
        return self.of(kind, value) if value and kind in ("theme", "country") else basis
