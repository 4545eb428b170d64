"""GOV.UK Content API items and search results (pure: JSON in, ReleaseRecord out).

A GOV.UK page is read as `/api/content/<path>` JSON instead of scraping its HTML. Whatever way it
was reached (a feed link, a configured page, a search result, a file), its release key is the
www.gov.uk page URL of its `base_path`, so it is one release, not two. The publisher's own links
(organisations, people, world locations, topical events) are kept as PublisherLink records, and a
translation's English original as a `translation_of` link (the tag stage copies its tags).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from core.errors import ParseError
from core.normalise import canonical_url, clean_text
from core.records import PublisherLink, ReleaseRecord, Withdrawal
from ingest.html import html_to_text, parse_datetime

GOVUK_WEBSITE = "https://www.gov.uk"
GOVUK_HOSTS = {"www.gov.uk", "gov.uk"}
CONTENT_PREFIX = "/api/content"
SEARCH_PATH = "/api/search.json"
LINK_KINDS = {
    "organisations": "organisation",
    "people": "person",
    "world_locations": "world_location",
    "topical_events": "topical_event",
}
_SLUG = re.compile(r"[^a-z0-9]+")


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_govuk_url(url: str, base_url: str = GOVUK_WEBSITE) -> bool:
    """A page or API URL on www.gov.uk, or on the configured GOV.UK mirror."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if host in GOVUK_HOSTS:
        return True
    api = parts.path.startswith(CONTENT_PREFIX + "/") or parts.path.rstrip("/") == SEARCH_PATH
    return api and _base(url) == _base(base_url)


def govuk_path(url: str) -> str:
    """The page path of a GOV.UK page or Content API URL: `/government/news/x`."""
    path = urlsplit(url).path or "/"
    if path.startswith(CONTENT_PREFIX + "/"):
        path = path[len(CONTENT_PREFIX) :]
    return path.rstrip("/") or "/"


def page_url(base_path: str) -> str:
    """The canonical www.gov.uk URL of a page: the release key of GOV.UK content."""
    return canonical_url(GOVUK_WEBSITE + base_path)


def content_api_url(url: str, base_url: str = GOVUK_WEBSITE) -> str:
    return base_url.rstrip("/") + CONTENT_PREFIX + govuk_path(url)


def is_search_url(url: str) -> bool:
    return urlsplit(url).path.rstrip("/") == SEARCH_PATH


def search_url(base_url: str, params: dict[str, Any], count: int) -> str:
    """A GOV.UK search (newest first) for the given filters."""
    query: list[tuple[str, str]] = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            query.append((key, str(item)))
    if not any(k == "order" for k, _ in query):
        query.append(("order", "-public_timestamp"))
    if not any(k == "count" for k, _ in query):
        query.append(("count", str(count)))
    return base_url.rstrip("/") + SEARCH_PATH + "?" + urlencode(query)


def parse_search(raw: bytes) -> list[str]:
    """The page URLs (www.gov.uk) of a search.json response, in the order given."""
    data = _load(raw, "search response")
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ParseError("GOV.UK search response has no results list")
    urls = []
    for result in results:
        link = result.get("link") if isinstance(result, dict) else None
        if isinstance(link, str) and link:
            if link.startswith(("http://", "https://")):
                urls.append(link)
            elif _is_page_path(link):  # "@evil.example/x" would be a key on another host
                urls.append(page_url(link))
    return urls


def _load(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(f"{what} is not valid JSON: {exc}") from None


def looks_like_content_item(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("base_path"), str) and "title" in data


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def publisher_links(links: dict[str, Any]) -> tuple[PublisherLink, ...]:
    found: list[PublisherLink] = []
    for field_name, kind in LINK_KINDS.items():
        for link in links.get(field_name) or []:
            if not isinstance(link, dict):
                continue
            title = str(link.get("title") or "").strip()
            value = str(link.get("base_path") or "").strip() or _slug(title)
            if value:
                found.append(PublisherLink(kind=kind, value=value, title=title or value))
    return tuple(found)


def translation_links(links: dict[str, Any], locale: object) -> tuple[PublisherLink, ...]:
    """For a translation (a locale other than English), its English original as the Content
    API's `available_translations` names it: a `translation_of` link whose value is the
    original's release key (its www.gov.uk page URL)."""
    if not isinstance(locale, str) or locale in ("", "en"):
        return ()
    for item in links.get("available_translations") or []:
        if isinstance(item, dict) and item.get("locale") == "en":
            base_path = item.get("base_path")
            if isinstance(base_path, str) and base_path.startswith("/"):
                title = str(item.get("title") or "").strip()
                return (PublisherLink("translation_of", page_url(base_path), title or base_path),)
    return ()


def latest_change_note(details: dict[str, Any]) -> str | None:
    """The newest note of `change_history` (by timestamp), else travel advice's
    `change_description`."""
    history = [
        h for h in details.get("change_history") or [] if isinstance(h, dict) and h.get("note")
    ]
    if history:
        dated = [(parse_datetime(str(h.get("public_timestamp") or "")), h) for h in history]
        known = [(d, h) for d, h in dated if d is not None]
        newest = max(known, key=lambda pair: pair[0])[1] if known else history[0]
        return clean_text(str(newest["note"])) or None
    description = details.get("change_description")
    if isinstance(description, str) and description.strip():
        return clean_text(description)
    return None


def body_text(data: dict[str, Any]) -> str:
    """`details.body`, or the titled `details.parts[].body` of travel advice and guides."""
    details = data.get("details") or {}
    body = details.get("body")
    if isinstance(body, list):  # multiple content types: [{content_type, content}]
        html = next((b.get("content") for b in body if b.get("content_type") == "text/html"), "")
        body = html or next((b.get("content") for b in body if b.get("content")), "")
    if isinstance(body, str) and body.strip():
        return html_to_text(body)
    sections = []
    for part in details.get("parts") or []:
        if not isinstance(part, dict):
            continue
        text = html_to_text(str(part.get("body") or ""))
        title = clean_text(str(part.get("title") or ""))
        sections.append("\n\n".join(s for s in (title, text) if s))
    return "\n\n".join(s for s in sections if s)


def _withdrawn(data: dict[str, Any]) -> str | None:
    notice = data.get("withdrawn_notice")
    if not isinstance(notice, dict) or not notice:
        return None
    explanation = html_to_text(str(notice.get("explanation") or ""))
    when = notice.get("withdrawn_at")
    if explanation and when:
        return f"{explanation} (withdrawn {when})"
    return explanation or (f"withdrawn {when}" if when else None)


def withdrawal(data: dict[str, Any]) -> Withdrawal | None:
    """The item's withdrawal as a fact: its explanation and time (None: not withdrawn)."""
    notice = data.get("withdrawn_notice")
    if not isinstance(notice, dict) or not notice:
        return None
    reason = html_to_text(str(notice.get("explanation") or ""))
    return Withdrawal(reason, parse_datetime(str(notice.get("withdrawn_at") or "")))


def check_base_path(base_path: str, where: str) -> None:
    """A page path of www.gov.uk, nothing that would move the key or the mail link to another
    host: it starts with one "/" (not "//"), has no scheme, no "@", no backslash, no space."""
    if (
        not base_path.startswith("/")
        or base_path.startswith("//")
        or "://" in base_path
        or any(c in base_path for c in "@\\ \t\r\n")
    ):
        raise ParseError(f"{where}: base_path {base_path[:100]!r} is not a GOV.UK page path")


def _is_page_path(base_path: str) -> bool:
    try:
        check_base_path(base_path, "")
    except ParseError:
        return False
    return True


def parse_content_item(raw: bytes, *, url: str | None = None) -> ReleaseRecord:
    """One Content API item. An empty body falls back to the description, then the title, so
    every item is stored (an item may be nothing but a title). A malformed item (a base_path
    that is not a path, a field of the wrong shape) is a ParseError of that item."""
    data = _load(raw, url or "Content API item")
    if not looks_like_content_item(data):
        raise ParseError(f"{url or 'JSON'}: not a GOV.UK Content API item (no base_path/title)")
    check_base_path(data["base_path"], url or "Content API item")
    try:
        return _content_item(data, raw, url)
    except (AttributeError, TypeError, KeyError) as exc:
        raise ParseError(f"{url or 'Content API item'}: malformed item: {exc}") from None


def _content_item(data: dict[str, Any], raw: bytes, url: str | None) -> ReleaseRecord:
    details: dict[str, Any] = data["details"] if isinstance(data.get("details"), dict) else {}
    data["details"] = details
    links: dict[str, Any] = data["links"] if isinstance(data.get("links"), dict) else {}
    title = clean_text(str(data.get("title") or "")) or data["base_path"]
    description = clean_text(str(data.get("description") or "")) or None
    text = body_text(data) or description or title
    organisation = None
    for field_name in ("primary_publishing_organisation", "organisations"):
        for org in links.get(field_name) or []:
            if isinstance(org, dict) and org.get("title"):
                organisation = str(org["title"])
                break
        if organisation:
            break
    first = data.get("first_published_at") or details.get("first_public_at")
    key = page_url(data["base_path"])
    return ReleaseRecord(
        key=key,
        url=key,
        title=title,
        text=text,
        raw=raw,
        content_type="application/json",
        published_at=parse_datetime(str(first)) if first else None,
        updated_at=parse_datetime(str(data.get("public_updated_at") or "")),
        language=data.get("locale") or None,
        organisation=organisation,
        document_type=data.get("document_type") or data.get("schema_name") or None,
        description=description,
        change_note=latest_change_note(details),
        withdrawn_notice=_withdrawn(data),
        withdrawal=withdrawal(data),
        publisher_links=publisher_links(links) + translation_links(links, data.get("locale")),
    )
