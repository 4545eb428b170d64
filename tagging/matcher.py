"""The compiled phrase index: every phrase of one channel in a trie of folded tokens.

Scanning a text costs one set lookup per token (does a phrase start with it?), then a walk down
the trie from the few tokens that begin a phrase. The scan is leftmost-longest and does not overlap, so
"Papua New Guinea" wins over "Guinea" and "social security" (a `not` phrase) hides "security".
`ChannelIndex` puts several indexes in one trie and scans them in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import compress
from typing import Any, NamedTuple

from core.folding import fold
from tagging.text import _TOKEN, Tokens

ANY, CAPITALISED, EXACT = "any", "cap", "exact"


@dataclass(frozen=True, slots=True)
class Entry:
    keys: tuple[str, ...]
    written: tuple[str, ...]  # the tokens as written in the data file
    case: str
    payloads: tuple[Any, ...]


class Match(NamedTuple):
    first: int  # index of the first token
    last: int  # index of the last token (inclusive)
    entry: Entry

    @property
    def payloads(self) -> tuple[Any, ...]:
        return self.entry.payloads


# Match(...) without a Python-level __new__: a dense release makes a thousand of them
_match = partial(tuple.__new__, Match)


_Node = tuple[dict[str, Any], list[Entry]]


class PhraseIndex:
    def __init__(self) -> None:
        self._entries: dict[tuple[tuple[str, ...], tuple[str, ...], str], list[Any]] = {}
        self._buckets: dict[str, _Node] = {}

    def add(self, phrase: str, payload: Any, case: str = ANY) -> None:
        written = tuple(m.group() for m in _TOKEN.finditer(phrase))
        if not written:
            return
        keys = tuple(fold(w) for w in written)
        if case == CAPITALISED and not any(w[0].isupper() for w in written):
            case = ANY
        self._entries.setdefault((keys, written, case), []).append(payload)

    def compile(self) -> PhraseIndex:
        """Build the token trie: {first key: node}, a node being (children, entries) where
        entries end there, exact-case entries first."""
        root: dict[str, _Node] = {}
        for (keys, written, case), payloads in self._entries.items():
            node = root.setdefault(keys[0], ({}, []))
            for key in keys[1:]:
                node = node[0].setdefault(key, ({}, []))
            node[1].append(Entry(keys, written, case, tuple(payloads)))
        for node in _walk(root):
            node[1].sort(key=lambda e: e.case != EXACT)
        self._buckets = root
        return self

    def __len__(self) -> int:
        return len(self._entries)

    def scan(self, tokens: Tokens, text: str | None = None) -> list[Match]:
        """Leftmost-longest, non-overlapping matches. With `text`, the words of a phrase must be
        separated by nothing but spaces, hyphens or apostrophes (not a full stop or comma)."""
        root = self._buckets
        keys, starts, text_ = tokens.keys, tokens.starts, tokens.text
        n = len(keys)
        matches: list[Match] = []
        free = 0  # the first token not yet inside a match
        for i in compress(range(n), map(root.__contains__, keys)):
            if i < free:
                continue
            node = root[keys[i]]
            if not node[0]:  # only one-word phrases begin with this word: the common case
                for entry in node[1]:
                    case = entry.case
                    if (
                        case == ANY
                        or (case == CAPITALISED and text_[starts[i]].isupper())
                        or (case == EXACT and _case_ok(entry, tokens, i))
                    ):
                        matches.append(_match((i, i, entry)))
                        free = i + 1
                        break
                continue
            # walk the trie as far as the text goes, remembering where phrases end
            ends = [(i, node[1])] if node[1] else []
            j = i + 1
            while j < n and node[0]:
                child = node[0].get(keys[j])
                if child is None:
                    break
                node = child
                if node[1]:
                    ends.append((j, node[1]))
                j += 1
            found = None
            for last, entries in reversed(ends):
                size = last - i + 1
                if size > 1 and text is not None and not _joined(tokens, i, size, text):
                    continue
                for entry in entries:
                    case = entry.case
                    if (
                        case == ANY
                        # one capitalised word, the common case, checked here
                        or (case == CAPITALISED and size == 1 and text_[starts[i]].isupper())
                        or ((case == EXACT or size > 1) and _case_ok(entry, tokens, i))
                    ):
                        found = _match((i, last, entry))
                        break
                if found is not None:
                    break
            if found is not None:
                matches.append(found)
                free = found.last + 1
        return matches


class ChannelIndex:
    """Several phrase indexes (channels: places, themes, roles) in one token trie, so one pass
    over the tokens finds the matches of each. Within a channel the matches are leftmost-longest
    and do not overlap, exactly as `PhraseIndex.scan` finds them; channels do not hide each
    other."""

    def __init__(self, indexes: list[PhraseIndex]) -> None:
        self.channels = size = len(indexes)
        # a node: [children, entries per channel, (channel, entries) for the channels that end]
        root: dict[str, list[Any]] = {}
        for channel, index in enumerate(indexes):
            for (keys, written, case), payloads in index._entries.items():
                node = root.setdefault(keys[0], [{}, [[] for _ in range(size)], ()])
                for key in keys[1:]:
                    node = node[0].setdefault(key, [{}, [[] for _ in range(size)], ()])
                node[1][channel].append(Entry(keys, written, case, tuple(payloads)))
        stack = list(root.values())
        while stack:
            node = stack.pop()
            for entries in node[1]:
                entries.sort(key=lambda e: e.case != EXACT)
            node[1] = tuple(tuple(entries) for entries in node[1])
            node[2] = tuple((c, entries) for c, entries in enumerate(node[1]) if entries)
            stack.extend(node[0].values())
        self._root = root

    def scan(self, tokens: Tokens, text: str | None = None) -> list[list[Match]]:
        """The matches of each channel (see `PhraseIndex.scan`)."""
        root = self._root
        keys, starts, text_ = tokens.keys, tokens.starts, tokens.text
        n, channels = len(keys), range(self.channels)
        found_in: list[list[Match]] = [[] for _ in channels]
        free = [0] * self.channels  # per channel, the first token not yet inside a match
        for i in compress(range(n), map(root.__contains__, keys)):
            node = root[keys[i]]
            children = node[0]
            if not children or i + 1 == n or keys[i + 1] not in children:
                # only a one-word phrase can match here: the common case
                for channel, entries in node[2]:
                    if i < free[channel]:
                        continue
                    for entry in entries:
                        case = entry.case
                        if (
                            case == ANY
                            or (case == CAPITALISED and text_[starts[i]].isupper())
                            or (case == EXACT and _case_ok(entry, tokens, i))
                        ):
                            found_in[channel].append(_match((i, i, entry)))
                            free[channel] = i + 1
                            break
                continue
            # walk the trie as far as the text goes, remembering where phrases end
            ends = [(i, node[2])] if node[2] else []
            j = i + 1
            while j < n and children:
                node = children.get(keys[j])
                if node is None:
                    break
                if node[2]:
                    ends.append((j, node[2]))
                children = node[0]
                j += 1
            # per channel, the longest phrase that ends here and fits the text's case and gaps
            open_ = [c for c in channels if free[c] <= i]
            for last, ending in reversed(ends):
                if not open_:
                    break
                size = last - i + 1
                joined = None
                for channel, entries in ending:
                    if channel not in open_:
                        continue
                    if size > 1 and text is not None:
                        if joined is None:
                            joined = _joined(tokens, i, size, text)
                        if not joined:
                            break
                    for entry in entries:
                        case = entry.case
                        if (
                            case == ANY
                            or (case == CAPITALISED and size == 1 and text_[starts[i]].isupper())
                            or ((case == EXACT or size > 1) and _case_ok(entry, tokens, i))
                        ):
                            found_in[channel].append(_match((i, last, entry)))
                            free[channel] = last + 1
                            open_.remove(channel)
                            break
        return found_in


def _walk(root: dict[str, _Node]) -> list[_Node]:
    nodes: list[_Node] = []
    stack = list(root.values())
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node[0].values())
    return nodes


def _case_ok(entry: Entry, tokens: Tokens, i: int) -> bool:
    text, starts, ends = tokens.text, tokens.starts, tokens.ends
    if entry.case == EXACT:
        return all(text[starts[i + k] : ends[i + k]] == w for k, w in enumerate(entry.written))
    for k, w in enumerate(entry.written):
        if w[0].isupper() and not text[starts[i + k]].isupper():
            return False
    return True


_JOINERS = set(" -‐–'’\u00a0&.")


def _joined(tokens: Tokens, i: int, size: int, text: str) -> bool:
    starts, ends = tokens.starts, tokens.ends
    for k in range(i, i + size - 1):
        gap = text[ends[k] : starts[k + 1]]
        if gap == " ":
            continue
        if len(gap) > 3 or any(ch not in _JOINERS for ch in gap):
            return False
        if "." in gap and not (ends[k] - starts[k] == 1 and text[starts[k]].isupper()):
            return False  # "U.S." joins, "Japan. Korea" does not
    return True
