"""The analyst views (migration 0002) on both databases, read with plain SQL as analysts will."""

from __future__ import annotations

from sqlalchemy import text

from storage.models import Alert, Change, Tag
from tests.fixtures.archive import ITEMS, TAXONOMY, Archive, at


def rows(archive: Archive, sql: str, **params: object) -> list[dict[str, object]]:
    with archive.db.session() as session:
        return [dict(r._mapping) for r in session.execute(text(sql), params)]


def test_v_releases_has_one_row_per_release_with_its_latest_version(archive: Archive) -> None:
    found = rows(archive, "SELECT * FROM v_releases ORDER BY release_id")
    assert [r["release_id"] for r in found] == sorted(archive.ids.values())
    gaza = next(r for r in found if r["release_id"] == archive.ids["gaza-ceasefire"])
    assert gaza["version_number"] == 2
    assert gaza["version_id"] == archive.versions["gaza-ceasefire"][-1]
    assert "sustainable ceasefire" in str(gaza["text"])
    assert gaza["source"] == "seeds"
    assert gaza["title"] == "UK statement on the situation in Gaza"
    assert str(gaza["url"]).endswith("/gaza-ceasefire")
    assert {"published_at", "document_type", "first_seen_at", "version_fetched_at"} <= set(gaza)


def test_v_release_tags_reads_the_latest_version(archive: Archive) -> None:
    gaza_id = archive.ids["gaza-ceasefire"]
    with archive.db.session() as session:  # a stale tag on the first version of the release
        session.add(
            Tag(
                release_id=gaza_id,
                version_id=archive.versions["gaza-ceasefire"][0],
                kind="theme",
                value="sanctions",
                taxonomy_version=TAXONOMY,
            )
        )
    found = rows(
        archive,
        "SELECT kind, value, focus FROM v_release_tags WHERE release_id = :r ORDER BY kind, value",
        r=gaza_id,
    )
    assert [(r["kind"], r["value"]) for r in found] == [
        ("country", "IL"),
        ("country", "PS"),
        ("theme", "humanitarian"),
        ("theme", "middle-east-escalation"),
    ]
    per_theme = rows(
        archive,
        "SELECT value, count(*) AS n FROM v_release_tags WHERE kind = 'theme' "
        "GROUP BY value ORDER BY n DESC, value",
    )
    assert per_theme[0] == {"value": "defence-security", "n": 2}
    assert sum(int(r["n"]) for r in per_theme) == sum(len(i.themes) for i in ITEMS)  # type: ignore[call-overload]


def test_v_changes_and_v_alerts_name_the_releases(archive: Archive) -> None:
    gaza_id = archive.ids["gaza-ceasefire"]
    first, second = archive.versions["gaza-ceasefire"]
    with archive.db.session() as session:
        session.add(
            Change(
                kind="version",
                release_id=gaza_id,
                version_id=second,
                against_release_id=gaza_id,
                against_version_id=first,
                basis="version",
                classification="substantive",
                payload={"added": ["a sustainable ceasefire"]},
                algorithm_version="test",
            )
        )
        session.add(
            Alert(
                email="desk@example.org",
                release_id=gaza_id,
                version_id=second,
                frequency="immediate",
                reasons=[{"kind": "theme", "value": "middle-east-escalation"}],
                status="sent",
                sent_at=at("2023-12-12", 13),
            )
        )
    [change] = rows(archive, "SELECT * FROM v_changes")
    assert change["release_title"] == "UK statement on the situation in Gaza"
    assert change["against_title"] == change["release_title"]
    assert (change["version_number"], change["against_version_number"]) == (2, 1)
    assert change["classification"] == "substantive"
    [alert] = rows(archive, "SELECT * FROM v_alerts")
    assert alert["email"] == "desk@example.org"
    assert alert["release_title"] == "UK statement on the situation in Gaza"
    assert alert["version_number"] == 2
    assert alert["status"] == "sent"
