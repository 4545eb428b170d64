"""The reading room's home page dates each latest release the way the CLI's `releases` does
(issue 18): the date it goes by (published, else updated, else first seen) and, unless it is
the publication date, which one; never a first-seen time passed off as published. Starlette's
TestClient on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.records import ReleaseRecord
from storage.releases import store_record, sync_source
from tests.fixtures.archive import Archive
from tests.fixtures.reading_room import client, prepare

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

SEEN = datetime(2024, 3, 20, 6, 0, tzinfo=UTC)
UPDATED = datetime(2024, 2, 14, 9, 0, tzinfo=UTC)


def _record(key: str, title: str, **dates: datetime) -> ReleaseRecord:
    text = f"{title}. A statement on the ceasefire talks."
    fields: dict[str, object] = {"key": key, "title": title, "text": text, "raw": text.encode()}
    fields.update({"content_type": "text/plain", "published_at": None, **dates})
    return ReleaseRecord(**fields)  # type: ignore[arg-type]


@pytest.fixture
def web(archive: Archive, db_url: str) -> Any:
    room = prepare(archive, db_url)
    with archive.db.session() as session:
        source = sync_source(session, "pages", "page", {})
        store_record(session, source, _record("page-undated", "An undated page"), now=SEEN)
        store_record(
            session, source, _record("govuk-upd", "Only updated", updated_at=UPDATED), now=SEEN
        )
    with client(room.url) as c:
        yield c


def test_home_dates_undated_and_updated_releases_as_the_cli_does(web: Any) -> None:
    data = web.get("/", headers={"Accept": "application/json"}).json()
    rows = {r["title"]: r for r in data["latest_releases"]}
    undated, updated = rows["An undated page"], rows["Only updated"]
    assert undated["date_kind"] == "first seen" and undated["date"].startswith("2024-03-20")
    assert undated["published_at"] is None  # no longer the first-seen time under that name
    assert updated["date_kind"] == "updated" and updated["date"].startswith("2024-02-14")
    dated = [r for r in data["latest_releases"] if r["published_at"] is not None]
    assert dated and all(r["date_kind"] == "published" for r in dated)

    html = web.get("/").text
    assert '>An undated page</a> <span class="meta">2024-03-20 (seen) · pages</span>' in html
    assert '>Only updated</a> <span class="meta">2024-02-14 (updated) · pages</span>' in html
    published_day = dated[0]["date"][:10]
    assert f'<span class="meta">{published_day} · ' in html  # a publication date needs no label
