"""Which earlier statement a new one is compared with on a basis (a theme or a focus country),
or why it is compared with none. Pure: the diff stage gathers the candidates, this chooses.

Which bases drive a comparison (`eligible_bases`):

- never the publisher's own country: deskwatch reads UK government publishers, so GB is the
  publisher's country of every release on gov.uk and of every release with no web address (the
  seed and local statement files); a release elsewhere has no publisher country here. GB is a
  focus country of almost every UK release, so "the last statement on GB" pairs a G7 release
  with a Gaza one;
- never a tag carried by most releases: a basis on more than COMMON_SHARE of the archive's
  recent versions (once there are at least COMMON_SAMPLE of them) says nothing about a subject.

Among the candidates of one basis (`choose`), newest first:

1. a statement is not comparable when it is another locale of the same content or in another
   language: GOV.UK publishes a translation at the page's path plus a locale suffix
   (/government/news/x.es, .fr, .zh-tw), so the same host and the same path without that suffix
   is a translation; and two statements whose stored `language` both say something and differ
   are never compared sentence by sentence;
2. each statement is reduced to its *passages* on the basis: the sentences that carry the
   basis's tag evidence (the tagger stores each match's sentence), else its whole text;
3. a candidate's score is the TF-IDF cosine of its passages with the new statement's (content
   words, the idf taken over the new statement and the candidates), plus SAME_PUBLISHER when
   the organisation is the same, SAME_TYPE when the document type is, and a recency bonus
   (RECENCY, halving every RECENCY_DAYS of age); a candidate whose passages reach less than
   MIN_PASSAGE_SIMILARITY shares too little to compare, however recent;
4. the best score wins, a tie going to the newest.

When no candidate is comparable, the `Baseline` names the latest earlier statement on the basis
and the reason it was not compared (that statement's own reason), or says there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from core.country_names import country_name
from diffing.model import Baseline
from diffing.similarity import cosine, vectors
from diffing.tokens import content_words

PUBLISHER_COUNTRY = "GB"
"""The country of the publishers deskwatch reads (UK government)."""
COMMON_SHARE = 0.5
"""A basis carried by more of the recent versions than this never drives a comparison."""
COMMON_SAMPLE = 20
"""The share is judged only once the archive has this many recent versions (in a handful of
releases every tag is common)."""
MIN_PASSAGE_SIMILARITY = 0.05
"""Passages on the same basis that reach less than this cosine share too little to compare."""
SAME_PUBLISHER = 0.1
"""Added to the score of a candidate from the same organisation."""
SAME_TYPE = 0.05
"""Added to the score of a candidate of the same document type."""
RECENCY = 0.3
"""Added to the score of a candidate stated the same day as the new one, halving every
RECENCY_DAYS: of two statements whose passages match about as well, the later is the baseline
(chosen on the baseline cases of tests/gold/diffs.yaml: 0.3 and 30 days pick 10 of the 11)."""
RECENCY_DAYS = 30

_LOCALE = re.compile(r"\.[a-z]{2,3}(?:-[a-z0-9]{2,4})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """What the chooser knows of one release version: who published it, what and where, and its
    passages on the basis (the sentences of its tag evidence, else its text)."""

    release_id: int
    version_id: int
    at: datetime
    title: str
    passages: str
    organisation: str | None = None
    document_type: str | None = None
    language: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Choice:
    """The candidate chosen (None when none is comparable), its passage similarity, and the
    baseline record the stored diff carries."""

    statement: Statement | None
    similarity: float | None
    baseline: Baseline


def publisher_country(url: str | None) -> str | None:
    """GB for a release on gov.uk or with no web address; None otherwise."""
    if not url or not url.startswith(("http://", "https://")):
        return PUBLISHER_COUNTRY
    host = (urlsplit(url).hostname or "").lower()
    return PUBLISHER_COUNTRY if host == "gov.uk" or host.endswith(".gov.uk") else None


def eligible_bases(
    bases: Iterable[str], *, publisher: str | None, shares: Mapping[str, float]
) -> list[str]:
    """The bases that may drive a comparison: not the publisher's country, not a common tag
    (`shares`: the share of recent versions carrying each basis, absent when not judged)."""
    own = f"country:{publisher}" if publisher else None
    return [b for b in bases if b != own and shares.get(b, 0.0) <= COMMON_SHARE]


def passages(sentences: Iterable[str], text: str) -> str:
    """The sentences about a basis, each once in the order given, else the whole text."""
    unique = list(dict.fromkeys(s.strip() for s in sentences if s and s.strip()))
    return "\n".join(unique) if unique else text


def content_path(url: str | None) -> tuple[str, str] | None:
    """(host, path without a locale suffix) of a web address; None for anything else."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), _LOCALE.sub("", parts.path.rstrip("/"))


def not_comparable(new: Statement, earlier: Statement) -> str | None:
    """Why `earlier` cannot be the baseline of `new` whatever its text says, or None."""
    new_path, old_path = content_path(new.url), content_path(earlier.url)
    if new_path is not None and new_path == old_path:
        return "the earlier statement is this release's translation"
    if new.language and earlier.language and _lang(new.language) != _lang(earlier.language):
        return f"the earlier statement is in another language ({earlier.language})"
    return None


def _lang(code: str) -> str:
    return code.lower().replace("_", "-").split("-")[0]


def choose(
    new: Statement,
    candidates: Sequence[Statement],
    *,
    basis: str,
    basis_label: str,
    lookback_days: int,
) -> Choice:
    """The baseline of `new` on `basis` among `candidates` (newest first)."""
    if not candidates:
        return Choice(
            None,
            None,
            Baseline(
                basis,
                basis_label,
                compared=False,
                reason=f"no earlier statement on {basis_label} in the last {lookback_days} days",
            ),
        )
    reasons = {c.version_id: not_comparable(new, c) for c in candidates}
    open_ = [c for c in candidates if reasons[c.version_id] is None]
    similarity = _passage_similarity(new, open_)
    best: tuple[Statement, float, float] | None = None
    for candidate in open_:
        passage = similarity[candidate.version_id]
        if passage < MIN_PASSAGE_SIMILARITY:
            reasons[candidate.version_id] = (
                f"the passages on {basis_label} share too little to compare"
            )
            continue
        score = passage
        score += SAME_PUBLISHER if _same(new.organisation, candidate.organisation) else 0.0
        score += SAME_TYPE if _same(new.document_type, candidate.document_type) else 0.0
        age = max((new.at - candidate.at).total_seconds() / 86400, 0.0)
        score += RECENCY * 0.5 ** (age / RECENCY_DAYS)
        if best is None or score > best[2] + 1e-12:
            best = (candidate, passage, score)
    if best is not None:
        chosen, passage, _ = best
        return Choice(chosen, passage, _baseline(basis, basis_label, chosen, True, ""))
    latest = candidates[0]
    reason = reasons[latest.version_id] or ""
    return Choice(None, None, _baseline(basis, basis_label, latest, False, reason))


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and a == b


def _baseline(
    basis: str, label: str, statement: Statement, compared: bool, reason: str
) -> Baseline:
    return Baseline(
        basis,
        label,
        release_id=statement.release_id,
        title=statement.title,
        published_at=statement.at.isoformat(),
        compared=compared,
        reason=reason,
    )


@lru_cache(maxsize=4096)
def _terms(passage: str) -> tuple[str, ...]:
    """Content words of a passage, once per passage: one earlier statement is a candidate on
    several bases, and with no evidence its passages are its whole text on each."""
    return tuple(content_words(passage))


def _passage_similarity(new: Statement, candidates: Sequence[Statement]) -> dict[int, float]:
    if not candidates:
        return {}
    vecs = vectors([list(_terms(new.passages)), *(list(_terms(c.passages)) for c in candidates)])
    return {c.version_id: cosine(vecs[0], vec) for c, vec in zip(candidates, vecs[1:], strict=True)}


def basis_label(basis: str, tag_label: str | None = None) -> str:
    """A basis's name for a reader, never a code: a country's name as desk officers write it
    (core.country_names, the names the mails use), a theme's label from the taxonomy (the tag's
    label), else the theme id in words."""
    kind, _, value = basis.partition(":")
    if kind == "country":
        return country_name(value)
    if tag_label:
        return tag_label
    return value.replace("-", " ").capitalize()
