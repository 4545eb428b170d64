"""The language of a text, cheaply and without a model: `detect(text) -> "en" | "ar" | ... | None`.

Two steps on the first thousand characters:

1. Script. The letters are counted by script; when most are in one non-Latin script, that
   script names the language: Arabic script is Urdu when it uses the letters Urdu adds
   (ٹ ڈ ڑ ں ے ہ ھ), Persian when it uses the ones Persian adds (پ چ ژ گ) without Urdu's, Arabic
   otherwise; Cyrillic is Ukrainian with і ї є ґ, Russian otherwise; kana is Japanese, Hangul
   Korean, Han alone Chinese; Hebrew, Greek, Thai, Devanagari their one language.
2. Latin script: a small stop-word profile per language (en, es, fr, pt, de) counts the text's
   most common function words; the best count wins when it has at least a few hits and beats
   the runner-up clearly. Otherwise the language is unknown (None): too short or mixed.

The tagger's rules are written in English, so the tag stage uses this to say why a text in
another language gets no rule tags (see `Tagger.tag_with_reason`).
"""

from __future__ import annotations

import re

SAMPLE = 1000  # characters looked at: enough for a verdict, cheap on a long release
_MIN_LETTERS = 20
_MIN_HITS = 4

_URDU = frozenset("ٹڈڑںےہھ")
_PERSIAN = frozenset("پچژگ")
_UKRAINIAN = frozenset("іїєґІЇЄҐ")

# the letters of each script, as one character class per script (C-speed counting)
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(f"[{ranges}]+"))
    for name, ranges in (
        ("arabic", "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"),
        ("cyrillic", "\u0400-\u04ff"),
        ("hebrew", "\u0590-\u05ff"),
        ("greek", "\u0370-\u03ff"),
        ("devanagari", "\u0900-\u097f"),
        ("thai", "\u0e00-\u0e7f"),
        ("hangul", "\uac00-\ud7af\u1100-\u11ff"),
        ("kana", "\u3040-\u30ff"),
        ("han", "\u4e00-\u9fff"),
    )
)
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]+")
# any of the scripts above: counted first, the scripts one by one only when it outnumbers Latin
_NON_LATIN = re.compile("[" + "".join(p.pattern[1:-2] for _name, p in _SCRIPTS) + "]+")
_WORDS_LOOKED_AT = 150
_ONE_LANGUAGE = {"hebrew": "he", "greek": "el", "devanagari": "hi", "thai": "th", "hangul": "ko"}

_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to in is that for with was on are be by this it from have has will which"
        " at an not their its we our".split()
    ),
    "es": frozenset(
        "el la los las de del y en que un una por para con se es su sus al como más lo"
        " pero este esta".split()
    ),
    "fr": frozenset(
        "le la les de des du et en un une est que qui pour dans sur au aux avec ce cette"
        " pas par sont".split()
    ),
    "pt": frozenset(
        "o a os as de do da dos das e em um uma que para com por no na nos nas ao é se"
        " sua seu mais".split()
    ),
    "de": frozenset(
        "der die das und den dem des ist nicht ein eine einen mit von zu im auf für sich"
        " auch wird sind bei".split()
    ),
}
_WORD = re.compile("[a-zà-öø-ÿ]+")  # lower-case Latin-1 letters: every stop word's
# word -> the languages it is a stop word of (one dict lookup per word)
_STOP_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOP_WORDS.items():
    for _word in _words:
        _STOP_LANGUAGES[_word] = (*_STOP_LANGUAGES.get(_word, ()), _lang)


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None when it cannot tell."""
    sample = text[:SAMPLE]
    script, share = _main_script(sample)
    if script is None:
        return None
    if script != "latin" and share > 0.5:
        return _non_latin(script, sample)
    return _latin(sample)


def _main_script(sample: str) -> tuple[str | None, float]:
    if sample.isascii() or _NON_LATIN.search(sample) is None:
        return "latin", 1.0  # too few words for a verdict is the stop words' call
    latin = sum(map(len, _LATIN.findall(sample)))
    other = sum(map(len, _NON_LATIN.findall(sample)))
    if latin >= other:
        total = latin + other
        return ("latin", latin / total) if total >= _MIN_LETTERS else (None, 0.0)
    counts = {name: sum(map(len, pattern.findall(sample))) for name, pattern in _SCRIPTS}
    name, count = max(counts.items(), key=lambda kv: kv[1])
    total = latin + sum(counts.values())
    if total < _MIN_LETTERS:
        return None, 0.0
    if latin >= count:
        return "latin", latin / total
    return name, count / total


def _non_latin(script: str, sample: str) -> str:
    if script == "arabic":
        letters = set(sample)
        if letters & _URDU:
            return "ur"
        return "fa" if letters & _PERSIAN else "ar"
    if script == "cyrillic":
        return "uk" if set(sample) & _UKRAINIAN else "ru"
    if script in ("kana", "han"):
        return "ja" if script == "kana" or _has_kana(sample) else "zh"
    return _ONE_LANGUAGE.get(script, script)


def _has_kana(sample: str) -> bool:
    return any(0x3040 <= ord(ch) <= 0x30FF for ch in sample)


def _latin(sample: str) -> str | None:
    words = _WORD.findall(sample.lower())[:_WORDS_LOOKED_AT]
    hits = dict.fromkeys(_STOP_WORDS, 0)
    for languages in filter(None, map(_STOP_LANGUAGES.get, words)):
        for lang in languages:
            hits[lang] += 1
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    if top < _MIN_HITS or top < 1.3 * runner_up:
        return None
    return best
