"""The reading room in a real browser: Debian's Chromium driven by Selenium (chromium-driver),
against `deskwatch web`'s app served by uvicorn on 127.0.0.1. Search and filter, open a release,
highlight a tag's evidence, compare two versions, unsubscribe through a mail's signed link, and
check that hostile titles are text. Screenshots of the main pages at 375 px and 1280 px must not
be blank and must not scroll sideways. Skipped when chromium or its driver is not installed.

To keep the screenshots: WEB_SCREENSHOT_DIR=/tmp/shots pytest tests/integration/test_web_browser.py
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.tokens import unsubscribe_url
from tests.fixtures.archive import Archive, fill
from tests.fixtures.reading_room import HOSTILE_TITLE, NOW, SECRET, Room, app_for, prepare

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None or DRIVER is None, reason="chromium or chromium-driver is not installed"
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
WIDTHS = (375, 1280)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def room(tmp_path: Path) -> Room:
    from storage.db import open_database

    url = f"sqlite:///{tmp_path / 'deskwatch.db'}"
    db = open_database(url, upgrade=True)
    archive: Archive = fill(db)
    return prepare(archive, url)


@pytest.fixture
def server(room: Room) -> Iterator[str]:
    import uvicorn

    from deskwatch.web.app import create_app
    from deskwatch.web.settings import web_settings

    app = app_for(room.url)
    port = _free_port()
    config = uvicorn.Config(
        create_app(app, web_settings(app, port=port), clock=lambda: NOW),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def shots_dir(tmp_path: Path) -> Path:
    wanted = os.environ.get("WEB_SCREENSHOT_DIR")
    path = Path(wanted) if wanted else tmp_path / "shots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def by_css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def follow(driver: Any, element: Any, *, submit: bool = False) -> None:
    """Click a link or button (or submit a form field) and wait for the next page to load."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.wait import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    if submit:
        element.submit()
    else:
        element.click()
    WebDriverWait(driver, 30).until(staleness_of(old))
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def no_alert_dialog(driver: Any) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        _ = driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def test_search_filter_open_highlight_compare(browser: Any, server: str, room: Room) -> None:
    browser.get(server + "/search")
    box = by_css(browser, "#q")
    box.send_keys("japan* OR ceasefire")
    follow(browser, box, submit=True)
    titles = [a.text for a in all_css(browser, "ol.hits h3 a")]
    assert len(titles) == 3 and "UK statement on the situation in Gaza" in titles
    # narrow by a facet
    # the facet names the theme by its taxonomy label; its link narrows by the id
    facet = [a for a in all_css(browser, ".facets a") if a.text == "Humanitarian aid"]
    assert facet, "the theme facet lists humanitarian by name"
    assert "theme%3Ahumanitarian" in facet[0].get_attribute("href")
    follow(browser, facet[0])
    assert [a.text for a in all_css(browser, "ol.hits h3 a")] == [
        "UK statement on the situation in Gaza"
    ]
    assert "1 release" in by_css(browser, "#results-h").text
    # open it, choose a tag, see its evidence
    follow(browser, by_css(browser, "ol.hits h3 a"))
    assert by_css(browser, "h1").text == "UK statement on the situation in Gaza"
    assert all_css(browser, "#text mark") == []
    [link] = [a for a in all_css(browser, "table.tags a") if a.text == "Ceasefire talks"]
    follow(browser, link)
    marks = all_css(browser, "#text mark")
    assert [m.text for m in marks] == ["sustainable ceasefire"]
    assert "chosen" in by_css(browser, "table.tags tr.chosen").get_attribute("class")
    # compare the two versions with the form
    follow(browser, by_css(browser, "form.compare button"))
    assert "/compare?" in browser.current_url
    removed = " ".join(d.text for d in all_css(browser, ".old del"))
    inserted = " ".join(i.text for i in all_css(browser, ".new ins"))
    assert "humanitarian pauses" in removed and "sustainable ceasefire" in inserted


def test_unsubscribe_through_the_link_in_a_mail(browser: Any, server: str, room: Room) -> None:
    link = unsubscribe_url(server, "mideast.desk@example.org", SECRET.encode(), NOW)
    browser.get(link)
    assert "Unsubscribe mideast.desk@example.org" in by_css(browser, "h1").text
    follow(browser, by_css(browser, "main form button"))
    assert "2 subscription(s) ended" in by_css(browser, ".notice").text
    follow(browser, by_css(browser, "main p a"))  # "See your subscriptions"
    assert "You have no active subscription." in browser.page_source


def test_hostile_titles_are_text(browser: Any, server: str, room: Room) -> None:
    browser.get(f"{server}/releases/{room.hostile_id}")
    assert no_alert_dialog(browser)
    assert by_css(browser, "h1").text == HOSTILE_TITLE
    assert all_css(browser, "h1 b") == [] and all_css(browser, "#text img") == []
    assert '<script>alert("body")</script>' in by_css(browser, "#text").text
    browser.get(f"{server}/search?q=statement")
    assert no_alert_dialog(browser)
    assert HOSTILE_TITLE in [a.text for a in all_css(browser, "ol.hits h3 a")]


def _not_blank(png: bytes) -> None:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    stat = ImageStat.Stat(image)
    assert stat.stddev[0] > 10, "the screenshot is (nearly) one colour"
    assert len(png) > 8000


def test_screenshots_of_the_main_pages(
    browser: Any, server: str, room: Room, tmp_path: Path
) -> None:
    gaza = room.archive.ids["gaza-ceasefire"]
    pages = {
        "home": "/",
        "search": "/search?q=defence+OR+ceasefire",
        "release": f"/releases/{gaza}?tag=theme:ceasefire-talks#text",
        "compare": f"/releases/{gaza}/compare?a=1&b=2",
        "theme": "/themes/defence-security",
        "alerts": "/alerts",
    }
    out = shots_dir(tmp_path)
    for width in WIDTHS:
        browser.set_window_size(width, 1000)
        for name, path in pages.items():
            browser.get(server + path)
            assert by_css(browser, "h1").text
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways at {width} px by {overflow} px"
            png = browser.get_screenshot_as_png()
            _not_blank(png)
            (out / f"{name}-{width}.png").write_bytes(png)
    assert len(list(out.glob("*.png"))) >= len(pages) * len(WIDTHS)


def test_keyboard_reaches_the_content_first(browser: Any, server: str) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    by_css(browser, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip" and focused.is_displayed()
