"""Text and URL normalisation. Pure.

`content_hash(text)` decides whether two texts are the same version: whitespace, typographic
quotes, dashes and the like do not count as a change. `canonical_url(url)` is the release key of
anything fetched from the web.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.errors import ParseError

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\u00ad": "",
        "\u2026": "...",
    }
)
_SPACES = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without what no database can store: NUL (Postgres refuses it in text and JSON)
    and lone surrogates (`&#xD800;` in a feed: not encodable as UTF-8). Every text field of a
    ReleaseRecord passes through here, and so does every problem written to a run record."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub("", text)


def clean_text(text: str) -> str:
    """Tidy extracted text for storage: Unicode NFC, unified line ends, trimmed lines, paragraphs
    separated by exactly one blank line. Typography is kept (it is what the publisher wrote)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]
    return "\n\n".join(paragraphs)


_TYPOGRAPHIC = re.compile("[" + "".join(chr(c) for c in _TYPOGRAPHY) + "]")


def _fold(match: re.Match[str]) -> str:
    return _TYPOGRAPHY[ord(match.group())] or ""


def normalise_for_hash(text: str) -> str:
    """The text as compared between versions: typography folded, all whitespace collapsed.
    (The folding is a regex over the few typographic characters a text has: str.translate with
    a dict looked up every character, a fifth of the cost of storing a feed entry.)"""
    text = unicodedata.normalize("NFKC", _TYPOGRAPHIC.sub(_fold, text))
    return " ".join(text.split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


def bytes_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|igshid|ref_src|cmpid|WT\.[a-z_]+"
    r"|at_(medium|campaign|custom\d*|link_[a-z_]+)|ns_(mchannel|source|campaign|linkname|fee)"
    r"|smid|smtyp|ocid|xtor|s_cid|_hsenc|_hsmi|mkt_tok|icid)$",
    re.IGNORECASE,
)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters, no
    trailing slash (except the root), remaining query parameters in their original order."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # port 99999, or not a number: this link is no one's address
        raise ParseError(f"{url}: the port is not a number from 0 to 65535") from None
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAMS.match(k)
        ]
    )
    return urlunsplit((scheme, netloc, path, query, ""))
