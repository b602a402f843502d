"""The web page in a real browser (headless Chromium): what a person sees on the
leaderboard, on a computer and on a phone, in the light and the dark theme. Screenshots
are saved in the test's output folder (`tmp_path`)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from browser import browser
from web_board import SHOWN

pytestmark = pytest.mark.backends("sqlite")


def _shown_names(driver) -> list[str]:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "ol.board .name")]


async def test_a_reader_sees_the_board_in_order_without_the_hidden_member(client, tmp_path: Path):
    url = str(client.make_url("/c/test?period=all"))
    with browser() as driver:
        await asyncio.to_thread(driver.get, url)
        assert driver.title.startswith("Leaderboard — test")
        assert _shown_names(driver) == SHOWN
        body = driver.find_element("tag name", "body").text
        assert "nora" not in body and "mallory" not in body
        assert "All time" in body and "Newcomer" in body
        shot = tmp_path / "leaderboard-light.png"
        assert driver.save_screenshot(str(shot))
        light = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
        )
        dark = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert driver.save_screenshot(str(tmp_path / "leaderboard-dark.png"))
    assert light != dark  # the dark theme follows the reader's system setting
    assert shot.stat().st_size > 5000


async def test_on_a_phone_the_board_fits_the_screen(client, tmp_path: Path):
    url = str(client.make_url("/c/test?period=all"))
    with browser() as driver:
        # A phone's screen (a desktop window cannot be made this narrow).
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
        )
        await asyncio.to_thread(driver.get, url)
        assert driver.execute_script("return window.innerWidth") == 390
        assert _shown_names(driver) == SHOWN
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert driver.save_screenshot(str(tmp_path / "leaderboard-phone.png"))
    assert overflow <= 0  # nothing to scroll sideways


async def test_the_period_links_work_without_javascript(client, tmp_path: Path):
    url = str(client.make_url("/c/test"))
    with browser() as driver:
        await asyncio.to_thread(driver.get, url)
        link = driver.find_element("link text", "All time")
        await asyncio.to_thread(link.click)
        assert driver.current_url.endswith("?period=all")
        assert _shown_names(driver) == SHOWN


async def test_a_reader_sees_the_ideas_board_and_a_polls_rounds_drawn(
    client, console, tmp_path: Path
):
    from test_ideas_members_polls import IDEAS, POLL

    await console.play(IDEAS)
    await console.play(POLL)
    await console.play("after 3d")
    with browser() as driver:
        await asyncio.to_thread(driver.get, str(client.make_url("/c/test/ideas")))
        titles = [e.text for e in driver.find_elements("css selector", ".idea-title")]
        assert titles == ["#2 Offline sync", "#1 Dark mode"]  # New, then Planned
        history = driver.find_element("css selector", "details")
        await asyncio.to_thread(driver.find_element("css selector", "summary").click)
        assert "a member: submitted" in history.text  # the hidden author is not named
        assert "nora" not in driver.find_element("tag name", "body").text
        assert driver.save_screenshot(str(tmp_path / "ideas.png"))
        await asyncio.to_thread(driver.get, str(client.make_url("/c/test/polls/1")))
        chart = driver.find_element("css selector", "figure.chart img")
        drawn = driver.execute_script("return arguments[0].naturalWidth", chart)
        assert driver.save_screenshot(str(tmp_path / "poll.png"))
        await asyncio.to_thread(driver.get, str(client.make_url("/c/test/members/bob")))
        assert driver.find_element("tag name", "h1").text == "bob"
        assert driver.save_screenshot(str(tmp_path / "member.png"))
    assert drawn > 100  # the chart was drawn, not a broken image


async def test_a_moderator_reaches_the_dashboard_through_the_link_and_sees_the_charts(
    client, console, tmp_path: Path
):
    out = "\n".join(await console.play("alice: /admin dashboard"))
    (path,) = re.findall(r"https://cercle\.example\.com(/c/test/dashboard\?\S+)", out)
    with browser() as driver:
        await asyncio.to_thread(driver.get, str(client.make_url(path)))
        assert driver.find_element("tag name", "h1").text == "Dashboard"
        images = driver.find_elements("css selector", "figure.chart img")
        widths = [driver.execute_script("return arguments[0].naturalWidth", i) for i in images]
        body = driver.find_element("tag name", "body").text
        driver.set_window_size(1280, 2600)
        assert driver.save_screenshot(str(tmp_path / "dashboard.png"))
        await asyncio.to_thread(driver.get, str(client.make_url(path.replace("sig=", "sig=0"))))
        refused = driver.find_element("tag name", "body").text
        assert driver.save_screenshot(str(tmp_path / "dashboard-refused.png"))
    assert len(widths) == 4 and all(w > 100 for w in widths)  # every chart drawn
    assert "Audit trail" in body and "mallory" in body
    assert "It has expired or is not valid" in refused and "/admin dashboard" in refused
