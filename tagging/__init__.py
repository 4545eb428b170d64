"""Tagging (pure): release text -> country, region, theme and person tags, each with its evidence.

    taxonomy.py   seeds/taxonomy.yaml + seeds/places.yaml, validated, with their version
    text.py       tokens with offsets, sentences, paragraphs, diacritic folding
    matcher.py    the compiled phrase index (leftmost-longest, one dict lookup per token)
    gazetteer.py  pycountry + places.yaml -> country and region names
    people.py     people and roles as written around their names
    publisher.py  GOV.UK publisher links -> `publisher` tags
    tagger.py     `get_tagger(taxonomy).tag(text, title, links)` -> list[TagResult]
    evaluation.py precision / recall / F1 on the gold set and the GOV.UK corpus

No sqlalchemy, prefect, httpx or smtplib here.
"""
