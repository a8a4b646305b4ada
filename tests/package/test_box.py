"""The shipped box as installed: the .deb in a booted Debian 12, traffic on its mirror NIC.

`apt install ./spanflow_*.deb` into a fresh Debian 12 system running systemd (box.py), the mirror
NIC moved in, only spanflow.d/local.toml written as README.md says, `systemctl start spanflow`:
the shipped configuration and rules unchanged, 60 s rotation. Hosts behind a switch with a SPAN
port (box_span.py) make the traffic; tcpdump on the client is the truth. Runs as root (marker
deb); the first run builds the rootfs with mmdebstrap (Debian's registry), later runs reuse it.
"""

import json
import shlex
import time
import urllib.parse

import pytest

import box as boxes
import box_span
from support import tools

pytestmark = pytest.mark.deb

ROTATE = 60  # the shipped collector.rotate: asserted below, every bound here is in rotations
README_LOCAL = r"""printf '[mirror]\ninterface = "eth1"\n' | install -m 0640 -g spanflow /dev/stdin /etc/spanflow/spanflow.d/local.toml"""
STREAM_PORT = 80  # the shipped [ingest.services] http: the stream has its own graph
STREAM_SECONDS = 4 * ROTATE + 30


@pytest.fixture(scope="module")
def installed(build, tmp_path_factory):
    """Boot a fresh Debian 12, install the package as README.md says, start the sensor."""
    tools.require("mmdebstrap", package="mmdebstrap")
    tools.require("systemd-nspawn", "nsenter", package="systemd-container util-linux")
    tools.require("tcpdump", package="tcpdump")
    tools.require("/usr/sbin/inetutils-inetd", package="inetutils-inetd")
    tools.require("/usr/sbin/telnetd", "telnet", package="inetutils-telnetd inetutils-telnet")
    deb = build.debs["spanflow"]
    tar = boxes.rootfs_tar(boxes.depends(deb))
    work = tmp_path_factory.mktemp("box")
    box = boxes.Box(tar, str(work / "rootfs"), str(work / "nspawn.log"))
    span = None
    try:
        inside = box.copy_in(deb)
        got = box.sh(f"cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y ./{shlex.quote(inside.split('/')[-1])}",
                     timeout=600)
        assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
        span = box_span.Span(box.pid)
        box.sh(README_LOCAL, check=True)
        check = box.run("spanflow", "check-config")
        assert check.returncode == 0 and check.stdout.startswith("OK ("), check.stdout + check.stderr
        box.run("systemctl", "start", "spanflow", check=True)
        boxes.wait_for(box, probe_running, 120, "spanflow.service to run the probe")
        yield box, span, work
    finally:
        if span is not None:
            span.close()
        box.stop()


def status(box):
    got = box.run("spanflow", "status", "--json")
    return json.loads(got.stdout) if got.returncode == 0 else {}


def probe_running(box):
    return status(box).get("probe", {}).get("state") == "running"


def api(box, path):
    """GET the box's own page (spanflow-web, 127.0.0.1:8080 inside); return the decoded JSON."""
    got = box.run("/usr/bin/python3", "-c", "import sys, urllib.request\n"
                  "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())",
                  f"http://127.0.0.1:8080{path}")
    assert got.returncode == 0, got.stderr[-2000:]
    return got.stdout


def searched(box, flt, since):
    """Return the flows `spanflow flows` finds inside the box (list of dicts)."""
    got = box.run("spanflow", "flows", flt, "--since", since, "--format", "json")
    assert got.returncode == 0, got.stdout + got.stderr
    return json.loads(got.stdout)["flows"]


def graph_bytes(box, service, start, end):
    """Return {minute start epoch: bytes} of a service's graph, read from the page's /api/series."""
    q = urllib.parse.urlencode({"start": time.strftime("%Y-%m-%d %H:%M", time.gmtime(start)),
                                "end": time.strftime("%Y-%m-%d %H:%M", time.gmtime(end))})
    data = json.loads(api(box, f"/api/series/service/bits?{q}"))["series"]
    col = 1 + data["names"].index(service)
    out = {}
    for row in data["rows"]:
        if row[col] is not None:  # a row's time is the end of its step; bits/s over the step
            out[int(row[0]) - data["step"]] = row[col] * data["step"] / 8
    return out


def by_minute(packets, field):
    """Sum truth per minute: field 'bytes' (IP bytes) or 'packets'."""
    out = {}
    for t, *_rest, size in packets:
        minute = int(t) // 60 * 60
        out[minute] = out.get(minute, 0) + (size if field == "bytes" else 1)
    return out


def cumulative(series, until):
    return sum(v for t, v in series.items() if t < until)


def per_direction(packets):
    """Return {(src, sport, dst, dport): [packets, bytes]} of the truth."""
    out = {}
    for _t, src, dst, sport, dport, size in packets:
        row = out.setdefault((src, sport, dst, dport), [0, 0])
        row[0] += 1
        row[1] += size
    return out


def stored_per_direction(rows):
    out = {}
    for r in rows:
        row = out.setdefault((r["src"], int(r["sport"]), r["dst"], int(r["dport"])), [0, 0])
        row[0] += int(r["packets"])
        row[1] += int(r["bytes"])
    return out


def test_shipped_rotation_is_the_one_the_bounds_use(installed):
    box, _span, _work = installed
    cfg = json.loads(box.run("spanflow", "dump-config", "--json", check=True).stdout)
    assert cfg["collector"]["rotate"] == ROTATE and cfg["mirror"]["interface"] == "eth1"
    assert box.run("ls", "/etc/spanflow/spanflow.d").stdout.split() == ["local.toml"]


def test_long_stream_is_searchable_and_graphed_while_it_runs_and_exact_at_the_end(installed):
    box, span, work = installed
    flt = f"proto tcp and port {STREAM_PORT}"
    capture = box_span.Capture(span.client, STREAM_PORT, str(work / "stream.pcap"))
    stream = box_span.Stream(span, STREAM_PORT, STREAM_SECONDS)
    seen = []  # (when, bytes searchable, bytes in the graph) while the stream runs
    try:
        while stream.running():
            now = time.time()
            rows = searched(box, flt, "1h")
            graph = graph_bytes(box, "http", stream.started - 120, now + 120)
            seen.append((now, sum(int(r["bytes"]) for r in rows), sum(graph.values())))
            boxes.wait_until_or(lambda: not stream.running(), 20)
        ended = stream.wait(60)
    finally:
        stream.stop()
    truth = capture.stop()
    assert truth and truth[-1][0] - truth[0][0] >= 4 * ROTATE, "the stream did not last 4 rotations"
    total = (len(truth), sum(p[-1] for p in truth))

    def complete(_box):
        rows = searched(box, flt, "1h")
        return rows if (sum(int(r["packets"]) for r in rows), sum(int(r["bytes"]) for r in rows)) \
            == total else None
    # the end: out of the probe by maxlife + expint, stored at the next rotation, then ingested
    rows = boxes.wait_for(box, complete, 2 * ROTATE + 30, "the whole stream in `spanflow flows`")
    assert stored_per_direction(rows) == per_direction(truth)

    # while it ran: everything older than two rotations was searchable, older than three in the
    # graph (a minute is graphed once the next file closed it: bins.HOLD)
    late = [(t, b, g) for t, b, g in seen if t - stream.started >= 3 * ROTATE + 30]
    assert late, seen
    sent = by_minute(truth, "bytes")
    for t, searchable, graphed in late:
        older = sum(p[-1] for p in truth if p[0] < t - 2 * ROTATE - 15)
        assert searchable >= older > 0, (t - stream.started, searchable, older)
        oldest = sum(p[-1] for p in truth if p[0] < t - 3 * ROTATE - 15)
        assert graphed >= oldest > 0, (t - stream.started, graphed, oldest)

    # each minute of the graph within one interval of when its bytes were sent, total exact
    def graph_done(_box):
        g = graph_bytes(box, "http", stream.started - 120, ended + 3 * ROTATE)
        return g if abs(sum(g.values()) - total[1]) < 1 else None
    graph = boxes.wait_for(box, graph_done, 2 * ROTATE + 30, "the stream's total in the graph")
    # a record's bytes are spread over its first..last seen (trends/bins.py): a minute's bytes
    # are graphed in it, or one minute late when their record was exported after it was written
    for minute in sorted(set(graph) | set(sent)):
        assert cumulative(sent, minute - ROTATE) - 1 <= cumulative(graph, minute), (minute, graph, sent)
        assert cumulative(graph, minute) <= cumulative(sent, minute + ROTATE) + 1, (minute, graph, sent)


# (b) A telnet session typed with the real client to inetutils-telnetd behind the switch.
def test_telnet_session_alerts_within_two_rotations_at_its_own_times_with_its_flows(installed):
    box, span, work = installed
    server = box_span.Telnetd(span, str(work))
    capture = box_span.Capture(span.client, 23, str(work / "telnet.pcap"))
    # the session (about 5 s, exported 10 s after its FINs) in one flow file: a piece exported
    # into the next file is too short for the rule (4 packets each way) and never joins the alert
    boxes.wait_until_or(lambda: 2 <= time.time() % ROTATE <= 30, ROTATE)
    try:
        _began, ended, out = box_span.telnet_session(
            span, ["admin", "secret", "show running-config", "exit"])
    finally:
        truth = capture.stop()
        server.stop()
    assert "Welcome admin" in out, out
    packets, size = len(truth), sum(p[-1] for p in truth)
    key = f"{box_span.CLIENT}>{box_span.SERVER}:telnet"

    def whole_alert(_box):
        hits = [a for a in json.loads(api(box, "/api/alerts"))
                if a["rule"] == "cleartext" and a["key"] == key]
        return hits[0] if hits and hits[0]["packets"] == packets else None
    # out of the probe by tcp_fin + expint (10 s), in the next rotation's file, then detected
    alert = boxes.wait_for(box, whole_alert, 2 * ROTATE, "the telnet alert with every packet")
    assert alert["raised_at"] - ended <= 2 * ROTATE
    # its times are the session's first and last packets (box and hosts share one clock)
    assert abs(alert["first_seen"] - truth[0][0]) <= 1 and abs(alert["last_seen"] - truth[-1][0]) <= 1
    assert alert["bytes"] == size
    # the page's evidence link shows exactly the session's flows
    page = api(box, f"/alerts/{alert['id']}")
    link = page.split('id="alert-flows" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    rows = json.loads(api(box, link.replace("/search?", "/search.json?")))["flows"]
    assert stored_per_direction(rows) == per_direction(truth)


# (c) An imported capture with known per-minute truth (tests/support/timeline.py): `spanflow import`
# inside the installed box, on the box's own config, then `spanflow web --store` serves it.
def test_imported_capture_graphs_and_alerts_on_its_own_minutes(installed):
    from support import timeline
    box, _span, work = installed
    pcap = str(work / "timeline.pcap")
    timeline.write(pcap)
    got = box.run("spanflow", "import", box.copy_in(pcap), "--into", "/root/imported", "--json",
                  timeout=300)
    assert got.returncode == 0, got.stdout[-2000:] + got.stderr[-2000:]
    assert json.loads(got.stdout)["alerts"] == 1
    pid = box.sh("nohup spanflow web --store /root/imported --listen 127.0.0.1:8091 "
                 ">/root/web-store.log 2>&1 & echo $!", check=True).stdout.strip()
    try:
        def page(path):
            got = box.run("/usr/bin/python3", "-c", "import sys, urllib.request\n"
                          "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30)"
                          ".read().decode())", f"http://127.0.0.1:8091{path}")
            return json.loads(got.stdout) if got.returncode == 0 else None
        series = boxes.wait_for(box, lambda _b: page("/api/series/total/packets?period=1h"), 60,
                                "spanflow web --store to answer")["series"]
        alerts = page("/api/alerts")
    finally:
        box.run("kill", pid)
    step, truth = series["step"], timeline.per_minute()
    graphed = {t - step: round(v * step) for t, v in series["rows"] if v is not None}
    for minute in range(len(timeline.PER_MINUTE)):
        m = timeline.T0 + 60 * minute
        assert graphed.get(m) == truth.get(m, (0, 0))[0], (minute, graphed, truth)
    (alert,) = [a for a in alerts if a["rule"] == "cleartext"]
    minute = timeline.T0 + 60 * timeline.TELNET_MINUTE
    began, ended = (minute + s for s in timeline.TELNET_SPAN)
    assert minute <= alert["first_seen"] <= int(began) and ended <= alert["last_seen"] <= minute + 60
