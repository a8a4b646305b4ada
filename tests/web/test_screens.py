"""Every page in headless Chromium at desktop and phone width: screenshots, and a layout that fits.

The store is real (softflowd -r small.pcap into nfcapd, then ingest); the snapshot has the run
loop's shapes (the captured softflowctl statistics, nfcapd's health counts) and the alert store
holds one alert of each severity. Screenshots go to artifacts/web/screens/ (docs/img keeps the
ones shown in docs/web.md). At phone width no page may be wider than the screen: wide tables
scroll inside their own box.
"""

import os
import time
from datetime import datetime, timezone

import pytest

from appliance.config import load
from appliance.detect.finding import Finding
from appliance.detect.store import AlertStore
from appliance.paths import Paths
from appliance.probe import stats as probestats
from appliance.supervisor import snapshot
from support.wait import wait_until

from .server import Server, write_config
from .test_browser import ARTIFACTS, FLAGS

pytestmark = pytest.mark.browser
SCREENS = os.path.join(ARTIFACTS, "screens")
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = {"dashboard": "/", "graphs": "/graphs?period=1h", "top": "/top?kind=hosts&period=1d",
         "search": "/search?filter=any&start=2023-11-14+00:00&end=2023-11-15+00:00",
         "alerts": "/alerts", "alert": "/alerts/1", "mirror": "/mirror"}


def write_snapshot(paths, fixture):
    with open(fixture("softflowctl", "statistics-1.1.0-flushed.txt")) as f:
        parsed = probestats.parse(f.read())
    now = datetime.now(timezone.utc)
    snapshot.write(paths.status, {
        "version": 1, "updated": now.isoformat(), "pid": 4242, "state": "running",
        "started": now.isoformat(),
        "mirror": {"state": "running", "interface": "eth1", "link": "up", "promisc": True,
                   "rx_packets": 1843022, "rx_bytes": 1419203817, "rx_dropped": 0,
                   "rx_missed": 0},
        "probe": {"state": "running", "pid": 4300, "restarts": 0, "statistics": parsed},
        "collector": {"state": "running", "pid": 4299, "restarts": 0,
                      "store": {"newest_file": "nfcapd.202612021500", "files": 1440,
                                "disk_bytes": 188416 * 1024, "last_rotation": now.isoformat()},
                      "health": {"bad_packets": 3188, "sequence_errors": 5882, "intervals": 3,
                                 "last_interval": {"bad_packets": 0, "sequence_errors": 0}}}})


@pytest.fixture(scope="module")
def site(tmp_path_factory, fixture_path_session):
    from support import flowstore
    base = tmp_path_factory.mktemp("screens")
    flowstore.build(fixture_path_session("nfdump", "small.pcap"), str(base / "flows"), str(base),
                    expect=7)
    config = write_config(str(base / "spanflow.toml"), str(base), timezone="Europe/Madrid")
    cfg = load([config])
    paths = Paths.of(cfg)
    flowstore.ingest(cfg, paths)
    store = AlertStore(paths.database)
    now = time.time()
    for i, (rule, key, sev) in enumerate([("cleartext", "10.0.0.5>10.0.0.9:telnet", "high"),
                                          ("port_scan", "10.0.0.66", "medium"),
                                          ("collector_health", "nfcapd", "low")]):
        store.record(Finding(rule, key, sev, f"{rule} seen from {key}", "host 10.0.0.1",
                             flows=3 + i, packets=40, bytes=713680), now - 900 + 300 * i,
                     now - 840 + 300 * i, 0)
    store.close()
    write_snapshot(paths, fixture_path_session)
    srv = Server(config)
    try:
        yield srv, paths
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-screens')}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_page_at_desktop_and_phone_width(site, browser, fixture_path_session, width):
    srv, paths = site
    w, h = WIDTHS[width]
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": w, "height": h, "deviceScaleFactor": 1, "mobile": width == "phone"})
    os.makedirs(SCREENS, exist_ok=True)
    try:
        for name, path in PAGES.items():
            write_snapshot(paths, fixture_path_session)  # fresh: the page judges its age
            browser.get(srv.url + path)
            wait_until(lambda: browser.execute_script(
                "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"), 20,
                what=f"{name}'s images")
            browser.save_screenshot(os.path.join(SCREENS, f"{name}-{width}.png"))
            text = browser.find_element("tag name", "main").text
            assert "internal error" not in text and "Traceback" not in text, name
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow} px wider than a {w} px screen"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
