"""The HTML mail as a mail client shows it: rendered by headless Chromium (Debian's `chromium`)
at a mail client's reading width (600 px) and a phone's (375 px). The page must not scroll
sideways, and a screenshot is taken to look at. Skipped when chromium is not installed.

To keep the screenshots: ALERT_SCREENSHOT_DIR=/tmp/shots pytest tests/integration/test_alert_screenshot.py
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.compose import AlertItem, DiffSummary, Envelope, compose_alert, compose_digest
from alerts.diffview import render_diff
from alerts.matching import Evidence, Reason
from diffing.model import Diff

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

WHEN = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ENVELOPE = Envelope(
    "deskwatch@example.org",
    "mideast.desk@example.org",
    "Middle East desk",
    date=WHEN,
    subscriptions=("themes middle-east-escalation; countries PS, IL (focus only) · immediate",),
)


def _sentence(text: str, *words: str) -> Evidence:
    spans = []
    for word in words:
        start = text.index(word)
        spans.append((start, start + len(word)))
    return Evidence(text, tuple(spans))


def sample_alert() -> AlertItem:
    """A long title, several reasons, a statement diff and a silent edit: the busiest mail."""
    first = (
        "The Foreign Secretary today called for an immediate and sustainable ceasefire in Gaza, "
        "so that aid can reach the civilians who need it and hostages can be released."
    )
    second = "He spoke with his Israeli counterpart and with Palestinian Authority ministers."
    return AlertItem(
        alert_id=42,
        release_id=7,
        version_id=9,
        version_number=2,
        title="Foreign Secretary calls for a sustainable ceasefire in Gaza and a surge in "
        "humanitarian aid <as written by the publisher>",
        published_at=WHEN,
        source="fcdo-news",
        url="https://www.gov.uk/government/news/foreign-secretary-calls-for-a-sustainable-"
        "ceasefire-in-gaza-and-a-surge-in-humanitarian-aid",
        reasons=(
            Reason(
                "theme",
                "middle-east-escalation",
                "Middle East escalation",
                (_sentence(first, "ceasefire in Gaza", "hostages"),),
            ),
            Reason("country", "PS", "Palestine (focus)", (_sentence(first, "Gaza"),)),
            Reason("country", "IL", "Israel (focus)", (_sentence(second, "Israeli"),)),
        ),
        statement_diffs=(
            DiffSummary(
                "theme:middle-east-escalation",
                "Middle East escalation",
                against_title="UK statement on humanitarian pauses in Gaza",
                against_date=datetime(2026, 10, 30, tzinfo=UTC),
                against_url="https://www.gov.uk/government/news/uk-statement-on-pauses",
                more=3,
                html=render_diff(  # the diff stage's own rendering, as the alert stage uses it
                    Diff.from_payload(
                        {
                            "new_phrases": ["sustainable ceasefire", "surge in humanitarian aid"],
                            "dropped_phrases": ["humanitarian pauses", "right to defend itself"],
                            "added": [first],
                            "removed": [
                                "The UK supports humanitarian pauses to let aid into Gaza."
                            ],
                            "changed": [
                                {
                                    "old": "Israel has the right to defend itself.",
                                    "new": "Israel must act within international humanitarian law.",
                                    "word_diff": [
                                        ["=", "Israel "],
                                        ["-", "has the right to defend itself"],
                                        ["+", "must act within international humanitarian law"],
                                        ["=", "."],
                                    ],
                                }
                            ],
                        }
                    )
                ),
            ),
        ),
        version_diff=DiffSummary(
            "version",
            "previous version",
            classification="substantive",
            silent_edit=True,
            added=(
                "He spoke with his Israeli counterpart and with Palestinian Authority ministers.",
            ),
        ),
    )


def sample_digest_items() -> list[AlertItem]:
    alert = sample_alert()
    other = AlertItem(
        43,
        8,
        10,
        1,
        "UK announces winter support package for Ukraine",
        WHEN,
        "fcdo-news",
        "https://www.gov.uk/government/news/winter-support-for-ukraine",
        (Reason("theme", "ukraine-support", "Support for Ukraine"),),
    )
    return [alert, other]


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _at_width(html_path: Path, width: int) -> Path:
    """A copy of the page whose body is exactly `width` px wide (headless Chromium will not make
    a window narrower than 500 px, so a phone's width is set on the body instead), with a script
    that records how wide the content really is."""
    probe = html_path.with_name(f"{html_path.stem}-{width}.html")
    style = f"<style>body{{width:{width}px !important;overflow:visible}}</style></head>"
    script = (
        "<script>document.body.setAttribute('data-scroll-width',document.body.scrollWidth)"
        "</script></body>"
    )
    text = html_path.read_text(encoding="utf-8")
    probe.write_text(text.replace("</head>", style).replace("</body>", script), encoding="utf-8")
    return probe


def _content_width(probe: Path, width: int, profile: Path) -> int:
    """How wide the content is when the body is `width` px: more than `width` means a mail
    client of that width would scroll sideways."""
    window = max(width, 500)
    result = _chromium([f"--window-size={window},900", "--dump-dom", probe.as_uri()], profile)
    found = re.search(r'data-scroll-width="(\d+)"', result.stdout)
    assert found, result.stderr[-2000:]
    return int(found.group(1))


@pytest.mark.parametrize("kind", ["alert", "digest"])
def test_the_html_mail_reads_well_at_mail_client_widths(kind: str, tmp_path: Path) -> None:
    if kind == "alert":
        message = compose_alert(sample_alert(), ENVELOPE)
    else:
        message = compose_digest(
            sample_digest_items(),
            ENVELOPE,
            frequency="daily",
            period_key="2026-11-27",
            period_label="Friday 27 November 2026",
        )
    html = message.get_body(("html",))
    assert html is not None
    page = tmp_path / f"{kind}.html"
    page.write_text(html.get_content(), encoding="utf-8")
    keep = os.environ.get("ALERT_SCREENSHOT_DIR")
    out_dir = Path(keep) if keep else tmp_path
    out_dir.mkdir(parents=True, exist_ok=True)
    for width in (600, 375):
        probe = _at_width(page, width)
        content = _content_width(probe, width, tmp_path / f"dom-{width}")
        assert content <= width, f"the {kind} mail scrolls sideways at {width}px ({content}px)"
        window = max(width, 500)
        shot = out_dir / f"{kind}-{width}.png"
        result = _chromium(
            [f"--window-size={window},1600", f"--screenshot={shot}", probe.as_uri()],
            tmp_path / f"shot-{width}",
        )
        assert shot.exists(), result.stderr[-2000:]
        assert _png_size(shot) == (window, 1600)
        assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
