"""Diff stage: version diffs and statement diffs of every version not yet diffed.

gather (storage.changes, storage.candidates) -> compare (diffing, pure) -> apply (storage.changes), in batches of
versions, one transaction per batch. A version is pending while its `diffed_with` differs from
diffing.ALGORITHM_VERSION, so a new algorithm re-diffs everything and a crash loses nothing.

- version diff: the version against the previous version of the same release (basis "version"),
  classified trivial / minor / substantive, with silent edits flagged, what moved ranked;
- statement diffs: for each theme (rule-based tag) and focus country of the version that may
  drive a comparison (not the publisher's own country, not a tag most recent versions carry:
  diffing.baseline), the earlier statements on it within the look-back come from the tags
  index, newest first and at most `diffing.candidates` of them, and diffing.baseline chooses
  the one whose passages on the basis match best. One statement change is stored per such
  basis: the diff against the chosen statement, or, when none is comparable, an empty diff
  whose baseline says which statement was the latest and why it was not compared (against the
  version itself when there was none).
- phrase history: the version's phrase uses (diffing.history: lexicon formulae and its top key
  phrases), once per version, in one Core INSERT for the batch.

A statement diff's `new_phrases` are the new statement's key phrases that none of its candidates
(the newest earlier statements on the basis, read already) used: new since the last
`diffing.candidates` statements on the topic, at no further cost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from diffing import ALGORITHM_VERSION
from diffing.baseline import (
    COMMON_SAMPLE,
    Choice,
    Statement,
    basis_label,
    choose,
    eligible_bases,
    passages,
    publisher_country,
)
from diffing.compare import Text, sentence_diff, statement_diff, version_diff
from diffing.history import phrase_uses
from diffing.model import Diff
from storage.candidates import (
    BasisTags,
    ReleaseFacts,
    bases_of_versions,
    basis_shares,
    basis_tags,
    release_facts,
    statement_candidates_for,
)
from storage.changes import (
    VERSION_BASIS,
    add_change,
    mark_diffed,
    pending_versions,
    previous_version,
    version_texts,
    version_time,
)
from storage.models import ReleaseVersion
from storage.phrases import record_phrase_uses

if TYPE_CHECKING:
    from pipeline.app import App
    from pipeline.config import DiffingConfig
    from storage.db import Database

log = logging.getLogger("deskwatch.diff")

BATCH_SIZE = 200
"""Versions diffed per transaction."""


SHARE_SAMPLE = 1000
"""The share of a basis (diffing.baseline.COMMON_SHARE) is taken over this many newest versions."""


@dataclass
class StatementDiff:
    """One statement change: against the chosen earlier statement, or (`compared` False) an
    empty diff whose baseline says why none was compared."""

    basis: str
    against_release_id: int
    against_version_id: int
    diff: Diff
    compared: bool = True


class TextCache:
    """Prepared texts (sentences, terms, phrases) and basis tags by version id, so that an
    earlier statement compared with many new ones in a batch is read, split and tokenised once
    (each kind cleared when it reaches `limit` versions)."""

    def __init__(self, session: Session, limit: int = 2000) -> None:
        self.session = session
        self.limit = limit
        self._texts: dict[int, Text] = {}
        self._tags: dict[int, BasisTags] = {}

    def put(self, version_id: int, text: str) -> Text:
        if len(self._texts) >= self.limit:
            self._texts.clear()
        prepared = self._texts[version_id] = Text(text)
        return prepared

    def tags(self, version_ids: Sequence[int]) -> dict[int, BasisTags]:
        """storage.candidates.basis_tags of the versions, each read once per batch."""
        wanted = list(dict.fromkeys(version_ids))
        if len(self._tags) + len(wanted) > self.limit:
            self._tags.clear()
        missing = [v for v in wanted if v not in self._tags]
        if missing:
            self._tags.update(basis_tags(self.session, missing))
        return {v: self._tags[v] for v in wanted}

    def get_many(self, version_ids: Sequence[int]) -> dict[int, Text]:
        missing = [v for v in version_ids if v not in self._texts]
        for version_id, text in version_texts(self.session, missing).items():
            self.put(version_id, text)
        return {v: self._texts[v] for v in version_ids if v in self._texts}

    def of(self, version: ReleaseVersion) -> Text:
        found = self._texts.get(version.id)
        return found if found is not None else self.put(version.id, version.text)


def _statement(
    release_id: int, version_id: int, at: datetime, facts: ReleaseFacts | None, about: str
) -> Statement:
    return Statement(
        release_id,
        version_id,
        at,
        facts.title if facts else "",
        about,
        organisation=facts.organisation if facts else None,
        document_type=facts.document_type if facts else None,
        language=facts.language if facts else None,
        url=facts.url if facts else None,
    )


def statement_diffs(
    session: Session,
    version: ReleaseVersion,
    bases: Sequence[str],
    *,
    lookback: timedelta,
    candidates: int,
    cache: TextCache | None = None,
    shares: dict[str, float] | None = None,
) -> list[StatementDiff]:
    """The statement changes of `version`: one per basis that may drive a comparison (none, and
    no query, when no basis may). `shares` are storage.candidates.basis_shares of the bases (read
    here when not given). Reads only; the caller stores them."""
    publisher = publisher_country(version.release.url)
    eligible = eligible_bases(bases, publisher=publisher, shares={})
    if not eligible:
        return []
    if shares is None:
        shares = basis_shares(session, eligible, sample=SHARE_SAMPLE, minimum=COMMON_SAMPLE)
    eligible = eligible_bases(eligible, publisher=publisher, shares=shares)
    if not eligible:
        return []
    cache = cache or TextCache(session)
    stated = version_time(version)
    found = statement_candidates_for(
        session,
        eligible,
        before=stated,
        since=stated - lookback,
        exclude_release_id=version.release_id,
        limit=candidates,
    )
    earlier_ids = list(dict.fromkeys(c.version_id for group in found.values() for c in group))
    texts = cache.get_many(earlier_ids)
    facts = release_facts(
        session, [version.release_id, *(c.release_id for g in found.values() for c in g)]
    )
    tags = cache.tags([version.id, *earlier_ids])
    new = cache.of(version)
    own = tags[version.id]
    choices: dict[str, Choice] = {}
    for basis in eligible:
        about = passages(own.sentences.get(basis, []), new.text)
        target = _statement(
            version.release_id, version.id, stated, facts.get(version.release_id), about
        )
        group = [
            _statement(
                c.release_id,
                c.version_id,
                c.at,
                facts.get(c.release_id),
                passages(tags[c.version_id].sentences.get(basis, []), texts[c.version_id].text),
            )
            for c in found.get(basis, [])
            if c.version_id in texts
        ]
        choices[basis] = choose(
            target,
            group,
            basis=basis,
            basis_label=basis_label(basis, own.labels.get(basis)),
            lookback_days=lookback.days,
        )
    # "used before on the basis": by any of its candidates (the newest earlier statements on
    # it, whose texts are read already), so the check costs no query and does not grow with
    # the archive
    seen = {
        basis: {
            p
            for c in found.get(basis, [])
            if c.version_id in texts
            for p in texts[c.version_id].phrases
        }
        for basis, choice in choices.items()
        if choice.statement is not None
    }
    results: list[StatementDiff] = []
    compared: dict[int, Diff] = {}  # by earlier version: the sentence diff is the same per basis
    for basis, choice in choices.items():
        chosen = choice.statement
        if chosen is None:
            # against the latest statement it names, else the version itself
            latest = next(
                (c for c in found.get(basis, []) if c.release_id == choice.baseline.release_id),
                None,
            )
            results.append(
                StatementDiff(
                    basis,
                    latest.release_id if latest else version.release_id,
                    latest.version_id if latest else version.id,
                    Diff(baseline=choice.baseline),
                    compared=False,
                )
            )
            continue
        earlier = texts[chosen.version_id]
        if chosen.version_id not in compared:
            # its similarity is the passages' (below), not the whole texts'
            compared[chosen.version_id] = sentence_diff(earlier, new, similarity=False)
        diff = statement_diff(
            earlier,
            new,
            compared=compared[chosen.version_id],
            used_before=seen[basis].intersection,
        )
        diff.similarity = round(choice.similarity or 0.0, 4)
        diff.baseline = choice.baseline
        results.append(StatementDiff(basis, chosen.release_id, chosen.version_id, diff))
    return results


def latest_version_diff(
    session: Session, version: ReleaseVersion, cache: TextCache | None = None
) -> tuple[ReleaseVersion, Diff] | None:
    """The version diff of `version` against the previous version (None for a first version);
    with `cache`, the two texts are prepared once for this and the statement diffs."""
    previous = previous_version(session, version)
    if previous is None:
        return None
    old, new = (cache.of(previous), cache.of(version)) if cache else (previous.text, version.text)
    diff = version_diff(old, new, version.change_note)
    release = version.release
    if diff.silent_edit and not gives_change_notes(release.source.type, release.url):
        diff.silent_edit = False  # no note is what this publisher always gives: not news
    return previous, diff


NOTE_GIVING_HOSTS = ("www.gov.uk",)
"""Publishers whose edits normally come with a change note (GOV.UK's "change history")."""


def gives_change_notes(source_type: str, url: str | None) -> bool:
    """Whether a substantive edit without a change note is a *silent* edit: only where the
    publisher normally gives notes (a `govuk` source, or a file or feed item on www.gov.uk).
    A `page` source is read as the page shows (no change history), and a site other than
    GOV.UK gives none, so their edits are never called silent."""
    if source_type in ("govuk", "page"):
        return source_type == "govuk"
    return urlsplit(url or "").hostname in NOTE_GIVING_HOSTS


def _change_row(
    version: ReleaseVersion,
    *,
    kind: str,
    basis: str,
    against_release_id: int,
    against_version_id: int,
    diff: Diff,
    now: datetime,
    compared: bool = True,
) -> dict[str, object]:
    return {
        "kind": kind,
        "release_id": version.release_id,
        "version_id": version.id,
        "against_release_id": against_release_id,
        "against_version_id": against_version_id,
        "basis": basis,
        "classification": diff.classification,
        "has_change_note": diff.has_change_note,
        "silent_edit": diff.silent_edit,
        "similarity": diff.similarity if compared else None,
        "payload": diff.payload(),
        "algorithm_version": ALGORITHM_VERSION,
        "created_at": now,
    }


def diff_versions(
    session: Session,
    versions: Sequence[ReleaseVersion],
    *,
    settings: DiffingConfig,
    now: datetime,
) -> dict[str, int]:
    """Diff and store `versions` (oldest statement first), record their phrase uses and mark
    them diffed."""
    counts = {"version_diffs": 0, "statement_diffs": 0, "silent_edits": 0}
    cache = TextCache(session)
    bases = bases_of_versions(session, [v.id for v in versions])
    shares = basis_shares(
        session,
        {b for group in bases.values() for b in group},
        sample=SHARE_SAMPLE,
        minimum=COMMON_SAMPLE,
    )
    lookback = timedelta(days=settings.lookback_days)
    uses: list[dict[str, Any]] = []
    for version in versions:
        compared = latest_version_diff(session, version, cache)
        if compared is not None:
            previous, diff = compared
            row = _change_row(
                version,
                kind="version",
                basis=VERSION_BASIS,
                against_release_id=version.release_id,
                against_version_id=previous.id,
                diff=diff,
                now=now,
            )
            if add_change(session, **row):
                counts["version_diffs"] += 1
                counts["silent_edits"] += int(diff.silent_edit)
        for found in statement_diffs(
            session,
            version,
            bases.get(version.id, []),
            lookback=lookback,
            candidates=settings.candidates,
            cache=cache,
            shares=shares,
        ):
            row = _change_row(
                version,
                kind="statement",
                basis=found.basis,
                against_release_id=found.against_release_id,
                against_version_id=found.against_version_id,
                diff=found.diff,
                now=now,
                compared=found.compared,
            )
            stored = add_change(session, **row)
            counts["statement_diffs"] += int(stored and found.compared)  # not "none comparable"
        used_at = version_time(version)
        uses += [
            {
                "phrase": use.phrase,
                "weight": use.weight,
                "release_id": version.release_id,
                "version_id": version.id,
                "used_at": used_at,
            }
            for use in phrase_uses(cache.of(version))
        ]
    record_phrase_uses(session, uses)  # one bulk insert for the batch
    mark_diffed(session, [v.id for v in versions], ALGORITHM_VERSION)
    return counts


def diff_pending(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    """Diff every version not yet diffed with the current algorithm, a batch per transaction."""
    totals = {"version_diffs": 0, "statement_diffs": 0, "silent_edits": 0}
    while True:
        with db.session() as session:
            versions = pending_versions(session, ALGORITHM_VERSION, BATCH_SIZE)
            if not versions:
                break
            counts = diff_versions(session, versions, settings=app.config.diffing, now=now)
        for key, value in counts.items():
            totals[key] += value
        if len(versions) < BATCH_SIZE:
            break
    log.info(
        "diffed: %d version diffs (%d silent edits), %d statement diffs",
        totals["version_diffs"],
        totals["silent_edits"],
        totals["statement_diffs"],
    )
    return totals
