"""Tagging (pure): release text -> country, region, theme and person tags, each with its evidence.

    taxonomy.py   seeds/taxonomy.yaml + seeds/places.yaml, validated, with their version
    text.py       tokens with offsets, sentences, paragraphs, diacritic folding
    matcher.py    the compiled phrase index (leftmost-longest, one dict lookup per token)
    gazetteer.py  pycountry + places.yaml -> country and region names
    people.py     people and roles as written around their names
    themes.py     theme phrases and the scoring: evidence, weak cues, context, suggested themes
    names.py      capitalised names (treaties, offices, wars) that hide the words inside them
    language.py   the language of a text (script, then stop words): non-English is left untagged
    publisher.py  GOV.UK publisher links -> `publisher` tags
    tagger.py     `get_tagger(taxonomy).tag(text, title, links)` -> list[TagResult]
                  (`tag_with_reason` -> Tagging: suggested themes too, the language, why untagged)
    evaluation.py precision / recall / F1 on the gold set and the GOV.UK corpus

No sqlalchemy, prefect, httpx or smtplib here.
"""
