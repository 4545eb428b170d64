"""The reading room over HTTP (Starlette's TestClient), on SQLite and Postgres: every route, its
status codes and its JSON twin; escaping; CSRF; the signed subscription links; auth."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest

from core.query import parse
from core.tokens import sign, unsubscribe_url
from storage.search import search
from tests.fixtures.archive import Archive
from tests.fixtures.reading_room import (
    HOSTILE_TITLE,
    NOW,
    OFFICER,
    SECRET,
    Room,
    client,
    prepare,
)

# Starlette 1.x prefers httpx2 for its TestClient; httpx (which deskwatch uses) still works
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture
def room(archive: Archive, db_url: str) -> Room:
    return prepare(archive, db_url)


@pytest.fixture
def web(room: Room) -> Any:
    with client(room.url) as c:
        yield c


def token(email: str = OFFICER, *, days: int = 30) -> str:
    return sign(email, SECRET.encode(), expires=NOW + timedelta(days=days))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


# -- pages and their JSON twins -------------------------------------------------------------------


def test_home_shows_what_is_new_alerts_and_sources(web: Any, room: Room) -> None:
    page = web.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "New since yesterday" in page.text
    data = web.get("/", headers={"Accept": "application/json"}).json()
    # within a day of NOW: the hostile release (two hours before) and the Kyiv visit (the day
    # before at noon); the rest months earlier
    fresh = data["new_since_yesterday"]
    assert fresh["releases"] == 2
    assert {t["value"]: t["count"] for t in fresh["theme"]} == {
        "defence-security": 1,
        "ukraine-support": 1,
    }
    assert fresh["country"] == [{"value": "UA", "count": 1}]
    assert {a["status"] for a in data["recent_alerts"]} == {"sent", "failed", "pending"}
    assert data["alerts_by_status"] == {"sent": 1, "failed": 1, "pending": 1}
    assert data["latest_releases"][0]["id"] == room.hostile_id
    assert web.get("/?format=json").json() == data
    # the page names them (the taxonomy's label, the country's name); the links keep the ids
    assert '<a href="/themes/defence-security">Defence and security</a>' in page.text
    assert '<a href="/countries/UA">Ukraine</a>' in page.text
    assert ">UA<" not in page.text and ">defence-security<" not in page.text


def test_search_gives_the_cli_results_with_facets_and_paging(web: Any, room: Room) -> None:
    query = "japan* OR ukrain*"
    with room.archive.db.session() as session:
        cli_ids = [h.release_id for h in search(session, parse(query), limit=100)]
    data = web.get("/search", params={"q": query, "format": "json"}).json()
    assert [h["id"] for h in data["hits"]] == cli_ids
    assert data["facets"]["total"] == len(cli_ids) == 4
    themes = {f["value"]: f["count"] for f in data["facets"]["theme"]}
    assert themes["defence-security"] == 2 and themes["ukraine-support"] == 2
    assert {f["value"] for f in data["facets"]["year"]} == {"2023", "2024"}
    assert {f["value"]: f["count"] for f in data["facets"]["type"]}["news_story"] == 2
    first = web.get("/search", params={"q": query, "size": 3, "format": "json"}).json()
    second = web.get("/search", params={"q": query, "size": 3, "page": 2, "format": "json"}).json()
    assert [h["id"] for h in first["hits"] + second["hits"]] == cli_ids
    html = web.get("/search", params={"q": query, "size": 3}).text
    assert 'rel="next"' in html and "page 1 of 2" in html


def test_search_highlights_snippets_and_links_facets(web: Any) -> None:
    html = web.get("/search", params={"q": '"sustainable ceasefire"'}).text
    assert "<mark>sustainable</mark>" in html or "<mark>sustainable ceasefire</mark>" in html
    assert "**" not in html
    facet = re.search(r'href="(/search\?q=[^"]*theme%3Ahumanitarian[^"]*)"', html)
    assert facet, "a facet value links to the narrowed search"
    narrowed = web.get(facet.group(1).replace("&amp;", "&") + "&format=json").json()
    assert narrowed["query"].endswith("theme:humanitarian") and narrowed["facets"]["total"] == 1


def test_a_bad_query_is_a_400_with_the_parser_message(web: Any) -> None:
    response = web.get("/search", params={"q": '"unclosed', "format": "json"})
    assert response.status_code == 400 and "error" in response.json()
    assert web.get("/search", params={"q": "x", "page": "0"}).status_code == 400
    empty = web.get("/search")
    assert empty.status_code == 200 and 'id="q"' in empty.text


def test_export_streams_the_whole_result_set_as_csv_and_jsonl(web: Any, room: Room) -> None:
    response = web.get("/search/export", params={"q": "japan*", "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {int(r["id"]) for r in rows} == {
        room.archive.ids["japan-defence"],
        room.archive.ids["japan-trade"],
    }
    lines = web.get("/search/export", params={"q": "japan*", "format": "jsonl"}).text.splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(int(r["id"]) for r in rows)
    assert web.get("/search/export", params={"q": "x", "format": "xml"}).status_code == 400


def test_release_page_highlights_the_chosen_tags_evidence(web: Any, room: Room) -> None:
    gaza = room.archive.ids["gaza-ceasefire"]
    plain = web.get(f"/releases/{gaza}").text
    assert "<mark>" not in plain
    chosen = web.get(f"/releases/{gaza}", params={"tag": "theme:ceasefire-talks"}).text
    assert "<mark>sustainable ceasefire</mark>" in chosen
    data = web.get(
        f"/releases/{gaza}", params={"tag": "theme:ceasefire-talks", "format": "json"}
    ).json()
    assert data["tag"] == "theme:ceasefire-talks:rule"
    assert data["release"]["url"] == "https://www.gov.uk/government/news/gaza-ceasefire"
    tags = {(t["kind"], t["value"]): t for t in data["tags"]}
    assert tags[("theme", "ceasefire-talks")]["score"] == pytest.approx(0.9)
    assert tags[("theme", "ceasefire-talks")]["origin"] == "rule"
    assert [v["number"] for v in data["versions"]] == [1, 2]
    assert data["versions"][1]["classification"] in ("minor", "substantive")
    assert data["version"] == 2 and "sustainable ceasefire" in data["text"]
    first = web.get(f"/releases/{gaza}", params={"version": 1, "format": "json"}).json()
    assert "humanitarian pauses" in first["text"]
    assert "Tagger" not in plain and ">tagger<" in plain
    # the tag table names each tag: the stored label, else the taxonomy's; a country by name
    table = plain.split('<table class="tags">')[1].split("</table>")[0]
    assert ">Ceasefire talks</a>" in table and ">ceasefire-talks<" not in table
    codes = [t["value"] for t in data["tags"] if t["kind"] == "country"]
    assert codes and all(f">{code}</a>" not in table for code in codes)
    assert "Palestine" in table or "Israel" in table
    assert "Showing the evidence for <strong>Ceasefire talks</strong>" in chosen


def test_release_page_shows_what_moved_against_earlier_statements(web: Any, room: Room) -> None:
    kyiv = room.archive.ids["kyiv-visit"]
    data = web.get(f"/releases/{kyiv}", params={"format": "json"}).json()
    against = {d["against"]["release_id"] for d in data["statement_diffs"]}
    assert room.archive.ids["russia-sanctions"] in against
    assert all(d["basis"].startswith(("theme:", "country:")) for d in data["statement_diffs"])
    html = web.get(f"/releases/{kyiv}").text
    sanctions = room.archive.ids["russia-sanctions"]
    assert (
        f'against <a href="/releases/{sanctions}">New sanctions on Russian oil traders</a>' in html
    )


def test_two_versions_side_by_side_word_by_word(web: Any, room: Room) -> None:
    gaza = room.archive.ids["gaza-ceasefire"]
    page = web.get(f"/releases/{gaza}/compare", params={"a": 1, "b": 2})
    assert page.status_code == 200
    assert "<del>humanitarian pauses so that</del>" in page.text.replace("\n", "")
    assert "<ins>" in page.text and "sustainable ceasefire" in page.text
    data = web.get(f"/releases/{gaza}/compare", params={"a": 1, "b": 2, "format": "json"}).json()
    assert data["classification"] in ("minor", "substantive")
    assert ["-", "humanitarian pauses so that"] in data["word_diff"] or any(
        op == "-" and "pauses" in text for op, text in data["word_diff"]
    )
    assert web.get(f"/releases/{gaza}/compare", params={"a": 1, "b": 9}).status_code == 404
    assert web.get(f"/releases/{gaza}/compare", params={"a": "x", "b": 2}).status_code == 400


def test_unknown_things_are_404s(web: Any) -> None:
    assert web.get("/releases/999999").status_code == 404
    assert web.get("/releases/abc").status_code == 404
    assert web.get("/releases/999999", params={"format": "json"}).json()["status"] == 404
    assert web.get("/no/such/page").status_code == 404
    assert web.post("/search").status_code == 405


def test_hostile_titles_and_texts_are_shown_as_text(web: Any, room: Room) -> None:
    for path in (f"/releases/{room.hostile_id}", "/", "/search?q=statement"):
        html = web.get(path).text
        assert (
            "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
        )
    html = web.get(f"/releases/{room.hostile_id}").text
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert (
        web.get(f"/releases/{room.hostile_id}?format=json").json()["release"]["title"]
        == HOSTILE_TITLE
    )


def test_theme_and_country_pages(web: Any, room: Room) -> None:
    page = web.get("/themes/defence-security")
    assert page.status_code == 200 and "<svg" in page.text and "<rect" in page.text
    data = web.get("/themes/defence-security", params={"format": "json"}).json()
    assert sum(p["releases"] for p in data["timeline"]) == 2
    assert {h["id"] for h in data["latest"]} == {
        room.archive.ids["japan-defence"],
        room.archive.ids["kyiv-visit"],
    }
    country = web.get("/countries/ua", params={"format": "json"}).json()
    assert country["value"] == "UA" and len(country["latest"]) == 2
    # the diff stage recorded the phrases of each version: on defence-security the Japan visit's
    # are dropped since the Kyiv visit, which said its own
    phrases = data["phrases"]
    dropped = {p["first_release_id"] for p in phrases if p["status"] == "dropped"}
    said = {p["last_release_id"] for p in phrases if p["status"] == "still said"}
    assert dropped == {room.archive.ids["japan-defence"]}
    assert said == {room.archive.ids["kyiv-visit"]}
    html = web.get("/themes/defence-security").text
    assert "dropped</span> since 2024-03-20" in html
    assert "<h1>Theme: Defence and security" in html and data["value"] == "defence-security"
    assert "<h1>Country: Ukraine" in web.get("/countries/UA").text


def test_alerts_page_filters_by_status(web: Any) -> None:
    data = web.get("/alerts", params={"format": "json"}).json()
    assert len(data["alerts"]) == 3
    failed = web.get("/alerts", params={"status": "failed", "format": "json"}).json()
    assert [a["last_error"] for a in failed["alerts"]] == ["550 mailbox unavailable"]
    assert "550 mailbox unavailable" in web.get("/alerts").text
    assert web.get("/alerts", params={"status": "lost"}).status_code == 400


# -- headers --------------------------------------------------------------------------------------


def test_every_response_has_a_strict_csp_and_no_third_party_asset(web: Any, room: Room) -> None:
    for path in (
        "/",
        "/search?q=japan",
        f"/releases/{room.hostile_id}",
        "/nope",
        "/static/style.css",
    ):
        response = web.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    html = web.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', html.replace('href="https://www.gov.uk', ""))
    assert "style=" not in html and "<script>" not in html
    assert web.get("/static/app.js").status_code == 200


# -- subscriptions --------------------------------------------------------------------------------


def test_a_signed_link_shows_the_readers_own_subscriptions_and_alerts(web: Any) -> None:
    data = web.get(f"/subscriptions/{token()}", params={"format": "json"}).json()
    assert data["email"] == OFFICER
    assert [s["name"] for s in data["subscriptions"]] == ["Gaza", "Sanctions"]
    assert {a["email"] for a in data["alerts"]} == {OFFICER} and len(data["alerts"]) == 2


def test_bad_and_expired_links_are_refused(web: Any) -> None:
    assert web.get(f"/subscriptions/{token(days=-1)}").status_code == 403
    assert "expired" in web.get(f"/subscriptions/{token(days=-1)}").text
    forged = sign(OFFICER, b"another secret entirely", expires=NOW + timedelta(days=3))
    assert web.get(f"/subscriptions/{forged}").status_code == 403
    assert web.get("/unsubscribe/not-a-token").status_code == 403
    assert (
        web.post("/unsubscribe/not-a-token", data={"List-Unsubscribe": "One-Click"}).status_code
        == 403
    )


def test_ending_one_subscription_needs_the_csrf_token(web: Any, room: Room) -> None:
    link = f"/subscriptions/{token()}"
    refused = web.post(link, data={"id": str(room.subscription_ids[0])})
    assert refused.status_code == 403
    refused = web.post(link, data={"id": str(room.subscription_ids[0]), "csrf": "0" * 64})
    assert refused.status_code == 403
    page = web.get(link)
    ok = web.post(
        link,
        data={"id": str(room.subscription_ids[0]), "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    names = [s["name"] for s in web.get(link, params={"format": "json"}).json()["subscriptions"]]
    assert names == ["Sanctions"]


def test_changing_how_often_a_subscription_comes(web: Any, room: Room) -> None:
    link = f"/subscriptions/{token()}"
    csrf = csrf_of(web.get(link).text)
    gaza = room.subscription_ids[0]
    assert web.post(link, data={"id": str(gaza), "frequency": "daily"}).status_code == 403
    bad = web.post(link, data={"id": str(gaza), "frequency": "hourly", "csrf": csrf})
    assert bad.status_code == 400
    done = web.post(link, data={"id": str(gaza), "frequency": "daily", "csrf": csrf})
    assert done.status_code == 200 and "1 subscription(s) changed" in done.text  # after the 303
    rows = web.get(link, params={"format": "json"}).json()["subscriptions"]
    assert {(r["name"], r["frequency"]) for r in rows} == {
        ("Gaza", "daily"),
        ("Sanctions", "immediate"),
    }
    [daily] = [r for r in rows if r["name"] == "Gaza"]
    assert daily["themes"] == ["middle-east-escalation"] and daily["id"] != gaza


def test_a_form_from_another_origin_is_refused(web: Any) -> None:
    link = f"/subscriptions/{token()}"
    csrf = csrf_of(web.get(link).text)
    refused = web.post(link, data={"csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert len(web.get(link, params={"format": "json"}).json()["subscriptions"]) == 2


def test_one_click_unsubscribe_rfc_8058(web: Any, room: Room) -> None:
    url = unsubscribe_url("http://testserver", OFFICER, SECRET.encode(), NOW)
    path = url.removeprefix("http://testserver")
    confirm = web.get(path)  # a GET (a link scanner) never unsubscribes
    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert (
        len(web.get(f"/subscriptions/{token()}", params={"format": "json"}).json()["subscriptions"])
        == 2
    )
    # a mail provider's POST: no cookie, no CSRF token, the RFC 8058 body
    from starlette.testclient import TestClient

    provider = TestClient(web.app)
    done = provider.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "2 subscription(s) ended" in done.text
    assert (
        web.get(f"/subscriptions/{token()}", params={"format": "json"}).json()["subscriptions"]
        == []
    )
    again = provider.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "0 subscription(s) ended" in again.text
    with room.archive.db.session() as session:
        from storage.subscriptions import list_subscriptions

        ended = [s for s in list_subscriptions(session, include_ended=True) if s.email == OFFICER]
        assert {s.ended_reason for s in ended} == {"unsubscribed"}


def test_the_unsubscribe_button_without_one_click_needs_csrf(web: Any) -> None:
    path = f"/unsubscribe/{token()}"
    assert web.post(path, data={}).status_code == 403
    done = web.post(path, data={"csrf": csrf_of(web.get(path).text)})
    assert done.status_code == 200 and "2 subscription(s) ended" in done.text


# -- auth -----------------------------------------------------------------------------------------


def _basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_basic_auth_guards_the_archive_but_not_the_signed_links(room: Room, tmp_path: Any) -> None:
    from deskwatch.web.security import hash_password

    users = tmp_path / "users"
    users.write_text(f"# operators\nanalyst:{hash_password('s3cret', iterations=1000)}\n")
    with client(room.url, web_host="0.0.0.0", web_auth="basic", web_users_file=users) as c:
        for path in (
            "/",
            "/search?q=japan",
            "/alerts",
            f"/releases/{room.hostile_id}",
            "/themes/sanctions",
        ):
            refused = c.get(path)
            assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
        assert c.get("/", headers=_basic("analyst", "wrong")).status_code == 401
        assert c.get("/", headers=_basic("nobody", "s3cret")).status_code == 401
        ok = c.get("/", headers=_basic("analyst", "s3cret"))
        assert ok.status_code == 200 and "Signed in as analyst" in ok.text
        assert c.get(f"/subscriptions/{token()}").status_code == 200
        assert c.get("/static/style.css").status_code == 200


def test_proxy_auth_trusts_the_configured_header(room: Room, tmp_path: Any) -> None:
    config = tmp_path / "deskwatch.yaml"
    config.write_text("web:\n  auth: proxy\n  host: 0.0.0.0\n  proxy_header: X-Forwarded-User\n")
    from starlette.testclient import TestClient

    from deskwatch.web.app import create_app
    from deskwatch.web.settings import web_settings
    from pipeline.app import App
    from pipeline.settings import Settings

    app = App.load(config, settings=Settings(database_url=room.url, web_secret=SECRET))  # type: ignore[arg-type]
    with TestClient(create_app(app, web_settings(app), clock=lambda: NOW)) as c:
        assert c.get("/").status_code == 403
        assert "Signed in as desk" in c.get("/", headers={"X-Forwarded-User": "desk"}).text


def test_serving_beyond_loopback_without_auth_is_refused(room: Room) -> None:
    from core.errors import ConfigError
    from deskwatch.web.settings import web_settings
    from tests.fixtures.reading_room import app_for

    with pytest.raises(ConfigError, match="without authentication"):
        web_settings(app_for(room.url, web_host="0.0.0.0"))
    with pytest.raises(ConfigError, match="users_file"):
        web_settings(app_for(room.url, web_host="0.0.0.0", web_auth="basic"))
    assert web_settings(app_for(room.url), host="::1").auth == "none"


# -- the command ----------------------------------------------------------------------------------


def test_the_command_refuses_an_open_bind_and_hashes_passwords(room: Room) -> None:
    from typer.testing import CliRunner

    from deskwatch.cli import app
    from deskwatch.web.security import check_password

    runner = CliRunner()
    env = {"DESKWATCH_DATABASE_URL": room.url}
    refused = runner.invoke(app, ["web", "--host", "0.0.0.0"], env=env)
    assert refused.exit_code != 0 and "without authentication" in refused.stderr
    made = runner.invoke(app, ["web", "--hash-password", "analyst"], input="pw1\npw1\n", env=env)
    assert made.exit_code == 0
    name, hashed = made.stdout.strip().splitlines()[-1].split(":", 1)
    assert name == "analyst" and check_password("pw1", hashed)


def test_facets_of_a_large_result_set_count_a_sample(room: Room) -> None:
    from storage.reading_room import facets

    with room.archive.db.session() as session:
        whole = facets(session, parse("japan* OR ukrain*"))
        assert (whole.total, whole.more, whole.counted) == (4, False, 4)
        capped = facets(session, parse("japan* OR ukrain*"), sample=2)
        assert (capped.total, capped.more, capped.counted) == (None, True, 2)
        assert sum(n for _, n in capped.counts["year"]) == 2
        exact = facets(session, parse("japan* OR ukrain*"), sample=4)  # exactly the sample
        assert (exact.total, exact.more) == (4, False)
        newest = facets(session, parse("theme:defence-security"), sample=1)
        assert newest.more and newest.counts["year"] == [("2024", 1)]  # the Kyiv visit


def test_facets_count_the_best_matches_the_page_was_cut_from(room: Room) -> None:
    """search_page keeps the best-ranked matches it cut its page from (Postgres: ranked once for
    the page and the facets); they are the head of the CLI's ranking, and the facets over them
    count those releases."""
    from collections import Counter

    from storage.reading_room import facets
    from storage.search import search_page

    postgres = room.url.startswith("postgresql")
    with room.archive.db.session() as session:
        for q in ("japan* OR ukrain*", "ceasefire", "sanctions OR ceasefire OR japan"):
            parsed = parse(q)
            everything = search(session, parsed, limit=100)
            assert everything, q
            for n in (1, 2, 3, 50):
                page = search_page(session, parsed, limit=1, sample=n)
                assert [h.release_id for h in page.hits] == [everything[0].release_id]
                if not postgres:
                    assert page.ranked is None  # FTS5 streams by rank: the facets ask it
                    continue
                assert page.ranked is not None
                best = everything[:n]
                assert [r for r, _ in page.ranked] == [h.release_id for h in everything[: n + 1]]
                counted = facets(session, parsed, sample=n, ranked=page.ranked)
                assert counted.counted == len(best)
                assert counted.more == (len(everything) > n)
                assert counted.total == (None if counted.more else len(everything))
                years = Counter(str(h.published_at.year) for h in best if h.published_at)
                assert dict(counted.counts["year"]) == years
                sources = Counter(h.source for h in best)
                assert dict(counted.counts["source"]) == sources
        none = search_page(session, parse("zzzunknownword"), sample=5)
        assert none.hits == [] and none.ranked in ([], None)
        empty = facets(session, parse("zzzunknownword"), ranked=[])
        assert (empty.total, empty.more, empty.counted) == (0, False, 0)


def test_home_names_a_failing_source(room: Room) -> None:
    from storage.models import Source, SourceRun

    with room.archive.db.session() as session:
        feeds = session.query(Source).filter_by(name="feeds").one()
        for hours in (3, 2):
            session.add(
                SourceRun(
                    source_id=feeds.id,
                    started_at=NOW - timedelta(hours=hours),
                    status="error",
                    error="HTTP 503 from the feed",
                )
            )
    with client(room.url) as web:
        data = web.get("/", params={"format": "json"}).json()
        [failing] = data["sources_needing_attention"]
        assert failing["name"] == "feeds" and "2 failed run(s) in a row" in failing["warning"]
        assert "HTTP 503 from the feed" in web.get("/").text


def test_search_as_known_on_a_date(web: Any, room: Room) -> None:
    gaza = room.archive.ids["gaza-ceasefire"]
    before = {"q": "pauses", "as_of": "2023-12-11", "format": "json"}
    assert [h["id"] for h in web.get("/search", params=before).json()["hits"]] == [gaza]
    after = {"q": "pauses", "format": "json"}  # the second version dropped the word
    assert web.get("/search", params=after).json()["hits"] == []
    html = web.get("/search", params={"q": "pauses", "as_of": "2023-12-11"}).text
    assert "as_of=2023-12-11" in html  # kept in the facet, paging and export links
    bad = web.get("/search", params={"q": "pauses", "as_of": "yesterday"})
    assert bad.status_code == 400 and "bad date" in bad.text
