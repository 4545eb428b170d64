"""The release page and the comparison of two of its versions.

/releases/{id}                      metadata, text, tags, versions, what moved against the
  ?version=N                        earlier statements (pipeline.diffs, as `deskwatch diff
  ?tag=kind:value[:origin]          --statements`); the chosen tag's evidence highlighted
/releases/{id}/compare?a=N&b=M      the two versions side by side, word by word
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from core.errors import NotFoundError
from deskwatch.web.marks import evidence_spans, side_by_side, span_parts
from deskwatch.web.render import error, page


def _release_id(request: Request) -> int | None:
    try:
        return int(request.path_params["release_id"])
    except ValueError:
        return None


def _number(request: Request, name: str) -> int | None | bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return False


def _metadata(release: Any) -> dict[str, Any]:
    return {
        "id": release.id,
        "title": release.title,
        "url": release.url,
        "source": release.source.name,
        "published_at": release.published_at,
        "updated_at": release.updated_at,
        "first_seen_at": release.first_seen_at,
        "last_seen_at": release.last_seen_at,
        "document_type": release.document_type,
        "organisation": release.organisation,
        "language": release.language,
        "description": release.description,
        "withdrawn_notice": release.withdrawn_notice,
    }


def _tag_key(tag: dict[str, Any]) -> str:
    return f"{tag['kind']}:{tag['value']}:{tag['origin']}"


def _chosen(tags: list[dict[str, Any]], wanted: str | None) -> dict[str, Any] | None:
    if not wanted:
        return None
    for tag in tags:
        if wanted in (_tag_key(tag), f"{tag['kind']}:{tag['value']}"):
            return tag
    return None


def release(request: Request) -> Response:
    from pipeline.diffs import release_diffs
    from storage.changes import changes_of_release
    from storage.releases import get_release
    from storage.tags import tag_as_dict, tags_for_versions

    release_id = _release_id(request)
    wanted_version = _number(request, "version")
    if release_id is None or wanted_version is False:
        return error(request, 404, "no such release")
    db = request.app.state.db
    try:
        with db.session() as session:
            found = get_release(session, release_id)
            versions = list(found.versions)
            classified = {
                c.version_id: c for c in changes_of_release(session, release_id, kind="version")
            }
            shown = versions[-1] if versions else None
            if wanted_version is not None:
                shown = next((v for v in versions if v.number == wanted_version), None)
                if shown is None:
                    return error(
                        request, 404, f"release {release_id} has no version {wanted_version}"
                    )
            tags = (
                [tag_as_dict(t) for t in tags_for_versions(session, [shown.id]).get(shown.id, [])]
                if shown is not None
                else []
            )
            data: dict[str, Any] = {"release": _metadata(found)}
        statements = (
            release_diffs(
                db, release_id, statements=True, settings=request.app.state.app.config.diffing
            )
            if versions
            else None
        )
    except NotFoundError as exc:
        return error(request, 404, str(exc))
    tags.sort(key=lambda t: (t["kind"], -t["score"], t["value"]))
    data["versions"] = [
        {
            "number": v.number,
            "fetched_at": v.fetched_at,
            "title": v.title,
            "change_note": v.change_note,
            "text_kind": v.text_kind,
            "classification": classified[v.id].classification if v.id in classified else None,
            "silent_edit": classified[v.id].silent_edit if v.id in classified else False,
        }
        for v in versions
    ]
    data["version"] = shown.number if shown is not None else None
    data["text"] = shown.text if shown is not None else ""
    # "full", "summary" (only the feed's summary: its link not followed), None: unknown
    data["text_kind"] = shown.text_kind if shown is not None else None
    data["tags"] = tags
    data["statement_diffs"] = statements.items if statements else []
    data["titles"] = {str(k): v for k, v in statements.titles.items()} if statements else {}
    chosen = _chosen(tags, request.query_params.get("tag"))
    data["tag"] = _tag_key(chosen) if chosen else None
    text_spans = evidence_spans(chosen["evidence"]) if chosen else []
    title_spans = evidence_spans(chosen["evidence"], "title") if chosen else []
    base = {"version": str(shown.number)} if wanted_version is not None and shown else {}
    extra = {
        "text_parts": span_parts(data["text"], text_spans),
        "title_parts": span_parts(shown.title if shown else found.title, title_spans),
        "tag_links": {
            _tag_key(t): f"/releases/{release_id}?"
            + urlencode({**base, "tag": _tag_key(t)})
            + "#text"
            for t in tags
        },
        "marks": len(text_spans) + len(title_spans),
        "tag_label": request.app.state.names.of(chosen["kind"], chosen["value"], chosen["label"])
        if chosen
        else None,
    }
    return page(request, "release.html.j2", data, extra=extra)


def compare(request: Request) -> Response:
    from diffing.compare import version_diff
    from diffing.worddiff import word_diff
    from storage.releases import get_release

    release_id = _release_id(request)
    a, b = _number(request, "a"), _number(request, "b")
    if release_id is None:
        return error(request, 404, "no such release")
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return error(request, 400, "give two version numbers: ?a=N&b=M")
    try:
        with request.app.state.db.session() as session:
            found = get_release(session, release_id)
            by_number = {v.number: v for v in found.versions}
            title, source = found.title, found.source.name
    except NotFoundError as exc:
        return error(request, 404, str(exc))
    missing = [n for n in (a, b) if n not in by_number]
    if missing:
        return error(request, 404, f"release {release_id} has no version {missing[0]}")
    old, new = by_number[a], by_number[b]
    pieces = word_diff(old.text, new.text)
    sentences = version_diff(old.text, new.text, new.change_note)
    left, right = side_by_side(pieces)
    data = {
        "release": {"id": release_id, "title": title, "source": source},
        "a": {"number": a, "fetched_at": old.fetched_at, "title": old.title},
        "b": {
            "number": b,
            "fetched_at": new.fetched_at,
            "title": new.title,
            "change_note": new.change_note,
        },
        "classification": sentences.classification,
        "reasons": sentences.reasons,
        "silent_edit": sentences.silent_edit,
        "similarity": sentences.similarity,
        "added": sentences.added,
        "removed": sentences.removed,
        "word_diff": pieces,
    }
    numbers = sorted(by_number)
    return page(
        request,
        "compare.html.j2",
        data,
        extra={"left": left, "right": right, "numbers": numbers},
    )
