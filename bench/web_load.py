"""Web load: wrk, 50 connections, on the dashboard and the API of a running `spanflow web`.

Usage: /usr/bin/python3 bench/web_load.py [--seconds 30] [--flows 20000]
The store is real (softflowd -r into nfcapd, then the ingest worker). The bare tool is waitress
itself (same threads) serving a constant page: the ratio is what spanflow's pages cost. The last
line is `FIGURES {json}` for bench/report.py. Targets (issue 7): zero errors; p99 recorded.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from appliance.config.schema import Config  # noqa: E402
from faults import capture, store  # noqa: E402
from support import flowstore  # noqa: E402
from web import server  # noqa: E402

PATHS = ("/", "/api/status")
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# The bare baseline: waitress with a constant 2 KiB page, as many threads as `spanflow web`.
BARE = """
import sys, waitress
body = b"x" * 2048
def app(environ, start):
    start("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]
s = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
print(f"serving on http://127.0.0.1:{s.effective_port}/", flush=True)
s.run()
"""


def parse_wrk(out):
    """Return requests, errors, rps and latency percentiles (ms) from `wrk --latency` output."""
    done = re.search(r"(\d+) requests in", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    pct = {f"p{p}": float(v) * UNIT[u]
           for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    return {"requests": int(done.group(1)) if done else 0,
            "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
            "rps": float(rps.group(1)) if rps else 0.0, **pct}


def wrk(url, seconds, connections=50, timeout=Config().web.query_timeout):
    # wrk's own 2 s timeout counted any slower answer as an error; the page's bound is its
    # query timeout (a loaded 2-core box was seen answering in over 2 s without failing)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
                          "--timeout", f"{timeout}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def start(argv, log):
    """Start a server whose first line names its URL; stderr goes to a file, never a pipe (under
    load waitress warns on every queued request, and a full pipe would stall the server)."""
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    match = re.search(r"serving on (http://\S+)", proc.stdout.readline())
    if not match:
        proc.kill()
        proc.wait()
        raise SystemExit(f"server did not start: {argv}")
    return proc, match.group(1).rstrip("/")


def stop(proc):
    proc.terminate()
    proc.wait(10)
    proc.stdout.close()


def build_store(work, flows):
    _, cfg, paths = store.make(__import__("pathlib").Path(work))
    pcap = os.path.join(work, "load.pcap")
    capture.write_pcap(pcap, flows)
    flowstore.build(pcap, paths.flows, work)
    store.ingest_all(cfg, paths)
    return server.write_config(os.path.join(work, "web.toml"), paths.data)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--flows", type=int, default=20_000)
    args = ap.parse_args(argv)
    figures = {"seconds": args.seconds, "connections": 50, "rows": []}
    with tempfile.TemporaryDirectory(prefix="spanflow-bench-load-") as work:
        config = build_store(work, args.flows)
        log = open(os.path.join(work, "servers.log"), "w")
        web, url = start(server.command(config, "--listen", "127.0.0.1:0"), log)
        bare, bare_url = start(["/usr/bin/python3", "-c", BARE], log)
        try:
            base = wrk(bare_url + "/", args.seconds)
            for path in PATHS:
                ours = wrk(url + path, args.seconds)
                figures["rows"].append({"path": path, "spanflow": ours, "bare": base})
        finally:
            stop(web)
            stop(bare)
            log.close()
    print(f"wrk, 50 connections, {args.seconds} s each; bare = waitress serving a constant page")
    print(f"{'path':<14}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'p99 x bare':>11}")
    for row in figures["rows"]:
        o, b = row["spanflow"], row["bare"]
        print(f"{row['path']:<14}{o['requests']:>10}{o['errors']:>8}{o['rps']:>9.0f}"
              f"{o.get('p50', 0):>9.1f}{o.get('p99', 0):>9.1f}"
              f"{o.get('p99', 0) / max(b.get('p99', 0), 1e-3):>11.2f}")
    b = figures["rows"][0]["bare"]
    print(f"{'bare':<14}{b['requests']:>10}{b['errors']:>8}{b['rps']:>9.0f}{b.get('p50', 0):>9.1f}"
          f"{b.get('p99', 0):>9.1f}{1:>11.2f}")
    print("FIGURES " + json.dumps({"web_load": figures}))
    return 1 if any(r["spanflow"]["errors"] for r in figures["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
