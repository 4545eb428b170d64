"""The link in a received mail works: the pipeline mails each desk through a real SMTP server with
the reading room's signed links; the List-Unsubscribe URL taken from the mail, POSTed as a mail
provider does (RFC 8058, no cookie, no CSRF token) to the reading room on the same archive, ends
that desk's subscriptions, and the next run mails that desk nothing while the other desk still
gets its mail. On SQLite and Postgres."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from pipeline.app import App
from pipeline.config import SEEDS_DIR, load_config
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from storage.db import open_database
from storage.subscriptions import list_subscriptions
from tests.integration.alerts_helpers import parts

# Starlette 1.x prefers httpx2 for its TestClient; httpx (which deskwatch uses) still works
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

NOW = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
BASE = "https://reading-room.example.org"
SECRET = "the-secret-both-services-share"
MIDEAST = "mideast.desk@example.org"
UKRAINE = "ukraine.desk@example.org"
SEED = "2023-11-07-foreign-and-defence-secretaries-g7-japan.txt"


def pipeline_app(tmp_path: Path, db_url: str, smtp_server: Any) -> App:
    """The seed release in a folder of this test's own, both desks subscribed in the config
    file, mail to the real SMTP server, and the reading room configured (base URL + secret)."""
    folder = tmp_path / "releases"
    folder.mkdir()
    for name in (SEED, SEED + ".meta.yaml"):
        shutil.copy(SEEDS_DIR / "releases" / name, folder / name)
    config = {
        "sources": [{"name": "seeds", "type": "files", "path": str(folder)}],
        "subscriptions": [
            {"email": MIDEAST, "name": "Middle East desk", "themes": ["middle-east-escalation"]},
            {"email": UKRAINE, "themes": ["ukraine-support"]},
        ],
        "smtp": {"mail_from": "deskwatch@example.org"},
        "web": {"base_url": BASE},
    }
    path = tmp_path / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = Settings(
        database_url=db_url,
        outbox_dir=tmp_path / "outbox",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        web_secret=SECRET,  # type: ignore[arg-type]
    )
    return App(settings=env, config=load_config(path))


def another_release(tmp_path: Path) -> None:
    """A second statement on the same themes (the seed's text under another title)."""
    folder = tmp_path / "releases"
    text = (folder / SEED).read_text(encoding="utf-8")
    (folder / "2023-11-08-g7-follow-up.txt").write_text(text, encoding="utf-8")
    meta = yaml.safe_load((folder / (SEED + ".meta.yaml")).read_text(encoding="utf-8"))
    meta["title"] = "Foreign Secretary follows up the G7 foreign ministers' meeting"
    (folder / "2023-11-08-g7-follow-up.txt.meta.yaml").write_text(
        yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8"
    )


def reading_room(app: App, now: datetime) -> Any:
    from starlette.testclient import TestClient

    from deskwatch.web.app import create_app
    from deskwatch.web.settings import web_settings

    return TestClient(create_app(app, web_settings(app), clock=lambda: now))


def test_a_mails_one_click_link_ends_the_subscriptions_and_the_next_run_skips_them(
    db_url: str, tmp_path: Path, smtp_server: Any
) -> None:
    app = pipeline_app(tmp_path, db_url, smtp_server)
    totals = run_in_process(app, now=NOW).totals()
    assert totals["alerts_sent"] == 2
    [mail] = smtp_server.sink.to(MIDEAST)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip().split(",")[0].strip("<> ")
    assert link.startswith(BASE + "/unsubscribe/")
    text, html = parts(mail)
    manage = next(w for w in text.split() if w.startswith(BASE + "/subscriptions/"))
    assert f"Unsubscribe from all of them: {link}" in text
    assert f'href="{manage}"' in html and f'href="{link}"' in html

    later = NOW + timedelta(hours=2)  # the desk officer reads the mail, the provider posts
    with reading_room(app, later) as room:
        page = room.get(urlsplit(manage).path, params={"format": "json"})
        assert page.status_code == 200 and page.json()["email"] == MIDEAST
        assert len(page.json()["subscriptions"]) == 1
        done = room.post(urlsplit(link).path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "1 subscription(s) ended" in done.text
        page = room.get(urlsplit(manage).path, params={"format": "json"})
        assert page.json()["subscriptions"] == []
        # the other desk's link is its own: this one's token does not name it
        [other] = smtp_server.sink.to(UKRAINE)
        assert other["List-Unsubscribe"].strip().split(",")[0].strip("<> ") != link

    db = open_database(db_url)
    try:
        with db.session() as session:
            subs = list_subscriptions(session, include_ended=True)
            ended = {s.email: s.ended_reason for s in subs if s.ended_at is not None}
            active = {s.email for s in subs if s.ended_at is None}
    finally:
        db.dispose()
    assert ended == {MIDEAST: "unsubscribed"} and active == {UKRAINE}

    another_release(tmp_path)
    totals = run_in_process(app, now=later + timedelta(hours=1)).totals()
    assert totals["new_releases"] == 1
    assert len(smtp_server.sink.to(UKRAINE)) == 2  # the other desk still gets the new one
    assert len(smtp_server.sink.to(MIDEAST)) == 1  # the unsubscribed desk gets nothing more
