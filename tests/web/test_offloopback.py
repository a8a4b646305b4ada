"""`spanflow web` off loopback, inside a throw-away namespace: HTTPS, login, connection caps."""

import json
import re
import subprocess

import pytest
from werkzeug.security import generate_password_hash

from support.netns import Netns, python_in

from .server import ROOT, command, make_cert, write_config

pytestmark = pytest.mark.root
ADDR = "10.231.0.1"  # a non-loopback address on the namespace's own lo: reachable only inside it
OTHER = "10.231.0.2"  # a second client address, also on the namespace's lo
FETCH = """
import base64, json, socket, ssl, sys, time, urllib.request, urllib.error
url, cafile, cred, source, idle = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=cafile) if cafile else None
held = []
if int(idle):  # silent connections from this namespace's ADDR before the real request
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    for _ in range(int(idle)):
        s = socket.create_connection((host, int(port)), timeout=5, source_address=(host, 0))
        held.append(s)
    def closed(s):  # the server closed it: a peek sees the end of the stream
        try:
            return s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:  # reset by the server: closed as well
            return True
    deadline = time.monotonic() + 15  # the server closes those past its cap (or silent too long)
    while sum(map(closed, held)) < int(idle) - 64 and time.monotonic() < deadline:
        time.sleep(0.1)
class Source(urllib.request.HTTPSHandler):
    def https_open(self, req):
        import http.client
        return self.do_open(lambda h, **kw: http.client.HTTPSConnection(
            h, source_address=(source, 0) if source else None, **kw), req, context=ctx)
opener = urllib.request.build_opener(Source(context=ctx))
req = urllib.request.Request(url)
if cred:
    req.add_header("Authorization", "Basic " + base64.b64encode(cred.encode()).decode())
t = time.monotonic()
try:
    r = opener.open(req, timeout=20)
    out = {"status": r.status, "headers": dict(r.headers), "body": r.read(300).decode("latin-1")}
except urllib.error.HTTPError as e:
    out = {"status": e.code, "headers": dict(e.headers), "body": e.read(300).decode("latin-1")}
except OSError as e:
    out = {"status": 0, "error": str(e)}
out["seconds"] = time.monotonic() - t
out["held_open"] = sum(1 for s in held if not closed(s)) if held else 0
print(json.dumps(out))
"""


@pytest.fixture
def served(tmp_path):
    """`spanflow web` on ADDR:0 with HTTPS inside a namespace; yields (ns, url, cafile)."""
    space = Netns("sfw")
    proc = None
    try:
        for addr in (ADDR, OTHER):
            space.run("ip", "addr", "add", f"{addr}/32", "dev", "lo")
        cert, key = make_cert(str(tmp_path), ADDR)
        config = write_config(str(tmp_path / "spanflow.toml"), str(tmp_path),
                              password_hash=generate_password_hash("s3cret"),
                              tls_certificate=cert, tls_key=key)
        proc = space.popen(*command(config, "--listen", f"{ADDR}:0"), cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        match = re.search(r"serving on (https://\S+?)/?$", line.strip())
        assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
        yield space, match.group(1), cert
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()
            proc.stderr.close()
        space.delete()


def fetch(ns, url, cafile="", cred="", source="", idle=0):
    out = python_in(ns, FETCH, url, cafile, cred, source, str(idle), timeout=120).stdout
    return json.loads(out)


def test_https_with_login_off_loopback(served):
    ns, url, cafile = served
    assert url.startswith("https://")
    page = fetch(ns, url + "/graphs", cafile)  # verified against the pair given in config
    assert page["status"] == 200 and "<title>log in" in page["body"]  # redirected to the form
    for path in ("/api/status", "/metrics", "/search.json?filter=any"):
        assert fetch(ns, url + path, cafile)["status"] == 401, path
    ok = fetch(ns, url + "/api/status", cafile, "admin:s3cret")
    assert ok["status"] == 200
    assert ok["headers"]["Strict-Transport-Security"].startswith("max-age=")
    for _ in range(5):
        assert fetch(ns, url + "/api/status", cafile, "admin:nope")["status"] == 401
    assert fetch(ns, url + "/api/status", cafile, "admin:s3cret")["status"] == 429
    # the throttle is per client: another address still gets in
    assert fetch(ns, url + "/api/status", cafile, "admin:s3cret", OTHER)["status"] == 200
    plain = python_in(ns, "import sys, urllib.request\ntry:\n urllib.request.urlopen("
                          "sys.argv[1], timeout=10)\n"
                          "except Exception as e: print(type(e).__name__)",
                      url.replace("https://", "http://") + "/", timeout=60).stdout
    assert plain.strip() in ("RemoteDisconnected", "HTTPError", "URLError",
                             "ConnectionResetError", "BadStatusLine"), plain


def test_idle_clients_cannot_lock_out_others(served):
    # issue 14: 110 idle connections made the page unreachable; here 300 silent connections from
    # one address take no thread and are capped, and another client is answered at once
    ns, url, cafile = served
    out = fetch(ns, url + "/api/status", cafile, "admin:s3cret", OTHER, idle=300)
    assert out["status"] == 200, out
    assert out["seconds"] < 10, out
    # the cap held: the server closed all but at most 64 (serve.PER_CLIENT) of them
    assert out["held_open"] <= 64, out
