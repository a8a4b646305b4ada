"""HTTPS and the login form in a real browser: Chromium and `spanflow web` in one namespace.

The page listens off loopback only there (HTTPS and login apply off loopback). Chromium trusts
exactly the test's self-signed certificate (pinned by its public key), so a TLS failure fails.
"""

import json
import os
import re
import subprocess

import pytest
from werkzeug.security import generate_password_hash

from support.netns import Netns, python_in

from .server import ROOT, command, make_cert, spki_hash, write_config
from .test_browser import ARTIFACTS, FLAGS

pytestmark = [pytest.mark.browser, pytest.mark.root]
ADDR = "10.231.1.1"
DRIVE = """
import json, sys
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
url, pin, profile, shots, *flags = sys.argv[1:]
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for flag in flags + [f"--user-data-dir={profile}", f"--ignore-certificate-errors-spki-list={pin}"]:
    opts.add_argument(flag)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
out = {}
try:
    wait = WebDriverWait(d, 30)
    d.get(url + "/graphs?period=1d")
    wait.until(lambda d: d.find_elements(By.ID, "login"))
    out["form_url"] = d.current_url
    d.save_screenshot(shots + "/login-desktop.png")
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    d.save_screenshot(shots + "/login-phone.png")
    out["phone_overflow"] = d.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    d.find_element(By.ID, "user").send_keys("admin")
    d.find_element(By.ID, "password").send_keys("wrong")
    d.find_element(By.ID, "login-button").click()
    wait.until(lambda d: d.find_elements(By.ID, "error"))
    out["wrong"] = d.find_element(By.ID, "error").text
    d.find_element(By.ID, "user").send_keys("admin")
    d.find_element(By.ID, "password").send_keys("s3cret")
    d.find_element(By.ID, "login-button").click()
    wait.until(lambda d: d.find_elements(By.ID, "logout"))
    out["after_login"] = d.current_url
    out["cookies"] = d.get_cookies()
    out["title"] = d.title
    d.find_element(By.ID, "logout").click()
    wait.until(lambda d: d.find_elements(By.ID, "login"))
    out["after_logout"] = d.current_url
    d.get(url + "/")
    wait.until(lambda d: d.find_elements(By.ID, "login"))
    out["after_logout_home"] = d.current_url
finally:
    d.quit()
print(json.dumps(out))
"""


def test_https_login_and_logout_in_chromium(tmp_path):
    space = Netns("sfb")
    proc = None
    try:
        space.run("ip", "addr", "add", f"{ADDR}/32", "dev", "lo")
        cert, key = make_cert(str(tmp_path), ADDR)
        config = write_config(str(tmp_path / "spanflow.toml"), str(tmp_path),
                              password_hash=generate_password_hash("s3cret"),
                              tls_certificate=cert, tls_key=key)
        proc = space.popen(*command(config, "--listen", f"{ADDR}:0"), cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        url = re.search(r"serving on (https://\S+?)/?$", proc.stdout.readline().strip()).group(1)
        os.makedirs(ARTIFACTS, exist_ok=True)
        profile = tmp_path / "profile"
        profile.mkdir()
        flags = [f for f in FLAGS if not f.startswith("--window-size")] + ["--window-size=1280,900"]
        shots = os.path.join(ARTIFACTS, "screens")
        os.makedirs(shots, exist_ok=True)
        run = python_in(space, DRIVE, url, spki_hash(cert), str(profile), shots, *flags,
                        timeout=240, check=False)
        assert run.returncode == 0, run.stderr[-3000:]
        out = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()
            proc.stderr.close()
        space.delete()
    assert out["form_url"].startswith(url + "/login?next=")
    assert out["phone_overflow"] <= 1
    assert out["wrong"] == "wrong user or password"
    assert out["after_login"] == url + "/graphs?period=1d", out
    session = [c for c in out["cookies"] if c["name"] == "spanflow"]
    assert session and session[0]["secure"] and session[0]["httpOnly"], out["cookies"]
    assert session[0]["sameSite"] == "Strict"
    assert out["after_logout"].startswith(url + "/login")
    assert out["after_logout_home"].startswith(url + "/login?next=")
