"""`spanflow web`: served by waitress on loopback, refuses off loopback without a password."""

import subprocess
import urllib.error
import urllib.request

import pytest

from .server import ROOT, Server, command, write_config


@pytest.fixture
def config(tmp_path):
    return lambda **web: write_config(str(tmp_path / "spanflow.toml"), str(tmp_path), **web)


def test_serves_the_page_with_waitress(config):
    server = Server(config())
    try:
        with urllib.request.urlopen(server.url + "/", timeout=5) as r:
            assert r.status == 200 and b"Sensor health" in r.read()
            assert r.headers["Server"] == "spanflow"  # waitress ident, not Werkzeug's dev server
            assert r.headers["X-Frame-Options"] == "DENY"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server.url + "/search.json?filter=-r%20/etc/shadow", timeout=5)
        assert err.value.code == 400
        for query in ("filter=" + "a" * 300_000, "filter=any&start=" + "9" * 5000):  # huge inputs
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(server.url + "/search?" + query, timeout=5)
            assert 400 <= err.value.code < 500
    finally:
        server.stop()
    assert server.proc.returncode is not None


@pytest.mark.parametrize("listen", ["0.0.0.0:0", "192.0.2.1:8080"])
def test_refuses_off_loopback_without_password(config, listen):
    proc = subprocess.run(command(config(), "--listen", listen), cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 78
    assert "password_hash" in proc.stderr and "Traceback" not in proc.stderr
    assert "serving" not in proc.stdout


def test_bad_time_zone_is_a_config_error(config):
    proc = subprocess.run(command(config(timezone="Mars/Base"), "--listen", "127.0.0.1:0"),
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0 and "time zone" in proc.stderr and "Traceback" not in proc.stderr


def test_idle_connections_do_not_lock_the_page_out(config):
    # issue 14: 110 idle connections made waitress (connection_limit 100) refuse everyone
    import http.client
    import socket
    import time
    server = Server(config())
    host, port = server.url.split("//")[1].rsplit(":", 1)
    idle = []
    try:
        for _ in range(150):
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        # another client (127.0.0.2 is loopback too) is answered at once
        conn = http.client.HTTPConnection(host, int(port), timeout=10,
                                          source_address=("127.0.0.2", 0))
        t = time.monotonic()
        conn.request("GET", "/api/status")
        assert conn.getresponse().status == 200
        assert time.monotonic() - t < 10
        conn.close()
        # the flooding address holds at most PER_CLIENT of them: the rest were closed
        import select

        from appliance.web import serve
        from support.wait import wait_until

        def closed():  # the server never writes to them: readable means closed
            return len(select.select(idle, [], [], 0)[0]) >= len(idle) - serve.PER_CLIENT
        wait_until(closed, 10, what="connections past the per-client cap to be closed")
    finally:
        for s in idle:
            s.close()
        server.stop()


def test_metrics_count_connections_refused_for_the_per_client_cap(config):
    # a drop is counted and shown: the connections closed for the cap appear in /metrics
    import re
    import socket

    from appliance.web import serve
    from support.wait import wait_until
    server = Server(config())
    host, port = server.url.split("//")[1].rsplit(":", 1)
    held = []
    try:
        for _ in range(serve.PER_CLIENT + 10):
            held.append(socket.create_connection((host, int(port)), timeout=5))

        def refused():  # asked from 127.0.0.2: the flooding address has no room left
            import http.client
            conn = http.client.HTTPConnection(host, int(port), timeout=10,
                                              source_address=("127.0.0.2", 0))
            try:
                conn.request("GET", "/metrics")
                text = conn.getresponse().read().decode()
            finally:
                conn.close()
            found = re.search(r"^spanflow_web_refused_connections (\d+)$", text, re.M)
            return found and int(found.group(1)) >= 10
        wait_until(refused, 20, what="the refused connections in /metrics")
    finally:
        for s in held:
            s.close()
        server.stop()
