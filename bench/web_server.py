"""Choose the web server and TLS layer: Debian's candidates on one constant page, as ratios.

Usage: /usr/bin/python3 bench/web_server.py [--seconds 10] [--idle 300]
Each server serves the same 2 KiB WSGI page with 8 threads. wrk (50 connections) gives requests/s
and p99; then `--idle` clients connect and send nothing, and a fresh client times one request
(the lockout of issue 14: waitress stops accepting at its connection_limit of 100).
Prints waitress (today's server) as the baseline; the last line is `FIGURES {json}`.
"""

import argparse
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "bench")]

from web_load import parse_wrk  # noqa: E402

APP = """
body = b"x" * 2048
def app(environ, start):
    start("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]
"""
SERVERS = {
    "waitress": APP + """
import sys, waitress
s = waitress.create_server(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8)
s.run()
""",
    "cheroot": APP + """
import sys
from cheroot import wsgi
s = wsgi.Server(("127.0.0.1", int(sys.argv[1])), app, numthreads=8)
s.start()
""",
    "cheroot+tls": APP + """
import sys
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
s = wsgi.Server(("127.0.0.1", int(sys.argv[1])), app, numthreads=8)
s.ssl_adapter = BuiltinSSLAdapter(sys.argv[2], sys.argv[3])
s.start()
""",
    "spanflow waitress (per-client cap)": """
import sys
from appliance.web import serve
""" + APP + """
# wrk's 50 connections all come from 127.0.0.1: the cap must let them in for the throughput run
s = serve.Serving(app, "127.0.0.1", int(sys.argv[1]), caps=serve.Caps(per_client=64))
s.run()
""",
    "spanflow cheroot+tls (lazy handshake, cap)": """
import sys
from appliance.web import serve
""" + APP + """
s = serve.Serving(app, "127.0.0.1", int(sys.argv[1]), 8, sys.argv[2], sys.argv[3],
                  caps=serve.Caps(per_client=64))
s.run()
""",
}
GUNICORN = ["gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "8"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline=10):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def start(name, port, cert, key, work):
    env = dict(os.environ, PYTHONPATH=ROOT)
    log = open(os.path.join(work, "server.log"), "a")
    if name in SERVERS:
        argv = ["/usr/bin/python3", "-c", SERVERS[name], str(port), cert, key]
    elif name.startswith("gunicorn"):
        with open(os.path.join(work, "gapp.py"), "w") as f:
            f.write(APP)
        argv = [*GUNICORN, "--bind", f"127.0.0.1:{port}", "--chdir", work]
        argv += ["--certfile", cert, "--keyfile", key] if "tls" in name else []
        argv.append("gapp:app")
    else:  # waitress behind stunnel: stunnel on port, waitress on a second port
        back = free_port()
        procs = [start("waitress", back, cert, key, work)[0]]
        conf = os.path.join(work, "stunnel.conf")
        with open(conf, "w") as f:
            f.write(f"foreground = yes\npid =\n[web]\naccept = 127.0.0.1:{port}\n"
                    f"connect = 127.0.0.1:{back}\ncert = {cert}\nkey = {key}\n")
        procs.append(subprocess.Popen(["stunnel4", conf], stdout=log, stderr=log))
        wait_port(port)
        return procs
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log, cwd=ROOT)
    wait_port(port)
    return [proc]


def one_request(url, timeout):
    """Return seconds for one fresh GET from 127.0.0.2, another client (None when it failed)."""
    import http.client
    import urllib.parse
    u = urllib.parse.urlsplit(url)
    src = ("127.0.0.2", 0)
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, source_address=src,
                                           context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=src)
    t = time.monotonic()
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
        return time.monotonic() - t
    except OSError:
        return None
    finally:
        conn.close()


def idle_flood(port, url, count, timeout=15):
    """Open count silent connections, then time one fresh request; close them after."""
    idle = []
    try:
        for _ in range(count):
            try:
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        return one_request(url, timeout)
    finally:
        for s in idle:
            s.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--idle", type=int, default=300)
    ap.add_argument("--only", nargs="*", help="servers to run (default: all)")
    args = ap.parse_args(argv)
    names = args.only or ["waitress", "cheroot", "gunicorn", "cheroot+tls", "gunicorn+tls",
             "waitress+stunnel (tls)", "spanflow waitress (per-client cap)",
             "spanflow cheroot+tls (lazy handshake, cap)"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="spanflow-bench-server-") as work:
        cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        for name in names:
            port = free_port()
            scheme = "https" if "tls" in name else "http"
            url = f"{scheme}://127.0.0.1:{port}/"
            procs = start(name, port, cert, key, work)
            try:
                out = subprocess.run(["wrk", "-t", "2", "-c", "50", "-d", f"{args.seconds}s",
                                      "--latency", url], capture_output=True, text=True).stdout
                row = {"server": name, **parse_wrk(out)}
                row["after_idle_s"] = idle_flood(port, url, args.idle)
                rows.append(row)
            finally:
                for p in reversed(procs):
                    p.terminate()
                    p.wait(10)
    base = rows[0]
    print(f"wrk 50 connections {args.seconds} s; then {args.idle} idle connections and one "
          "fresh request (s, or 'refused' past 15 s)")
    print(f"{'server':<40}{'req/s':>8}{'p99 ms':>9}{'p99 x waitress':>16}{'after idle':>12}")
    for r in rows:
        idle = "refused" if r["after_idle_s"] is None else f"{r['after_idle_s']:.2f}"
        print(f"{r['server']:<40}{r['rps']:>8.0f}{r.get('p99', 0):>9.1f}"
              f"{r.get('p99', 0) / max(base.get('p99', 0), 1e-3):>16.2f}{idle:>12}")
    print("FIGURES " + json.dumps({"web_server": rows}))


if __name__ == "__main__":
    sys.exit(main())
