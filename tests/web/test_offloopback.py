"""`spanflow web` off loopback, inside a throw-away namespace: credentials on every route."""

import re
import subprocess

import pytest
from werkzeug.security import generate_password_hash

from support.netns import Netns, python_in

from .server import ROOT, command, write_config

pytestmark = pytest.mark.root
ADDR = "10.231.0.1"  # a non-loopback address on the namespace's own lo: reachable only inside it
FETCH = """
import base64, sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2:
    req.add_header("Authorization", "Basic " + base64.b64encode(sys.argv[2].encode()).decode())
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
"""


@pytest.fixture
def ns():
    space = Netns("sfw")
    try:
        space.run("ip", "addr", "add", f"{ADDR}/32", "dev", "lo")
        yield space
    finally:
        space.delete()


def status(ns, url, cred=None):
    return int(python_in(ns, FETCH, url, *([cred] if cred else [])).stdout.strip())


def test_every_route_needs_credentials_off_loopback(ns, tmp_path):
    config = write_config(str(tmp_path / "spanflow.toml"), str(tmp_path),
                          password_hash=generate_password_hash("s3cret"))
    proc = ns.popen(*command(config, "--listen", f"{ADDR}:0"), cwd=ROOT,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"serving on (http://\S+?)/?$", line.strip()).group(1)
        for path in ("/", "/api/status", "/metrics", "/search.json?filter=any"):
            assert status(ns, url + path) == 401, path
        assert status(ns, url + "/api/status", "admin:s3cret") == 200
        for _ in range(5):
            assert status(ns, url + "/", "admin:nope") == 401
        assert status(ns, url + "/", "admin:s3cret") == 429  # throttled after 5 failures
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
