"""Alerts that lead with what moved, never miss and do not flood: through the alert stage against
a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and Postgres. Version changes are the real
differ's (diffing.compare.version_diff) on travel-advice texts written for these tests; tags are
written the way the tag stage writes them (tests.integration.alerts_helpers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from diffing.compare import version_diff
from pipeline.stages.alert import create_alerts, send_alerts, send_digests
from tests.integration.alerts_helpers import (
    T0,
    TagSpec,
    alerts_of,
    make_app,
    parts,
    smtp_settings,
    store,
)

MIDEAST_DESK = {"email": "mideast.desk@example.org", "themes": ["middle-east-escalation"]}
THEME = TagSpec("theme", "middle-east-escalation", "Middle East escalation", "Gaza")
ISRAEL = TagSpec("country", "IL", "Israel", "Israel", focus=True)
# the tag stage stored pycountry's name; the mail must not show it
PALESTINE = TagSpec("country", "PS", "Palestine, State of", "Gaza", focus=True)
MIGRATION = TagSpec("theme", "migration", "Migration", "local authorities")

V1 = (
    "The FCDO advises against all travel to Gaza.\n\n"
    "If you are in Israel, follow the advice of local authorities. "
    "Call +44 20 7008 5000 for help."
)
V2 = (
    "The FCDO advises against all travel to Gaza.\n\n"
    "The FCDO advises against all but essential travel to Israel.\n\n"
    "If you are in Israel, follow the advice of local authorities. "
    "Call +44 20 7008 5000 for help."
)
V3 = V2.replace("5000", "5001")
V4 = (
    "The FCDO advises against all travel to Gaza and Israel.\n\n"
    "If you are in Israel, follow the advice of local authorities. "
    "Call +44 20 7008 5001 for help."
)
TITLE = "Israel travel advice"


def _smtp(server: Any) -> dict[str, Any]:
    return smtp_settings(server)


def _version(db: Any, old: str, new: str, tags: tuple[TagSpec, ...], minutes: int) -> int:
    """A new version of the Israel page with the real differ's version change."""
    diff = version_diff(old, new, None)
    return store(
        db,
        "israel",
        TITLE,
        new,
        tags,
        now=T0 + timedelta(minutes=minutes),
        classification=diff.classification,
        silent_edit=diff.silent_edit,
        version_payload=diff.payload(),
        published_at=T0,
    )


def test_the_subject_names_the_top_change_and_the_header_the_versions_time(
    database, tmp_path, smtp_server
) -> None:
    desk = {**MIDEAST_DESK, "countries": ["PS"]}
    app = make_app(database.url, tmp_path, [desk], **_smtp(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "israel", TITLE, V1, (THEME, PALESTINE), now=T0, published_at=T0)
    create_alerts(app, database, now=T0)
    send_alerts(app, database, now=T0)
    later = 3 * 24 * 60  # three days on: outside any coalescing window
    _version(database, V1, V2, (THEME, PALESTINE, ISRAEL), later)
    create_alerts(app, database, now=T0 + timedelta(minutes=later))
    assert send_alerts(app, database, now=T0 + timedelta(minutes=later))["alerts_sent"] == 1

    first, second = (m for _f, _r, m in smtp_server.sink.messages)
    assert first["Subject"] == f"[deskwatch] Middle East escalation · {TITLE}"  # nothing moved
    assert second["Subject"] == (
        "[deskwatch] Israel travel advice: now advises against all but essential travel"
    )
    text, html = parts(second)
    # the version's own time, not the page's first publication
    assert "Updated 23 November 2026 · version 2 · test" in text
    assert "Published 20 November 2026" not in text
    assert "Updated 23 November 2026 · version 2" in html
    # the mail leads the edit with the move, the sentence beside it; the phone number apart
    edited = text.split("THIS RELEASE WAS EDITED (version 2)", 1)[1]
    assert edited.index("* now advises against all but essential travel") < edited.index(
        "The sentences:"
    )
    assert "after:  The FCDO advises against all but essential travel to Israel." in edited
    assert "phone" not in edited.split("The sentences:")[0]  # the number did not change
    assert "now advises against all but essential travel</strong>" in html
    # names, never codes or registry forms
    assert "Country: Palestine (focus)" in parts(first)[0]
    assert "Palestine, State of" not in text + html + parts(first)[0]


def test_a_statement_diff_is_headed_by_names_and_says_what_it_compared(
    database, tmp_path, smtp_server
) -> None:
    keyword_desk = {"email": "kw@example.org", "keywords": ["advises"]}
    app = make_app(database.url, tmp_path, [keyword_desk], **_smtp(smtp_server))
    create_alerts(app, database, now=T0)
    earlier = store(database, "gaza-1", "Earlier Gaza advice", V1, (PALESTINE,), now=T0)
    later = T0 + timedelta(days=37)
    payload = version_diff(V1, V4, None).payload()
    payload["baseline"] = {
        "basis": "country:PS",
        "basis_label": "Palestine",
        "title": "Earlier Gaza advice",
        "published_at": T0.isoformat(),
        "compared": True,
        "reason": None,
    }
    store(
        database,
        "gaza-2",
        "Gaza and Israel advice",
        V4,
        (PALESTINE, TagSpec("country", "GB", "United Kingdom", "FCDO")),
        now=later,
        statement=(earlier, "country:PS", payload),
    )
    create_alerts(app, database, now=later)
    send_alerts(app, database, now=later)
    mail = smtp_server.sink.to("kw@example.org")[-1]
    text, html = parts(mail)
    assert "WHAT MOVED SINCE THE LAST STATEMENT ON PALESTINE" in text
    assert "ON PS" not in text
    assert "Compared with the last statement on Palestine: Earlier Gaza advice, 37 days ago" in text
    assert "What moved since the last statement on Palestine</h2>" in html
    assert "Palestine, State of" not in text + html
    assert mail["Subject"] == (
        "[deskwatch] Gaza and Israel advice: reworded; still advises against all travel"
    )


def test_a_release_that_alerted_keeps_alerting_when_its_tags_drift(
    database, tmp_path, smtp_server
) -> None:
    app = make_app(database.url, tmp_path, [MIDEAST_DESK], **_smtp(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "israel", TITLE, V1, (THEME,), now=T0, published_at=T0)
    create_alerts(app, database, now=T0)
    send_alerts(app, database, now=T0)
    # version 2 lost the theme (the tagger now reads it as migration only), and it moved
    _version(database, V1, V2, (MIGRATION,), 24 * 60)
    day = T0 + timedelta(days=1)
    assert create_alerts(app, database, now=day)["alerts_created"] == 1
    assert send_alerts(app, database, now=day)["alerts_sent"] == 1
    text, _html = parts(smtp_server.sink.to("mideast.desk@example.org")[-1])
    assert "Followed release: alerted on an earlier version" in text
    assert "You were alerted on an earlier version of this release" in text
    # a trivial version after it (the phone number) never alerts, sticky or not
    _version(database, V2, V3, (MIGRATION,), 2 * 24 * 60)
    assert create_alerts(app, database, now=T0 + timedelta(days=2))["alerts_created"] == 0
    # someone who never had it does not get it through stickiness
    assert {a.email for a in alerts_of(database)} == {"mideast.desk@example.org"}


def test_a_country_rule_catches_what_the_theme_rule_misses_and_says_so(
    database, tmp_path, smtp_server
) -> None:
    desk = [MIDEAST_DESK, {"email": "mideast.desk@example.org", "countries": ["IL"]}]
    app = make_app(database.url, tmp_path, desk, **_smtp(smtp_server))
    create_alerts(app, database, now=T0)
    # tagged only migration and Israel: the theme rule misses it, the country rule does not
    store(database, "israel", TITLE, V2, (MIGRATION, ISRAEL), now=T0, published_at=T0)
    assert create_alerts(app, database, now=T0)["alerts_created"] == 1
    send_alerts(app, database, now=T0)
    [mail] = smtp_server.sink.to("mideast.desk@example.org")
    text, html = parts(mail)
    assert "Country: Israel (focus)" in text
    assert "Your subscription to Israel matched: the release is about Israel." in text
    assert "Your subscription to Israel matched: the release is about Israel." in html
    assert "Theme:" not in text
    # the foot lists the subscriptions in names too
    assert "  - Middle East escalation · immediate" in text and "  - Israel · immediate" in text


def test_three_versions_within_the_window_are_one_mail_with_the_net_change(
    database, tmp_path, smtp_server
) -> None:
    app = make_app(database.url, tmp_path, [MIDEAST_DESK], **_smtp(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "israel", TITLE, V1, (THEME,), now=T0, published_at=T0)
    create_alerts(app, database, now=T0)
    assert send_alerts(app, database, now=T0)["alerts_sent"] == 1
    # three substantive versions 10, 20 and 30 minutes later, a run after each
    texts = [V1, V2, V2.replace("all but essential", "all"), V4]
    for n in range(1, 4):
        _version(database, texts[n - 1], texts[n], (THEME,), 10 * n)
        at = T0 + timedelta(minutes=10 * n)
        assert create_alerts(app, database, now=at)["alerts_created"] == 1
        assert send_alerts(app, database, now=at)["alerts_sent"] == 0  # held: within the window
    assert len(smtp_server.sink.messages) == 1
    after = T0 + timedelta(minutes=61)
    assert send_alerts(app, database, now=after)["alerts_sent"] == 1
    assert send_alerts(app, database, now=after + timedelta(hours=1))["alerts_sent"] == 0
    assert len(smtp_server.sink.messages) == 2
    mail = smtp_server.sink.messages[-1][2]
    text, _html = parts(mail)
    assert "THIS RELEASE WAS EDITED (versions 2 to 4)" in text
    assert "Updated 20 November 2026 · versions 2 to 4" in text
    # the net change: version 1 -> version 4 (all travel to Gaza -> Gaza and Israel)
    assert "before: The FCDO advises against all travel to Gaza." in text
    assert "after:  The FCDO advises against all travel to Gaza and Israel." in text
    assert "all but essential" not in text.split("THIS RELEASE WAS EDITED", 1)[1]
    # every coalesced alert is marked sent with the one mail's Message-ID: none goes twice
    rows = alerts_of(database)
    assert [a.status for a in rows] == ["sent"] * 4
    assert {a.message_id for a in rows[1:]} == {mail["Message-ID"]}


def test_a_window_of_zero_sends_each_version(database, tmp_path, smtp_server) -> None:
    app = make_app(
        database.url,
        tmp_path,
        [MIDEAST_DESK],
        smtp={"coalesce_minutes": 0},
        **_smtp(smtp_server),
    )
    create_alerts(app, database, now=T0)
    store(database, "israel", TITLE, V1, (THEME,), now=T0, published_at=T0)
    create_alerts(app, database, now=T0)
    send_alerts(app, database, now=T0)
    _version(database, V1, V2, (THEME,), 10)
    create_alerts(app, database, now=T0 + timedelta(minutes=10))
    assert send_alerts(app, database, now=T0 + timedelta(minutes=10))["alerts_sent"] == 1


def test_a_digest_names_each_top_change_and_joins_the_versions_of_a_page(
    database, tmp_path, smtp_server
) -> None:
    daily = {**MIDEAST_DESK, "frequency": "daily"}
    app = make_app(database.url, tmp_path, [daily], **_smtp(smtp_server))
    create_alerts(app, database, now=T0)
    store(database, "israel", TITLE, V1, (THEME,), now=T0, published_at=T0)
    _version(database, V1, V2, (THEME,), 60)
    _version(database, V2, V2.replace("all but essential", "all"), (THEME,), 120)
    create_alerts(app, database, now=T0 + timedelta(hours=2))
    counts = send_digests(app, database, frequency="daily", now=T0 + timedelta(hours=3))
    assert counts["digests_sent"] == 1 and counts["digest_alerts"] == 3
    [mail] = smtp_server.sink.to("mideast.desk@example.org")
    text, html = parts(mail)
    # one entry for the page: its three versions, dated by the last
    assert text.count(f"* {TITLE}") == 1
    assert "Updated 20 November 2026 · versions 1 to 3" in text
    assert mail["Subject"] == "[deskwatch] Daily digest · 1 release · Friday 20 November 2026"
    assert {a.message_id for a in alerts_of(database)} == {mail["Message-ID"]}
    assert "versions 1 to 3" in html
