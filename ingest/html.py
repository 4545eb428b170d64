"""Statement text out of HTML (pure: BeautifulSoup with lxml, no IO).

`html_to_text(html)` turns an HTML fragment (a feed entry's content, a GOV.UK body) into plain
text with one blank line between paragraphs. `extract_page(raw, ...)` reads a whole web page: on
GOV.UK the govspeak content area, title and `govuk:` metadata; elsewhere the CSS selector of the
source, else main/article, else the block with the most paragraph text. Navigation, cookie
banners, share links, headers and footers are removed first so they never reach the text.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag
from bs4.dammit import EncodingDetector

from core.errors import ParseError
from core.normalise import clean_text

BLOCK_TAGS = {
    "address",
    "article",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
}
DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "form",
    "button",
    "input",
    "select",
    "nav",
    "header",
    "footer",
    "aside",
    "object",
    "embed",
]
_BOILERPLATE = re.compile(
    r"(^|[-_ ])(cookie|cookies|consent|banner|share|sharing|social|breadcrumbs?|skip-link|"
    r"site-header|site-footer|footer|header|nav|navigation|menu|subscribe|newsletter|sign-up|"
    r"signup|related|advert|advertisement|promo|feedback|print-link|contents-list|"
    r"gem-c-contextual-sidebar|govuk-related-navigation|app-c-back-to-top|"
    r"gem-c-single-page-notification-button|gem-c-print-link|gem-c-share-links)([-_ ]|$)",
    re.IGNORECASE,
)
MAX_TAGS = 200_000
"""A page with more elements than this is refused before parsing (real pages have thousands)."""
MAX_DEPTH = 64
"""Elements nested deeper than this are read as plain text (real pages nest 20-30 deep): the
text walk costs the depth times the size, so a bound on the depth keeps it linear."""
_SOURCE_SPACE = re.compile(r"\s+")
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}


@dataclass(frozen=True)
class Page:
    """What a web page says about itself, as plain values."""

    title: str
    text: str
    description: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    organisation: str | None = None
    document_type: str | None = None
    change_note: str | None = None
    is_govuk: bool = False
    selector_missed: bool = False
    """The source's CSS selector matched nothing: the text is the page's main content instead."""


def parse_html(raw: bytes | str, *, charset: str | None = None) -> BeautifulSoup:
    """Parse bytes whatever their encoding: the HTTP charset first, then the document's own
    declaration, then detection; undecodable bytes become U+FFFD rather than an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        if isinstance(raw, str):
            return BeautifulSoup(raw, "lxml")
        encodings = [charset] if charset else []
        detector = EncodingDetector(raw, known_definite_encodings=encodings)
        for encoding in detector.encodings:
            try:
                text = raw.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
            return BeautifulSoup(text, "lxml")
        return BeautifulSoup(raw.decode("utf-8", errors="replace"), "lxml")


def _is_boilerplate(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    role = str(tag.get("role") or "").lower()
    if role in _BOILERPLATE_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    classes: Any = tag.get("class") or []
    names = " ".join(classes if isinstance(classes, list) else [str(classes)])
    names += " " + str(tag.get("id") or "")
    return bool(names.strip()) and bool(_BOILERPLATE.search(names))


def strip_boilerplate(root: Tag) -> None:
    for tag in root.find_all(DROP_TAGS):
        tag.decompose()
    for tag in root.find_all(True):
        # not tag.decomposed: on a live Tag that property searches the whole subtree
        if tag.__dict__.get("_decomposed") or tag.name in ("html", "body", "main", "article"):
            continue
        if _is_boilerplate(tag):
            tag.decompose()


def flatten_deep(root: Tag, max_depth: int = MAX_DEPTH) -> None:
    """Replace what is nested deeper than `max_depth` below `root` by its text (a blank line
    before each block element), in one pass over the tree: 10,000 nested divs cost no more than
    10,000 side by side."""
    depth = {id(root): 0}
    cut: list[Tag] = []
    for node in root.descendants:
        if not isinstance(node, Tag):
            continue
        level = min(depth[id(node.parent)] + 1, max_depth + 1)
        depth[id(node)] = level
        if level == max_depth + 1 and depth[id(node.parent)] == max_depth:
            parent = node.parent
            if parent is not None and (not cut or cut[-1] is not parent):
                cut.append(parent)
    for tag in cut:
        parts: list[str] = []
        for node in tag.descendants:
            if isinstance(node, Tag):
                if node.name in BLOCK_TAGS:
                    parts.append("\n\n")
                elif node.name == "br":
                    parts.append("\n")
            elif type(node) is NavigableString:
                parts.append(str(node))
        tag.clear()
        tag.append(NavigableString("".join(parts)))


def element_text(root: Tag) -> str:
    """The text of an element with a blank line between blocks and a line break for <br>.
    Line breaks in the HTML source are only whitespace (except inside <pre>)."""
    flatten_deep(root)
    for string in root.find_all(string=True):
        if type(string) is NavigableString and "\n" in string:
            if string.find_parent("pre") is None:
                string.replace_with(NavigableString(_SOURCE_SPACE.sub(" ", str(string))))
    for br in root.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for tag in root.find_all(BLOCK_TAGS):
        tag.insert_before(NavigableString("\n\n"))
        tag.insert_after(NavigableString("\n\n"))
    for cell in root.find_all(["td", "th"]):
        cell.insert_after(NavigableString(" "))
    return clean_text(root.get_text())


def html_to_text(html: str | bytes) -> str:
    """An HTML fragment as plain text, paragraphs separated by a blank line. Text is read in one
    pass over lxml's tree (ingest.fragment_text, the same rules); bytes, whose encoding must be
    found first, through BeautifulSoup."""
    if not html:
        return ""
    if isinstance(html, str):
        from ingest.fragment_text import fragment_text  # it reads this module's rules

        text = fragment_text(html)
        if text is not None:
            return text
    soup = parse_html(html)
    strip_boilerplate(soup)
    return element_text(soup)


def _metas(soup: BeautifulSoup) -> dict[str, str]:
    """Every <meta name|property content> of the page, names lower-cased (first one wins)."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").strip().lower()
        content = str(tag.get("content") or "").strip()
        if name and content and name not in found:
            found[name] = content
    return found


def _meta(metas: dict[str, str], *names: str) -> str | None:
    for name in names:
        if metas.get(name):
            return metas[name]
    return None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 date or time, as timezone-aware UTC; None when it is not one."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _title(soup: BeautifulSoup, main: Tag | None, metas: dict[str, str]) -> str:
    for root in (main, soup):
        if root is not None:
            h1 = root.find("h1")
            if isinstance(h1, Tag):
                text = clean_text(h1.get_text(" "))
                if text:
                    return text
    og = _meta(metas, "og:title")
    if og:
        return og
    if soup.title and soup.title.string:
        return re.sub(r"\s+[-|–]\s+GOV\.UK$", "", clean_text(soup.title.string))
    return ""


def _paragraph_weight(tag: Tag) -> int:
    return sum(
        len(child.get_text())
        for child in tag.children
        if isinstance(child, Tag) and child.name == "p"
    )


def _main_content(soup: BeautifulSoup, selector: str | None) -> Tag | None:
    if selector:
        found = soup.select(selector)
        if found:
            if len(found) == 1:
                return found[0]
            wrapper = soup.new_tag("div")
            for item in found:
                wrapper.append(item.extract())
            return wrapper
    for query in ("main article", "article", "main", "[role=main]", "#content"):
        node = soup.select_one(query)
        if node is not None and node.get_text(strip=True):
            return node
    candidates = [t for t in soup.find_all(["div", "section", "td", "body"])]
    best = max(candidates, key=_paragraph_weight, default=None)
    if best is not None and _paragraph_weight(best) > 0:
        return best
    return soup.body


def _govuk_change_note(soup: BeautifulSoup) -> str | None:
    """The newest entry of a GOV.UK page's "full page history" (the first <li> listed)."""
    history = soup.select_one("#full-history, .app-c-published-dates__change-history")
    if history is None:
        return None
    item = history.find("li")
    if not isinstance(item, Tag):
        return None
    note = item.find("p") or item
    return clean_text(note.get_text(" ")) or None


def extract_page(
    raw: bytes | str, *, url: str = "", charset: str | None = None, selector: str | None = None
) -> Page:
    """Read a whole page. GOV.UK pages (a `govuk:` meta tag or a govspeak area) give their
    govspeak body; other sites their `selector`, main/article, or largest paragraph block."""
    tags = raw.count(b"<") if isinstance(raw, bytes) else raw.count("<")
    if tags > MAX_TAGS:
        raise ParseError(f"{url or 'page'}: about {tags} elements, more than {MAX_TAGS}; refused")
    soup = parse_html(raw, charset=charset)
    language = None
    if soup.html is not None and soup.html.get("lang"):
        language = str(soup.html["lang"]).strip() or None
    metas = _metas(soup)
    is_govuk = _meta(metas, "govuk:format", "govuk:content-id") is not None
    change_note = _govuk_change_note(soup) if is_govuk else None
    description = _meta(metas, "description", "og:description")
    published = parse_datetime(
        _meta(metas, "govuk:first-published-at", "article:published_time", "dc.date", "date")
    )
    updated = parse_datetime(
        _meta(metas, "govuk:public-updated-at", "govuk:updated-at", "article:modified_time")
    )
    organisation = _meta(metas, "govuk:primary-publishing-organisation")
    document_type = _meta(metas, "govuk:format")
    early_title = _title(soup, soup.select_one("main article, article, main"), metas)
    strip_boilerplate(soup)
    main: Tag | None = None
    selector_missed = False
    govspeak = [] if selector else soup.select(".govspeak")
    if govspeak:
        is_govuk = True
        outer = [g for g in govspeak if g.find_parent(class_="govspeak") is None]
        main = outer[0] if len(outer) == 1 else None
        if main is None:
            wrapper = soup.new_tag("div")
            for area in outer:
                wrapper.append(area.extract())
            main = wrapper
        title = _title(soup, soup.select_one("main") or soup.body, metas)
    else:
        if selector:
            selector_missed = soup.select_one(selector) is None
        main = _main_content(soup, selector)
        title = _title(soup, main, metas)
    if published is None:
        time_tag = (main or soup).find("time", attrs={"datetime": True})
        if isinstance(time_tag, Tag):
            published = parse_datetime(str(time_tag["datetime"]))
    title = early_title or title
    text = element_text(main) if main is not None else ""
    if title and text.startswith(title + "\n"):
        text = text[len(title) :].strip()
    return Page(
        title=title or url,
        text=text,
        description=description,
        published_at=published,
        updated_at=updated,
        language=language,
        organisation=organisation,
        document_type=document_type,
        change_note=change_note,
        is_govuk=is_govuk,
        selector_missed=selector_missed,
    )
