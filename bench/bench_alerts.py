"""Alert stage figures on SQLite: matching, composing and sending.

Builds an archive of BENCH_N (default 2,000) tagged and diffed versions and BENCH_SUBS (default
30) subscriptions (themes, countries, keywords, mixed frequencies), then prints:

- create_alerts: versions matched per second and alerts created (matching + insert-or-skip);
- a second create_alerts with nothing new (what every run pays when nothing was published);
- compose_alert: median and p95 milliseconds per mail;
- send_alerts to a local aiosmtpd server and to the outbox folder: alerts per second.

    python -m bench.bench_alerts
    BENCH_N=10000 python -m bench.bench_alerts
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.compose import Envelope, compose_alert
from core.records import ReleaseRecord
from pipeline import mail_items
from pipeline.app import App
from pipeline.config import Config
from pipeline.settings import Settings
from pipeline.stages.alert import create_alerts, send_alerts
from storage.db import open_database
from storage.models import Alert, ReleaseVersion, Tag
from storage.releases import store_record, sync_source

THEMES = [
    ("ukraine-support", "Support for Ukraine", "support for Ukraine"),
    ("middle-east-escalation", "Middle East escalation", "regional escalation"),
    ("indo-pacific", "Indo-Pacific tilt", "Indo-Pacific"),
    ("sanctions", "Sanctions", "new sanctions"),
    ("climate-change", "Climate change", "climate change"),
    ("humanitarian", "Humanitarian", "humanitarian aid"),
]
COUNTRIES = [("UA", "Ukraine"), ("PS", "Palestine"), ("IL", "Israel"), ("JP", "Japan")]
WORDS = "minister talks agreed support partners security trade meeting statement today".split()


def _text(rng: random.Random, theme: str, country: str) -> str:
    filler = " ".join(rng.choice(WORDS) for _ in range(40))
    return (
        f"The Foreign Secretary spoke today about {theme} with partners in {country}. "
        f"{filler.capitalize()}.\n\nA ceasefire was discussed. {filler}."
    )


def build(db_url: str, n: int, now: datetime) -> None:
    rng = random.Random(7)
    db = open_database(db_url, upgrade=True)
    with db.session() as session:
        source = sync_source(session, "bench", "files", {})
        for i in range(n):
            theme_id, label, term = rng.choice(THEMES)
            code, name = rng.choice(COUNTRIES)
            text = _text(rng, term, name)
            stored = store_record(
                session,
                source,
                ReleaseRecord(
                    key=f"bench-{i}",
                    title=f"Statement {i} on {label}",
                    text=text,
                    raw=text.encode(),
                    content_type="text/plain",
                    url=f"https://www.gov.uk/government/news/bench-{i}",
                    published_at=now,
                ),
                now=now,
            )
            start = text.index(term)
            sentence = text.split(". ")[0] + "."
            for kind, value, lab, found, focus in [
                ("theme", theme_id, label, term, False),
                ("country", code, name, name, rng.random() < 0.5),
            ]:
                at = text.index(found)
                session.add(
                    Tag(
                        release_id=stored.release_id,
                        version_id=stored.version_id,
                        kind=kind,
                        value=value,
                        label=lab,
                        score=1.0,
                        origin="rule",
                        focus=focus,
                        evidence=[
                            {
                                "text": found,
                                "start": at,
                                "end": at + len(found),
                                "sentence": sentence,
                                "sentence_start": 0,
                            }
                        ],
                        taxonomy_version="bench",
                    )
                )
            del start
        session.flush()
        session.query(ReleaseVersion).update({"tagged_with": "bench", "diffed_with": "bench"})
    db.dispose()


def subscriptions(count: int) -> list[dict[str, object]]:
    rng = random.Random(11)
    subs: list[dict[str, object]] = []
    for i in range(count):
        entry: dict[str, object] = {
            "email": f"desk{i}@example.org",
            "frequency": rng.choice(["immediate", "immediate", "daily", "weekly"]),
        }
        roll = rng.random()
        if roll < 0.5:
            entry["themes"] = [rng.choice(THEMES)[0]]
        elif roll < 0.8:
            entry["countries"] = [rng.choice(COUNTRIES)[0]]
            entry["focus_only"] = rng.random() < 0.5
        else:
            entry["keywords"] = [rng.choice(["ceasefire", '"new sanctions"', "Kyiv"])]
        subs.append(entry)
    return subs


def _app(db_url: str, outbox_dir: Path, subs: list[dict[str, object]], **smtp: object) -> App:
    config = Config.model_validate({"subscriptions": subs})
    settings = Settings(database_url=db_url, outbox_dir=outbox_dir, **smtp)  # type: ignore[arg-type]
    return App(settings=settings, config=config)


def main() -> None:
    n = int(os.environ.get("BENCH_N", "2000"))
    n_subs = int(os.environ.get("BENCH_SUBS", "30"))
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="deskwatch-bench-alerts-") as tmp:
        base = Path(tmp)
        db_url = f"sqlite:///{base / 'bench.db'}"
        subs = subscriptions(n_subs)
        app = _app(db_url, base / "outbox", subs)
        db = open_database(db_url, upgrade=True)
        create_alerts(app, db, now=now - timedelta(minutes=1))  # subscriptions start first
        db.dispose()
        started = time.perf_counter()
        build(db_url, n, now)
        print(
            f"archive: {n} versions, {n_subs} subscriptions ({time.perf_counter() - started:.1f} s to build)"
        )

        db = open_database(db_url)
        started = time.perf_counter()
        counts = create_alerts(app, db, now=now)
        took = time.perf_counter() - started
        print(
            f"create_alerts: {counts['versions_matched']} versions in {took:.2f} s "
            f"({counts['versions_matched'] / took:,.0f} versions/s), "
            f"{counts['alerts_created']} alerts created"
        )
        started = time.perf_counter()
        create_alerts(app, db, now=now)
        print(f"create_alerts with nothing new: {(time.perf_counter() - started) * 1000:.1f} ms")

        with db.session() as session:
            sample = list(session.query(Alert).filter(Alert.frequency == "immediate").limit(200))
            items = mail_items.alert_items(session, sample)
        envelope = Envelope("deskwatch@example.org", "desk@example.org", date=now)
        times = []
        for alert in sample:
            t0 = time.perf_counter()
            compose_alert(items[alert.id], envelope)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print(
            f"compose_alert: median {statistics.median(times):.2f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms over {len(times)} mails"
        )

        from aiosmtpd.controller import Controller

        from tests.fixtures.servers import SMTPSink, free_port

        sink, port = SMTPSink(), free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            smtp_app = _app(db_url, base / "outbox", subs, smtp_host="127.0.0.1", smtp_port=port)
            started = time.perf_counter()
            sent = send_alerts(smtp_app, db, now=now)["alerts_sent"]
            took = time.perf_counter() - started
            print(
                f"send_alerts over SMTP (aiosmtpd, one connection): {sent} in {took:.2f} s ({sent / took:,.0f}/s)"
            )
        finally:
            controller.stop()
        with db.session() as session:
            session.query(Alert).update({"status": "pending", "sent_at": None})
        started = time.perf_counter()
        sent = send_alerts(app, db, now=now)["alerts_sent"]
        took = time.perf_counter() - started
        print(f"send_alerts to the outbox folder: {sent} in {took:.2f} s ({sent / took:,.0f}/s)")
        db.dispose()


if __name__ == "__main__":
    main()
