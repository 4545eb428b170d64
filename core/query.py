"""The search query language (pure: no database here).

    ceasefire                      a word (stemmed, case and accent blind)
    "sustainable ceasefire"        an exact phrase
    sanction*                      a prefix
    japan AND defence              both (AND is also implied between words)
    gaza OR lebanon                either
    NOT russia, -russia            without
    (gaza OR lebanon) -hamas       grouping
    theme:ID  country:CODE  person:"Name"  source:NAME  type:DOCUMENT_TYPE
    suggested:ID                   a theme the tagger suggested (below its bar; theme: is over it)
    since:DATE  until:DATE         YYYY-MM-DD (or YYYY-MM, YYYY), both inclusive

Field filters apply to the whole query: they are ANDed together and with the text, may be negated
(`-country:RU`), take several values separated by commas for "any of" (`country:JP,KR`), and may
not sit inside parentheses or beside OR. `parse(text)` returns a `Query` or raises QueryError with
one line that says what is wrong and where.

Words are split into tokens the way the full-text indexes split text (letters and digits), so
"co-operation" is the phrase "co operation" and no input reaches the database as syntax.

One module, though over 400 lines: the AST (Term, Phrase, And, Or, Not, Filter, Query), the
lexer, the recursive-descent parser that builds the AST, and `describe` that reads it back
change together: a new operator or field is a node, a token, a parser rule and a description.
The SQL for a query is in storage (storage.search_matching and the full-text backends).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from core.errors import QueryError

FIELDS = ("theme", "suggested", "country", "person", "source", "type", "since", "until")
MAX_QUERY_LENGTH = 2000
MAX_TERMS = 64
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.S)
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Term:
    """One token; `prefix` for `word*`."""

    token: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Tokens that must appear in this order; `prefix` makes the last one a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Term | Phrase | And | Or | Not


@dataclass(frozen=True)
class Filter:
    """A field filter: `values` are alternatives ("any of"); `negated` for `-field:value`."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Query:
    text: Node | None = None
    filters: tuple[Filter, ...] = ()
    since: date | None = None
    until: date | None = None
    source_text: str = field(default="", compare=False)

    @property
    def is_empty(self) -> bool:
        return self.text is None and not self.filters and not self.since and not self.until

    def with_filter(self, flt: Filter) -> Query:
        return Query(self.text, (*self.filters, flt), self.since, self.until, self.source_text)


def tokens(word: str) -> tuple[str, ...]:
    """The index tokens of a word: lower-case runs of letters and digits, with the combining
    marks that follow a letter (Arabic vowel signs, decomposed accents) kept in the word."""
    out: list[str] = []
    current: list[str] = []
    for ch in unicodedata.normalize("NFC", word):
        if ch.isalnum() or (current and unicodedata.category(ch).startswith("M")):
            current.append(ch)
        elif current:
            out.append("".join(current).lower())
            current = []
    if current:
        out.append("".join(current).lower())
    return tuple(out)


# ---------------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class _Tok:
    kind: str  # word, phrase, field, op, lparen, rparen
    value: str
    pos: int
    negated: bool = False
    field: str = ""


def _lex(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
            ch = text[i]
        if ch == "(":
            out.append(_Tok("lparen", "(", start, negated))
            i += 1
            continue
        if ch == ")":
            if negated:
                raise QueryError(f"'-' before ')' at position {start + 1}")
            out.append(_Tok("rparen", ")", start))
            i += 1
            continue
        if ch == '"':
            value, i = _quoted(text, i)
            out.append(_Tok("phrase", value, start, negated))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '()"':
            j += 1
        word = text[i:j]
        i = j
        match = _FIELD.fullmatch(word)
        if match and not match.group(1).isdigit():
            name, value = match.group(1).lower(), match.group(2)
            if name not in FIELDS:
                raise QueryError(
                    f"unknown field '{match.group(1)}:' at position {start + 1} "
                    f"(fields: {', '.join(FIELDS)}); put text in quotes to search for it"
                )
            if not value and i < n and text[i] == '"':
                value, i = _quoted(text, i)
            if not value.strip():
                raise QueryError(f"'{name}:' needs a value at position {start + 1}")
            out.append(_Tok("field", value, start, negated, name))
            continue
        if word in _OPERATORS and not negated:
            out.append(_Tok("op", word, start))
            continue
        out.append(_Tok("word", word, start, negated))
    return out


def _quoted(text: str, i: int) -> tuple[str, int]:
    end = text.find('"', i + 1)
    if end < 0:
        raise QueryError(f'unbalanced quote: the " at position {i + 1} is never closed')
    return text[i + 1 : end], end + 1


# ------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0
        self.terms = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse_or(self) -> list[list[Node | Filter]]:
        """A list of alternatives, each an AND group (empty for an ignorable group)."""
        groups = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "OR":
            self.take()
            after = self.peek()
            if after is None or after.kind == "rparen":
                raise QueryError(f"OR at position {tok.pos + 1} has nothing after it")
            groups.append(self.parse_and())
        return groups

    def parse_and(self) -> list[Node | Filter]:
        items: list[Node | Filter] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "rparen" or (tok.kind == "op" and tok.value == "OR"):
                break
            if tok.kind == "op" and tok.value == "AND":
                self.take()
                nxt = self.peek()
                if not items or nxt is None or nxt.kind == "rparen" or nxt.value == "OR":
                    raise QueryError(f"AND at position {tok.pos + 1} needs something on each side")
                continue
            item = self.parse_unary()
            if item is not None:
                items.append(item)
        if not items and (tok := self.peek()) is not None and tok.kind == "op":
            raise QueryError(f"{tok.value} at position {tok.pos + 1} has nothing before it")
        return items

    def parse_unary(self) -> Node | Filter | None:
        tok = self.take()
        if tok.kind == "op" and tok.value == "NOT":
            nxt = self.peek()
            if nxt is None or nxt.kind == "rparen" or (nxt.kind == "op" and nxt.value != "NOT"):
                raise QueryError(f"NOT at position {tok.pos + 1} has nothing after it")
            inner = self.parse_unary()
            return _negate(inner) if inner is not None else None
        item = self.parse_atom(tok)
        return _negate(item) if tok.negated and item is not None else item

    def parse_atom(self, tok: _Tok) -> Node | Filter | None:
        if tok.kind == "lparen":
            self.depth += 1
            if self.depth > 16:
                raise QueryError("the query nests parentheses too deeply")
            groups = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QueryError(f"unbalanced parenthesis: the ( at position {tok.pos + 1}")
            self.take()
            self.depth -= 1
            node = _combine(groups, nested=True)
            if node is None:
                raise QueryError(f"empty parentheses at position {tok.pos + 1}")
            return node
        if tok.kind == "rparen":
            raise QueryError(f"unbalanced parenthesis: the ) at position {tok.pos + 1}")
        if tok.kind == "field":
            return Filter(tok.field, _field_values(tok.field, tok.value, tok.pos), False)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} words")
        if tok.kind == "phrase":
            toks = tokens(tok.value)
            return _text_node(toks, prefix=False)
        word, prefix = tok.value, False
        if word.endswith("*"):
            word, prefix = word.rstrip("*"), True
            if not tokens(word):
                raise QueryError(f"'*' at position {tok.pos + 1} must end a word, as in sanction*")
        if "*" in word:
            raise QueryError(f"'*' at position {tok.pos + 1} may only end a word, as in sanction*")
        return _text_node(tokens(word), prefix=prefix)


def _text_node(toks: tuple[str, ...], *, prefix: bool) -> Node | None:
    if not toks:
        return None  # punctuation only: nothing to search for
    if len(toks) == 1:
        return Term(toks[0], prefix)
    return Phrase(toks, prefix)


def _negate(item: Node | Filter) -> Node | Filter:
    if isinstance(item, Filter):
        if item.field in ("since", "until"):
            raise QueryError(f"'{item.field}:' cannot be negated")
        return Filter(item.field, item.values, not item.negated)
    if isinstance(item, Not):
        return item.item
    return Not(item)


def _combine(groups: list[list[Node | Filter]], *, nested: bool) -> Node | None:
    """Build the text tree from OR'ed AND groups; field filters are refused here."""
    alternatives: list[Node] = []
    for group in groups:
        if any(isinstance(item, Filter) for item in group) and (nested or len(groups) > 1):
            where = "inside parentheses" if nested else "beside OR"
            raise QueryError(
                f"field filters apply to the whole query and cannot be {where}; "
                "use commas for alternatives, as in country:JP,KR"
            )
        nodes = [item for item in group if not isinstance(item, Filter)]
        if not nodes:
            continue
        alternatives.append(nodes[0] if len(nodes) == 1 else And(tuple(nodes)))
    if len(groups) > 1 and len(alternatives) < len(groups):
        raise QueryError("each side of OR needs a word to search for")
    if not alternatives:
        return None
    node = alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives))
    if isinstance(node, Or):
        for alt in node.items:
            if not is_positive(alt):
                raise QueryError(
                    "each side of OR needs a word that is not negated, as in (gaza -hamas) OR lebanon"
                )
    _check_nested_negation(node, top=True)
    return node


def _check_nested_negation(node: Node, *, top: bool) -> None:
    if isinstance(node, And | Or):
        for item in node.items:
            _check_nested_negation(item, top=False)
        if not top and isinstance(node, And) and not is_positive(node):
            raise QueryError("a group of only negated words needs a word to subtract from")
    elif isinstance(node, Not):
        _check_nested_negation(node.item, top=False)
        if not top and not isinstance(node.item, Term | Phrase) and not is_positive(node.item):
            raise QueryError("a negated group needs a word that is not negated")


def is_positive(node: Node) -> bool:
    """Whether the node requires some word to be present (so it can stand on its own)."""
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(is_positive(item) for item in node.items)
    return all(is_positive(item) for item in node.items)


def _field_values(name: str, raw: str, pos: int) -> tuple[str, ...]:
    if name in ("since", "until"):
        return (parse_date(raw, name, pos=pos, end=name == "until").isoformat(),)
    if name == "person":
        values = [raw.strip()]
    else:
        values = [v.strip() for v in raw.split(",")]
    if any(not v for v in values):
        raise QueryError(f"'{name}:' has an empty value at position {pos + 1}")
    if name == "country":
        return tuple(v.upper() for v in values)
    if name in ("theme", "suggested"):
        return tuple(v.lower() for v in values)
    return tuple(values)


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_date(raw: str, name: str = "date", *, pos: int | None = None, end: bool = False) -> date:
    """YYYY-MM-DD, YYYY-MM or YYYY; a partial date is its first day (its last with end=True)."""
    where = f" at position {pos + 1}" if pos is not None else ""
    match = _DATE.fullmatch(raw.strip())
    if not match:
        raise QueryError(f"bad date {raw!r} for {name}{where}: use YYYY-MM-DD")
    year = int(match.group(1))
    month = int(match.group(2) or (12 if end else 1))
    if match.group(3):
        day = int(match.group(3))
    else:
        day = calendar.monthrange(year, month)[1] if end and 1 <= month <= 12 else 1
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise QueryError(f"bad date {raw!r} for {name}{where}: {exc}") from None


def parse(text: str | None) -> Query:
    """Parse a query; an empty or blank text is the empty query (everything)."""
    text = text or ""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    parser = _Parser(_lex(text))
    groups = parser.parse_or()
    if (tok := parser.peek()) is not None:
        raise QueryError(f"unbalanced parenthesis: the ) at position {tok.pos + 1}")
    node = _combine(groups, nested=False)
    filters: list[Filter] = []
    since = until = None
    for item in groups[0] if len(groups) == 1 else []:
        if not isinstance(item, Filter):
            continue
        if item.field == "since":
            since = _later(since, date.fromisoformat(item.values[0]))
        elif item.field == "until":
            until = _earlier(until, date.fromisoformat(item.values[0]))
        else:
            filters.append(item)
    if since and until and since > until:
        raise QueryError(f"since:{since} is after until:{until}")
    return Query(node, tuple(filters), since, until, text)


def _later(a: date | None, b: date) -> date:
    return b if a is None or b > a else a


def _earlier(a: date | None, b: date) -> date:
    return b if a is None or b < a else a


def describe(node: Node | None) -> str:
    """The text tree written back as a query (for titles and tests)."""
    if node is None:
        return ""
    if isinstance(node, Term):
        return node.token + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.tokens) + '"' + ("*" if node.prefix else "")
    if isinstance(node, Not):
        return "-" + describe(node.item)
    joiner = " " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(item) for item in node.items) + ")"
