"""A generator of realistic synthetic releases for benchmarks (never for tests' expectations).

Statements are assembled from sentence templates about varied themes and countries, with varied
lengths and dates, deterministically from a seed. Shared by every benchmark that needs an archive."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

COUNTRIES = [
    "Japan",
    "Ukraine",
    "Russia",
    "Israel",
    "Gaza",
    "Iran",
    "China",
    "India",
    "Australia",
    "the Philippines",
    "South Korea",
    "North Korea",
    "Türkiye",
    "Jordan",
    "Egypt",
    "Saudi Arabia",
    "Qatar",
    "Kenya",
    "Nigeria",
    "Niger",
    "Sudan",
    "South Sudan",
    "Ethiopia",
    "Brazil",
    "Mexico",
    "Canada",
    "the United States",
    "France",
    "Germany",
    "Poland",
    "Moldova",
    "Georgia",
    "Serbia",
    "Kosovo",
    "Bosnia and Herzegovina",
    "Myanmar",
    "Indonesia",
    "Vietnam",
    "Pakistan",
    "Afghanistan",
]
MINISTERS = [
    "The Foreign Secretary",
    "The Defence Secretary",
    "The Minister for the Indo-Pacific",
    "The Minister for Development",
    "The Prime Minister",
    "The Minister for Europe",
]
THEME_SENTENCES = {
    "ukraine-support": [
        "The UK will provide a further £{n} million in military aid to Ukraine.",
        "We stand with Ukraine against Russia's illegal invasion.",
        "Support for Ukrainian forces will continue for as long as it takes.",
    ],
    "middle-east-escalation": [
        "We are deeply concerned about the risk of regional escalation in the Middle East.",
        "We call for humanitarian pauses to allow aid into Gaza.",
        "We call for a sustainable ceasefire and the release of all hostages.",
    ],
    "indo-pacific": [
        "The UK's tilt to the Indo-Pacific is now a permanent pillar of our foreign policy.",
        "A free and open Indo-Pacific matters for the security of us all.",
    ],
    "defence-security": [
        "The two countries agreed to deepen defence and security cooperation.",
        "Joint exercises will increase interoperability between our armed forces.",
    ],
    "trade-economic-security": [
        "A new trade agreement will cut tariffs and support {n},000 jobs.",
        "We will work together on economic security and resilient supply chains of critical minerals.",
    ],
    "climate-change": [
        "Both sides reaffirmed their commitment to net zero and the Paris Agreement.",
        "Climate finance of £{n} million will help vulnerable countries adapt.",
    ],
    "sanctions": [
        "The UK has today sanctioned {n} individuals and entities, freezing their assets.",
        "These sanctions target those who finance the regime's aggression.",
    ],
    "humanitarian": [
        "The UK will provide £{n} million in humanitarian aid for food, water and shelter.",
        "Aid agencies must have safe and unhindered access to civilians in need.",
    ],
    "migration": [
        "The partnership will tackle illegal migration and the criminal gangs behind it.",
    ],
    "science-technology": [
        "The agreement deepens collaboration on artificial intelligence and semiconductors.",
    ],
    "human-rights": [
        "We condemn the arbitrary detention of journalists and human rights defenders.",
    ],
    "multilateral-diplomacy": [
        "Ministers met at the G7 and the UN Security Council to coordinate their response.",
    ],
}
FILLER = [
    "The visit marks an important moment in the relationship between our two countries.",
    "Officials will meet again later this year to review progress.",
    "The meeting covered a wide range of shared priorities.",
    "Both governments welcomed the strong ties between their peoples.",
    "Further details will be published in due course.",
]


@dataclass(frozen=True)
class SyntheticRelease:
    key: str
    title: str
    text: str
    published_at: datetime
    themes: tuple[str, ...]
    countries: tuple[str, ...]


def releases(
    n: int, *, seed: int = 7, start: datetime | None = None, paragraphs: tuple[int, int] = (3, 12)
) -> Iterator[SyntheticRelease]:
    """`n` releases, dated over the two years before `start`, each on one to three themes and
    one to four countries, with `paragraphs` (min, max) paragraphs of two to four sentences."""
    rng = random.Random(seed)
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    theme_ids = list(THEME_SENTENCES)
    for i in range(n):
        themes = tuple(rng.sample(theme_ids, rng.randint(1, 3)))
        countries = tuple(rng.sample(COUNTRIES, rng.randint(1, 4)))
        minister = rng.choice(MINISTERS)
        paras = []
        for p in range(rng.randint(*paragraphs)):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                roll = rng.random()
                if roll < 0.5:
                    sentence = rng.choice(THEME_SENTENCES[rng.choice(themes)])
                elif roll < 0.75:
                    sentence = f"{minister} discussed the situation in {rng.choice(countries)} with counterparts."
                else:
                    sentence = rng.choice(FILLER)
                sentences.append(sentence.format(n=rng.randint(2, 900)))
            if p == 0:
                sentences.insert(0, f"{minister} visited {countries[0]} today.")
            paras.append(" ".join(sentences))
        yield SyntheticRelease(
            key=f"https://www.gov.uk/government/news/synthetic-{seed}-{i}",
            title=f"{minister} on {countries[0]} and {themes[0].replace('-', ' ')} ({i})",
            text="\n\n".join(paras),
            published_at=start - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
            themes=themes,
            countries=countries,
        )
