"""A real browser (Debian's chromium via selenium) against a running `spanflow web`.

The data dir comes from the real pipeline: softflowd -r small.pcap exporting to nfcapd.
Screenshots go to artifacts/web/ (gitignored) for a human to look at.
"""

import os

import pytest

from support.wait import wait_until

from appliance.config import load
from appliance.paths import Paths

from .server import ROOT, Server, write_config

pytestmark = pytest.mark.browser
ARTIFACTS = os.path.join(ROOT, "artifacts", "web")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000")


@pytest.fixture(scope="module")
def server(tmp_path_factory, fixture_path_session):
    from support import flowstore
    base = tmp_path_factory.mktemp("browser")
    flowstore.build(fixture_path_session("nfdump", "small.pcap"), str(base / "flows"), str(base),
                    expect=7)
    config = write_config(str(base / "spanflow.toml"), str(base))
    cfg = load([config])
    state = flowstore.ingest(cfg, Paths.of(cfg))
    assert state["files_done"] == 1, state
    srv = Server(config)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tmp_path_factory.mktemp("chromium-profile")  # removed with pytest's temp dirs
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def shot(browser, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser.save_screenshot(os.path.join(ARTIFACTS, f"{name}.png"))


def test_dashboard_loads_and_says_why_graphs_are_empty(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/")
    shot(browser, "dashboard")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sensor health"
    # No `spanflow run` here: the page must say so rather than stay silently empty.
    assert "not running" in browser.find_element(By.ID, "empty-reason").text
    assert "times in UTC" in browser.find_element(By.TAG_NAME, "header").text


def test_search_finds_the_known_flow(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/search")
    browser.find_element(By.ID, "filter").send_keys("proto tcp and dst port 22")
    browser.find_element(By.NAME, "start").send_keys("2023-11-14 00:00")
    browser.find_element(By.NAME, "end").send_keys("2023-11-15 00:00")
    browser.find_element(By.ID, "search-button").click()
    wait_until(lambda: browser.find_elements(By.ID, "search-summary") or
               browser.find_elements(By.ID, "filter-error"), 15, what="search answer")
    shot(browser, "search")
    table = browser.find_elements(By.ID, "flows")
    assert table, browser.find_element(By.TAG_NAME, "main").text
    text = table[0].text
    assert "10.0.0.1" in text and "40000" in text and "180" in text


def test_bad_filter_reason_next_to_field(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/search?filter=port+port&start=2023-11-14")
    shot(browser, "search-bad-filter")
    assert "syntax error" in browser.find_element(By.ID, "filter-error").text


def test_every_graph_renders(server, browser):
    from selenium.webdriver.common.by import By
    for period in ("1h", "1d", "1y"):
        browser.get(f"{server.url}/graphs?period={period}")
        images = browser.find_elements(By.CSS_SELECTOR, "img.graph")
        assert images, "the graphs page shows no graph"
        wait_until(lambda: all(browser.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", img)
            for img in images), 20, what=f"every {period} graph image to render")
        shot(browser, f"graphs-{period}")
        if period != "1y":  # one minute of data does not fill a whole daily RRD point
            assert not browser.find_elements(By.CLASS_NAME, "group-note"), period


def test_top_hosts_link_to_a_prefilled_search(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/top?kind=hosts&period=1d")
    shot(browser, "top-hosts")
    table = browser.find_elements(By.ID, "top-rows")
    assert table, browser.find_element(By.TAG_NAME, "main").text
    table = table[0]
    assert "10.0.0.1" in table.text
    link = table.find_element(By.LINK_TEXT, "flows").get_attribute("href")
    assert "/search?filter=host+10.0.0" in link and "start=" in link
