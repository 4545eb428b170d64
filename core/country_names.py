"""Country names as a desk officer writes them, for every label a person reads (mails, the CLI):
never the ISO code, never the registry's inverted form. Pure.

The name is pycountry's common name (else its name), except where OVERRIDES says otherwise. The
overrides are the names UK government text and desk officers use where ISO 3166's differ:

    PS  Palestine            not "Palestine, State of"
    RU  Russia               not "Russian Federation"
    TR  Turkey               not "Türkiye" (the FCDO's travel advice still says Turkey)
    ...

A code pycountry does not know (XK, Kosovo, is user-assigned) is in OVERRIDES too; anything
else unknown is shown as given.
"""

from __future__ import annotations

from functools import lru_cache

OVERRIDES: dict[str, str] = {
    "BN": "Brunei",
    "BO": "Bolivia",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CV": "Cape Verde",
    "CZ": "Czech Republic",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "PS": "Palestine",
    "RU": "Russia",
    "SY": "Syria",
    "TR": "Turkey",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "VA": "Holy See",
    "VE": "Venezuela",
    "VN": "Vietnam",
    "XK": "Kosovo",
}
"""How deskwatch names a country where pycountry's name is not how UK government text writes it
(an inverted "X, State of" form, a formal name, a name the FCDO does not use). Edit here."""


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """The name of an ISO 3166-1 alpha-2 country: `country_name("PS") == "Palestine"`."""
    key = code.strip().upper()
    if key in OVERRIDES:
        return OVERRIDES[key]
    import pycountry

    country = pycountry.countries.get(alpha_2=key) if len(key) == 2 else None
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    if ", " in name:  # an inverted registry name: "Korea, Republic of"
        head, tail = name.split(", ", 1)
        name = f"{tail} {head}"
    return name.split(" (")[0]
