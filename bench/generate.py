"""A generator of realistic synthetic releases for benchmarks (never for tests' expectations).

Deterministic from a seed. Real press-release archives have a wide vocabulary: named people,
places, organisations, programmes, sums and dates, and wording specific to one event; a topical
word such as "ceasefire" is in a few percent of releases, not in every sixth one. So:

- each release belongs to a story (an event: a visit, a crisis, a package, a summit) drawn from a
  pool of about one story per eight releases; the story fixes its country, counterpart (a
  generated name), a town (a generated place name), a programme or operation name, an
  organisation and one to three themes, and its releases cluster within weeks of its date;
- sentences come from about 200 templates (per theme, per story kind and general) whose slots
  take those story names, further countries, sums, months and alternative wordings (`[a|b]`),
  so the same template rarely gives the same sentence;
- themes and countries are drawn with skewed (Zipf-like) weights, as real desks cover a few
  countries much more than others.

Shared by every benchmark that needs an archive: `releases(n, seed=, start=, paragraphs=)` yields
`SyntheticRelease`s (key, title, text, published_at, themes, countries); `COUNTRY_CODES` maps the
country names used to ISO codes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# name: (ISO code, capital)
COUNTRY_INFO = {
    "Ukraine": ("UA", "Kyiv"), "Russia": ("RU", "Moscow"), "Israel": ("IL", "Jerusalem"),
    "Gaza": ("PS", "Gaza City"), "Iran": ("IR", "Tehran"), "China": ("CN", "Beijing"),
    "Japan": ("JP", "Tokyo"), "India": ("IN", "New Delhi"), "the United States": ("US", "Washington"),
    "France": ("FR", "Paris"), "Germany": ("DE", "Berlin"), "Poland": ("PL", "Warsaw"),
    "Australia": ("AU", "Canberra"), "the Philippines": ("PH", "Manila"),
    "South Korea": ("KR", "Seoul"), "North Korea": ("KP", "Pyongyang"), "Türkiye": ("TR", "Ankara"),
    "Jordan": ("JO", "Amman"), "Egypt": ("EG", "Cairo"), "Saudi Arabia": ("SA", "Riyadh"),
    "Qatar": ("QA", "Doha"), "Lebanon": ("LB", "Beirut"), "Syria": ("SY", "Damascus"),
    "Yemen": ("YE", "Sana'a"), "Iraq": ("IQ", "Baghdad"), "Kenya": ("KE", "Nairobi"),
    "Nigeria": ("NG", "Abuja"), "Niger": ("NE", "Niamey"), "Sudan": ("SD", "Khartoum"),
    "South Sudan": ("SS", "Juba"), "Ethiopia": ("ET", "Addis Ababa"), "Somalia": ("SO", "Mogadishu"),
    "Ghana": ("GH", "Accra"), "Côte d'Ivoire": ("CI", "Yamoussoukro"), "Senegal": ("SN", "Dakar"),
    "the Democratic Republic of the Congo": ("CD", "Kinshasa"), "Rwanda": ("RW", "Kigali"),
    "South Africa": ("ZA", "Pretoria"), "Brazil": ("BR", "Brasília"), "Mexico": ("MX", "Mexico City"),
    "Canada": ("CA", "Ottawa"), "Colombia": ("CO", "Bogotá"), "Venezuela": ("VE", "Caracas"),
    "Argentina": ("AR", "Buenos Aires"), "Chile": ("CL", "Santiago"), "Peru": ("PE", "Lima"),
    "Moldova": ("MD", "Chișinău"), "Georgia": ("GE", "Tbilisi"), "Armenia": ("AM", "Yerevan"),
    "Azerbaijan": ("AZ", "Baku"), "Serbia": ("RS", "Belgrade"), "Kosovo": ("XK", "Pristina"),
    "Bosnia and Herzegovina": ("BA", "Sarajevo"), "Belarus": ("BY", "Minsk"),
    "Estonia": ("EE", "Tallinn"), "Latvia": ("LV", "Riga"), "Lithuania": ("LT", "Vilnius"),
    "Finland": ("FI", "Helsinki"), "Sweden": ("SE", "Stockholm"), "Norway": ("NO", "Oslo"),
    "Italy": ("IT", "Rome"), "Spain": ("ES", "Madrid"), "Greece": ("GR", "Athens"),
    "Cyprus": ("CY", "Nicosia"), "Myanmar": ("MM", "Naypyidaw"), "Indonesia": ("ID", "Jakarta"),
    "Vietnam": ("VN", "Hanoi"), "Thailand": ("TH", "Bangkok"), "Malaysia": ("MY", "Kuala Lumpur"),
    "Singapore": ("SG", "Singapore"), "Pakistan": ("PK", "Islamabad"),
    "Afghanistan": ("AF", "Kabul"), "Bangladesh": ("BD", "Dhaka"), "Sri Lanka": ("LK", "Colombo"),
    "Nepal": ("NP", "Kathmandu"), "Kazakhstan": ("KZ", "Astana"), "Uzbekistan": ("UZ", "Tashkent"),
    "New Zealand": ("NZ", "Wellington"), "Fiji": ("FJ", "Suva"), "Libya": ("LY", "Tripoli"),
    "Tunisia": ("TN", "Tunis"), "Morocco": ("MA", "Rabat"), "Haiti": ("HT", "Port-au-Prince"),
}  # fmt: skip
COUNTRIES = list(COUNTRY_INFO)
COUNTRY_CODES = {name: code for name, (code, _) in COUNTRY_INFO.items()}
MINISTERS = [
    "The Foreign Secretary",
    "The Defence Secretary",
    "The Minister for the Indo-Pacific",
    "The Minister for Development",
    "The Prime Minister",
    "The Minister for Europe",
    "The Minister for the Middle East",
    "The Minister for Africa",
    "The Trade Secretary",
    "The UK Ambassador",
    "The UK Permanent Representative to the UN",
]
ROLES = [
    "Foreign Minister", "Defence Minister", "Prime Minister", "President", "Minister of Finance",
    "Minister of Trade", "Special Envoy", "Deputy Foreign Minister", "National Security Adviser",
    "Minister of Energy", "Minister of Health", "Secretary-General", "Chief of Defence",
]  # fmt: skip
FIRST = (
    "Amina Aiko Alexei Ana Andrzej Arjun Ayşe Carlos Chen Dmytro Elena Emeka Fatima Farid Giorgi "
    "Hana Hiroshi Ibrahim Ines Ivan Jae-won Joanna Jorge Kamala Karim Kwame Leila Li Lucía Mahmoud "
    "Maria Marta Mehmet Min-jun Nadia Nikos Noura Olena Omar Pavel Priya Rahul Rania Sani Santiago "
    "Sara Sergei Siddharth Sofia Takeshi Thandiwe Tomás Valentina Wei Yasmin Yerlan Yusuf Zainab"
).split()
LAST = (
    "Abubakar Adeyemi Al-Sayed Alvarez Andersen Baptiste Barzani Bello Castillo Chaudhry Costa "
    "Da Silva Dimitrov Dubois Esposito Farouk Fernandes Gashi Gonzalez Haddad Hoang Hossain Ibrahimi "
    "Ivanova Jankowski Kaplan Kato Khalil Kim Kovalenko Kowalski Kumar Lee Lindqvist Mahlangu "
    "Mansour Markovic Mendoza Mensah Mwangi Nakamura Nasser Nguyen Novak Okafor Olsen Ortiz Osei "
    "Papadopoulos Park Petrenko Popescu Qureshi Rahman Rossi Sahin Santos Sato Schmidt Sharma "
    "Shevchenko Silva Tanaka Tesfaye Toure Usmonov Van der Berg Wang Weber Yilmaz Zhang"
).split()
ORGANISATIONS = [
    "the United Nations", "NATO", "the G7", "the G20", "the European Union", "the African Union",
    "ASEAN", "the OSCE", "the Council of Europe", "the World Food Programme", "UNICEF", "UNHCR",
    "the International Committee of the Red Cross", "the IAEA", "the World Bank",
    "the International Monetary Fund", "the World Health Organization", "the Commonwealth",
    "the Arab League", "the Gulf Cooperation Council", "ECOWAS", "the Pacific Islands Forum",
    "the International Criminal Court", "the OPCW", "the UN Human Rights Council",
    "the Joint Expeditionary Force", "the Quad", "Interpol", "the WTO", "UNRWA", "UNFPA",
    "the Green Climate Fund", "the Global Fund", "Gavi", "the Asian Development Bank",
]  # fmt: skip
PROGRAMME_WORDS = (
    "Atlas Beacon Bridge Compass Frontier Horizon Keystone Lantern Meridian Northstar Orbit "
    "Pathway Pioneer Resolve Sentinel Shield Summit Tempest Unity Vanguard Harbour Kestrel Falcon "
    "Granite Cobalt Juniper Aurora Cedar Willow Trident Anchor Lighthouse Sapphire Ember Harvest"
).split()
PROGRAMME_KINDS = [
    "Programme",
    "Fund",
    "Initiative",
    "Partnership",
    "Facility",
    "Compact",
    "Dialogue",
    "Plan",
]
SYLLABLES = (
    "ka lo mi ra ten bar zu vel do an ik or sa mun tel ki rov gra hel pa su dan bek ul "
    "ze nor ti ya mar go lin sk ch ov ev ab el um ish tar ben ko".split()
)

# [a|b|c] is one of the alternatives; {slot} a value of the story or of the sentence
THEME_TEMPLATES = {
    "ukraine-support": [
        "The UK will provide a further £{n} million in [military|economic|energy] support to Ukraine.",
        "We stand with Ukraine against Russia's [illegal|unprovoked|full-scale] invasion.",
        "Support for Ukrainian forces will continue for as long as it takes.",
        "The package includes {m} air defence systems and [drones|artillery rounds|armoured vehicles].",
        "Russian strikes on {place} have [damaged|destroyed] homes, schools and power stations.",
        "{programme} will help repair the energy grid around {place} before the winter.",
        "The UK has trained more than {k},000 Ukrainian recruits since 2022.",
        "Reconstruction of {place} will be discussed at the recovery conference in {capital}.",
    ],
    "middle-east-escalation": [
        "We are [deeply|gravely] concerned about the risk of regional escalation.",
        "We call for humanitarian pauses to allow aid into Gaza.",
        "We call for a sustainable ceasefire and the release of all hostages.",
        "Strikes near {place} have killed {m} civilians, according to local authorities.",
        "All parties must [exercise restraint|step back from the brink|avoid further escalation].",
        "The UK condemns the attack on {place} in the strongest terms.",
        "We urge {country} to de-escalate and to engage with mediators in {capital}.",
        "{person} briefed the Foreign Secretary on the talks in {capital}.",
        "Hostage families met officials in London on {day} {month}.",
    ],
    "indo-pacific": [
        "The UK's tilt to the Indo-Pacific is now a [permanent|lasting] pillar of our foreign policy.",
        "A free and open Indo-Pacific matters for the security of us all.",
        "The Carrier Strike Group will call at {place} in {month}.",
        "Maritime security in the South China Sea was high on the agenda.",
        "{programme} will fund coastguard training in {country}.",
        "The UK welcomed {country}'s role in the Comprehensive and Progressive Agreement for Trans-Pacific Partnership.",
    ],
    "defence-security": [
        "The two countries agreed to deepen defence and security cooperation.",
        "Joint exercises will increase interoperability between our armed forces.",
        "Exercise {codeword} brought together {k},000 personnel from {m} nations.",
        "The agreement covers [cyber defence|intelligence sharing|defence procurement|space].",
        "{person} and the Defence Secretary signed a reciprocal access agreement.",
        "A new [frigate|fighter|submarine] programme will create jobs in both countries.",
        "The Royal Navy will deploy a patrol vessel to {place} for {m} months.",
    ],
    "trade-economic-security": [
        "A new trade agreement will cut tariffs and support {k},000 jobs.",
        "We will work together on economic security and resilient supply chains of critical minerals.",
        "Bilateral trade between the UK and {country} was worth £{n} billion last year.",
        "{programme} will help British exporters enter the {country} market.",
        "The Joint Economic and Trade Committee met in {capital} on {day} {month}.",
        "Investment of £{n} million will open a factory in {place}.",
        "The deal removes barriers for [whisky|car|financial services|software|pharmaceutical] exporters.",
    ],
    "climate-change": [
        "Both sides reaffirmed their commitment to net zero and the Paris Agreement.",
        "Climate finance of £{n} million will help vulnerable countries adapt.",
        "Floods around {place} have displaced {k},000 people.",
        "{programme} will support [solar|wind|geothermal|hydrogen] projects in {country}.",
        "Ministers discussed the road to COP{cop} in {capital}.",
        "Protecting forests and biodiversity is central to the partnership.",
    ],
    "sanctions": [
        "The UK has today sanctioned {m} individuals and entities, freezing their assets.",
        "These sanctions target those who finance the regime's aggression.",
        "{person}, a businessman close to the regime, is subject to an asset freeze and travel ban.",
        "The designations include {m} vessels of the shadow fleet.",
        "Companies in {place} supplied components used in [drones|missiles|weapons].",
        "The Office of Financial Sanctions Implementation will enforce the measures.",
    ],
    "humanitarian": [
        "The UK will provide £{n} million in humanitarian aid for food, water and shelter.",
        "Aid agencies must have safe and unhindered access to civilians in need.",
        "{org} will distribute the aid in {place} and the surrounding districts.",
        "More than {k},000 people have fled their homes since {month}.",
        "The funding will treat children for malnutrition and restore clean water in {place}.",
        "The cholera outbreak in {place} has spread to {m} districts.",
    ],
    "migration": [
        "The partnership will tackle illegal migration and the criminal gangs behind it.",
        "{programme} will help people return home safely and rebuild their lives.",
        "Border officials from {country} will share intelligence on smuggling routes through {place}.",
        "Small boat crossings fell by {m} per cent this year.",
    ],
    "science-technology": [
        "The agreement deepens collaboration on artificial intelligence and semiconductors.",
        "Researchers in {place} will join the {programme} on quantum computing.",
        "The two countries will cooperate on [AI safety|telecoms security|clinical research|space launch].",
        "A new science fellowship will bring {m} researchers from {country} to UK universities.",
    ],
    "human-rights": [
        "We condemn the arbitrary detention of journalists and human rights defenders.",
        "{person} must be released immediately and unconditionally.",
        "Freedom of religion or belief is a universal right.",
        "The UK raised the case of detained activists in {place} with the authorities.",
        "Violence against women and girls must end.",
    ],
    "multilateral-diplomacy": [
        "Ministers met at the G7 and the UN Security Council to coordinate their response.",
        "The UK will chair the session of {org} in {month}.",
        "The resolution was adopted with {m} votes in favour.",
        "{org} will meet again in {capital} next year.",
    ],
    "health": [
        "The UK will contribute £{n} million to vaccine programmes through {org}.",
        "The outbreak of [mpox|cholera|measles|dengue] in {place} is being contained.",
        "Health workers in {country} will be trained under {programme}.",
    ],
    "energy-security": [
        "The partnership will diversify energy supplies away from Russian gas.",
        "A new interconnector will link the UK grid with {country} by 20{yy}.",
        "{programme} will invest in [offshore wind|nuclear|LNG terminals|battery storage] near {place}.",
    ],
    "counter-terrorism": [
        "The UK condemns the terrorist attack in {place}, which killed {m} people.",
        "Counter-terrorism officials will share information on foreign fighters.",
        "{org} listed the group as a terrorist organisation in {month}.",
    ],
    "democracy-elections": [
        "The UK welcomes the peaceful conduct of the elections in {country}.",
        "Observers from {org} reported irregularities at polling stations in {place}.",
        "We call on all parties to respect the result and the constitution.",
    ],
}
STORY_TEMPLATES = {
    "visit": [
        "{minister} visited {capital} today and met {person}.",
        "During the visit to {place}, {minister} saw {programme} at work.",
        "It is the first visit by a UK minister to {place} since 20{yy}.",
    ],
    "crisis": [
        "The situation in {place} has deteriorated sharply over recent days.",
        "The UK embassy in {capital} continues to provide consular assistance to British nationals.",
        "British nationals in {place} should follow the travel advice and register their presence.",
    ],
    "package": [
        "The new funding will be delivered through {programme} with {org}.",
        "{programme} has already reached {k},000 people across {country}.",
        "The announcement brings total UK support for {programme} to £{n} million.",
    ],
    "summit": [
        "Leaders met at the {place} summit hosted by {country}.",
        "The {place} Declaration was endorsed by {m} countries.",
        "{person} chaired the closing session with {org}.",
    ],
    "statement": [
        "{person} set out the position of {country} at {org}.",
        "The UK's statement at {org} was delivered by {minister_lower}.",
        "We will continue to work with {org} and partners in {capital}.",
    ],
}
GENERAL = [
    "The visit marks an important moment in the relationship between our two countries.",
    "Officials will meet again later this year to review progress.",
    "The meeting covered a wide range of shared priorities.",
    "Both governments welcomed the strong ties between their peoples.",
    "Further details will be published in due course.",
    "{minister} discussed the situation in {other} with counterparts.",
    "{minister} spoke to {person} by telephone on {day} {month}.",
    "The UK and {country} will hold a strategic dialogue in {month}.",
    "The [talks|discussions|meetings] in {capital} were [constructive|productive|candid].",
    '{minister} said: "{quote}"',
    "The embassy in {capital} will host a reception for {org} on {day} {month}.",
    "This builds on the joint statement agreed in {month} 20{yy}.",
    "Around {m} delegations attended the meeting in {capital}.",
    "The UK is one of the largest donors to {org}.",
    "The Memorandum of Understanding was signed in {capital}.",
    "A senior officials' meeting in {place} prepared the ground for the agreement.",
    "The two sides also discussed {other} and {other2}.",
]
QUOTES = [
    "Today's agreement shows what we can achieve together.",
    "The UK will not look away.",
    "This is a partnership for the long term.",
    "We will keep working with our partners to deliver results.",
    "Our support is unwavering.",
    "There can be no impunity for these crimes.",
    "This investment will create jobs and growth in both our countries.",
    "We must seize this opportunity for peace.",
]
TITLES = [
    "{minister} visits {capital}",
    "{minister} meets {person}",
    "UK announces £{n} million {theme_words} support for {country}",
    "UK statement on {theme_words} in {country}",
    "Joint statement on {place}",
    "{programme} launched in {country}",
    "UK and {country} agree new {theme_words} partnership",
    "UK statement at {org}: {country}",
    "{place}: UK response",
    "{minister} at the {place} summit",
    "UK sanctions {m} over {country}",
    "Update on {place} and {theme_words}",
]
MONTHS = (
    "January February March April May June July August September October November December".split()
)
STORY_KINDS = list(STORY_TEMPLATES)

_ALTERNATIVES = re.compile(r"\[([^\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class SyntheticRelease:
    key: str
    title: str
    text: str
    published_at: datetime
    themes: tuple[str, ...]
    countries: tuple[str, ...]


@dataclass(frozen=True)
class _Story:
    kind: str
    themes: tuple[str, ...]
    countries: tuple[str, ...]
    minister: str
    person: str
    place: str
    programme: str
    codeword: str
    org: str
    day: int  # days before `start`
    wording: dict[str, tuple[str, ...]]  # the theme sentences this story uses, per theme


def _zipf(count: int, s: float = 0.9) -> list[float]:
    return [1 / (rank + 1) ** s for rank in range(count)]


def _place_name(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return word.capitalize()


def _stories(rng: random.Random, count: int) -> list[_Story]:
    theme_ids = list(THEME_TEMPLATES)
    theme_weights = _zipf(len(theme_ids), 0.7)
    country_weights = _zipf(len(COUNTRIES), 0.8)
    out = []
    for _ in range(count):
        themes: list[str] = []
        while len(themes) < rng.choice((1, 1, 2, 2, 3)):
            theme = rng.choices(theme_ids, theme_weights)[0]
            if theme not in themes:
                themes.append(theme)
        countries: list[str] = []
        while len(countries) < rng.choice((1, 1, 2, 3, 4)):
            country = rng.choices(COUNTRIES, country_weights)[0]
            if country not in countries:
                countries.append(country)
        word = rng.choice(PROGRAMME_WORDS)
        out.append(
            _Story(
                kind=rng.choice(STORY_KINDS),
                themes=tuple(themes),
                countries=tuple(countries),
                minister=rng.choice(MINISTERS),
                person=f"{rng.choice(ROLES)} {rng.choice(FIRST)} {rng.choice(LAST)}",
                place=_place_name(rng),
                programme=f"the {word} {rng.choice(PROGRAMME_KINDS)}",
                codeword=_place_name(rng) + " " + rng.choice(PROGRAMME_WORDS),
                org=rng.choice(ORGANISATIONS),
                day=rng.randint(0, 2 * 365),
                # one story is worded around a few of its themes' points, not all of them
                wording={
                    t: tuple(
                        rng.sample(
                            THEME_TEMPLATES[t], min(rng.randint(2, 3), len(THEME_TEMPLATES[t]))
                        )
                    )
                    for t in themes
                },
            )
        )
    return out


def _fill(template: str, story: _Story, rng: random.Random, country: str) -> str:
    template = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template)

    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "country":
            return country
        if name == "capital":
            return COUNTRY_INFO[country][1]
        if name in ("other", "other2"):
            return rng.choice(COUNTRIES)
        if name == "minister":
            return story.minister
        if name == "minister_lower":
            return story.minister[0].lower() + story.minister[1:]
        if name == "person":
            return story.person
        if name in ("place", "codeword", "org"):
            return str(getattr(story, name))
        if name == "programme":
            return story.programme
        if name == "theme_words":
            return rng.choice(story.themes).replace("-", " ")
        if name == "n":
            return str(rng.randint(2, 900))
        if name == "m":
            return str(rng.randint(2, 60))
        if name == "k":
            return str(rng.randint(1, 250))
        if name == "yy":
            return str(rng.randint(10, 35))
        if name == "cop":
            return str(rng.randint(26, 33))
        if name == "day":
            return str(rng.randint(1, 28))
        if name == "month":
            return rng.choice(MONTHS)
        if name == "quote":
            return rng.choice(QUOTES)
        raise KeyError(name)

    sentence = _SLOT.sub(slot, template)
    return sentence[0].upper() + sentence[1:]


def releases(
    n: int, *, seed: int = 7, start: datetime | None = None, paragraphs: tuple[int, int] = (3, 12)
) -> Iterator[SyntheticRelease]:
    """`n` releases, dated over the two years before `start`, each on one to three themes and
    one to four countries (those of its story), with `paragraphs` (min, max) paragraphs of two
    to four sentences."""
    rng = random.Random(seed)
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    stories = _stories(rng, max(8, n // 8))
    for i in range(n):
        story = rng.choice(stories)
        main = story.countries[0]
        paras = []
        for p in range(rng.randint(*paragraphs)):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                roll = rng.random()
                if roll < 0.5:
                    template = rng.choice(story.wording[rng.choice(story.themes)])
                elif roll < 0.7:
                    template = rng.choice(STORY_TEMPLATES[story.kind])
                else:
                    template = rng.choice(GENERAL)
                sentences.append(_fill(template, story, rng, rng.choice(story.countries)))
            if p == 0:
                opening = rng.choice(STORY_TEMPLATES[story.kind])
                sentences.insert(0, _fill(opening, story, rng, main))
            paras.append(" ".join(sentences))
        # a story's releases fall within weeks of its date
        minutes = (story.day + rng.randint(-20, 20)) * 24 * 60 + rng.randint(0, 24 * 60)
        minutes = min(max(minutes, 0), 2 * 365 * 24 * 60)
        yield SyntheticRelease(
            key=f"https://www.gov.uk/government/news/synthetic-{seed}-{i}",
            title=_fill(rng.choice(TITLES), story, rng, main),
            text="\n\n".join(paras),
            published_at=start - timedelta(minutes=minutes),
            themes=story.themes,
            countries=story.countries,
        )
