"""Pure diffing: (earlier text, new text) -> a change, with no rendering and no IO (the lexicon
file, seeds/lexicon.yaml, is read once, on first use).

    sentences   split a release's text into sentences
    worddiff    the word-level diff inside one changed sentence
    similarity  TF-IDF vectors and cosine similarity
    align       pair the sentences of two texts: unchanged, changed (reworded), added, removed
    phrases     key phrases: 2 to 4 words, stop words trimmed
    lexicon     the significance lexicon (seeds/lexicon.yaml), validated and compiled once
    details     phone numbers, e-mails, URLs, dates, money, names: what changes without the policy
    classify    a version change is trivial, minor or substantive
    compare     version_diff / statement_diff / most_similar: the functions the stage calls
    model       the Diff record and its JSON payload (what the `changes` table stores)
    significance  what moved between two texts, each move scored and ranked
    moves       the records it is told in: Label, Move, Detail, Significance (with to_dict)
    evaluation  top-k precision and recall of the moves, and triage, against a gold set

    baseline    which earlier statement a new one is compared with, or why none
    history     the phrases a version records in the history of language
    text        a text prepared once: sentences, content words, key phrases
    memo        bounded LRU caches of the work done per sentence (hits, spans, word diffs)

`ALGORITHM_VERSION` names the behaviour of all of the above: change its first part whenever a
change to this package would change a stored diff. Its second part is a hash of the bundled
lexicon file (seeds/lexicon.yaml, the file's bytes, not parsed), so editing the lexicon changes
it too; the next run re-diffs every version.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_LEXICON = Path(__file__).resolve().parent.parent / "seeds" / "lexicon.yaml"

ALGORITHM_VERSION = f"diff-2026.12-4+lex-{hashlib.sha256(_LEXICON.read_bytes()).hexdigest()[:10]}"
