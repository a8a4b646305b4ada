"""`spanflow import` a capture into its own store: search, graphs, top lists and alerts (no root).

The timeline capture (tests/support/timeline.py) has known packets and bytes per minute and a
telnet session in a known minute: the graphs and the alert must show exactly those.
"""

import json
import math
import os
import pty
import re
import subprocess
import sys
import urllib.request

import pytest

from appliance import config
from appliance.cli.main import main
from appliance.imports import store as import_store
from appliance.query import nfdump
from support import timeline, tools
from support.wait import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "configs", "spanflow.toml")
pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    into = str(tmp_path_factory.mktemp("import") / "store")
    pcap = os.path.join(ROOT, "tests", "fixtures", "nfdump", "small.pcap")
    assert main(["import", "--config", CONFIG, pcap, "--into", into]) == 0
    return into


def flows(capsys, *args):
    capsys.readouterr()
    code = main(["flows", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_imported_flows_are_searchable_as_json(store, capsys):
    code, out, _ = flows(capsys, "--store", store, "--format", "json", "proto tcp and port 22")
    assert code == 0
    doc = json.loads(out)
    got = {(r["src"], r["sport"], r["dst"], r["dport"], r["packets"], r["bytes"]) for r in doc["flows"]}
    assert got == {("10.0.0.1", 40000, "10.0.0.2", 22, 2, 180), ("10.0.0.2", 22, "10.0.0.1", 40000, 1, 40)}
    assert doc["flows"][0]["first"].endswith("Z") and doc["truncated"] is False


def test_icmpv6_type_survives_import(store, capsys):
    code, out, _ = flows(capsys, "--store", store, "--format", "json", "proto icmp6")
    (row,) = json.loads(out)["flows"]
    assert (row["icmp_type"], row["icmp_code"], row["src"]) == (128, 0, "fd00::1")


def test_bad_filter_prints_nfdumps_reason(store, capsys):
    code, _, err = flows(capsys, "--store", store, "port 22 and")
    assert code == 2 and "syntax error" in err


def test_csv_limit_and_truncation_note(store, capsys):
    code, out, err = flows(capsys, "--store", store, "--format", "csv", "--limit", "2")
    assert code == 0 and len(out.strip().splitlines()) == 3 and "first 2 flows" in err


def test_not_a_store_is_refused(tmp_path, capsys):
    code, _, err = flows(capsys, "--store", str(tmp_path))
    assert code == 1 and "not an import store" in err


def test_top_ports_as_json(store, capsys):
    code, out, _ = flows(capsys, "--store", store, "--top", "dstport", "--format", "json")
    top = json.loads(out)
    assert code == 0 and (top[0]["value"], top[0]["bytes"], top[0]["packets"]) == ("22", 180, 2)


def test_configured_store_is_searched_without_store_option(store, tmp_path, capsys):
    cfg = tmp_path / "local.toml"
    cfg.write_text(f'[storage]\ndir = "{store}"\nruntime_dir = "{tmp_path}/run"\n')
    code, out, _ = flows(capsys, "--config", CONFIG, "--config", str(cfg), "--format", "json",
                         "--since", "2023-11-14T22:13:21", "--until", "2023-11-14T22:13:22")
    assert code == 0
    assert {r["proto"] for r in json.loads(out)["flows"]} == {1, 17, 58}


def test_collector_loss_fails_the_import(tmp_path, capsys):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import offline_capture
    pcap = str(tmp_path / "burst.pcap")
    offline_capture.write(pcap, seed=3, conversations=20000, span=30.0)  # a 37 k record burst
    small = tmp_path / "small-buffer.toml"
    small.write_text('[collector]\nreceive_buffer = "4K"\n')  # a few datagrams: most of the burst is lost
    code = main(["import", "--config", CONFIG, "--config", str(small), pcap,
                 "--into", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 1 and "flow records softflowd exported" in err and "receive_buffer" in err


# ---- the whole pipeline on the capture's own timeline ------------------------------------------

def run_import(capsys, *args):
    capsys.readouterr()
    code = main(["import", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def no_etc(monkeypatch, tmp_path):
    """A box without /etc/spanflow: the import runs on the shipped defaults, no --config."""
    monkeypatch.setattr(config, "DEFAULT_PATHS", (str(tmp_path / "absent" / "spanflow.toml"),
                                                  str(tmp_path / "absent" / "spanflow.d")))


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("timeline") / "timeline.pcap")
    timeline.write(path)
    return path


@pytest.fixture
def imported(capture, tmp_path, capsys, no_etc):
    into = str(tmp_path / "store")
    code, out, err = run_import(capsys, capture, "--into", into)
    assert code == 0, err
    return into, out


def stored_flows(into):
    out = nfdump.run(["-R", os.path.join(into, "flows"), "-I"], 60)
    return sum(int(line.split()[1]) for line in out.splitlines() if line.startswith("Flows: "))


def web_client(into):
    from appliance.web.app import create_app
    cfg, paths, end = import_store.view(into)
    return create_app(cfg, paths, {"CLOCK": lambda: end, "TESTING": True}).test_client()


def graph_minutes(client, metric):
    """Return {minute start: count} of the total series (rate x step) from the page's API."""
    doc = client.get(f"/api/series/total/{metric}?period=1h").get_json()["series"]
    step = doc["step"]
    # a row stamped t covers the step before it
    return {t - step: round(v * step / (8 if metric == "bits" else 1)) for t, v in doc["rows"]
            if v is not None}


def test_graph_shows_each_minute_of_the_capture_exactly(imported):
    into, out = imported
    truth = timeline.per_minute()
    client = web_client(into)
    packets, octets = graph_minutes(client, "packets"), graph_minutes(client, "bits")
    for minute in range(len(timeline.PER_MINUTE)):
        m = timeline.T0 + 60 * minute
        assert (packets.get(m), octets.get(m)) == truth.get(m, (0, 0)), minute
    assert "6 file(s)" not in out and "5 file(s)" in out  # the silent minute has no file


def test_pcapng_with_nanoseconds_gives_the_same_minutes(tmp_path, capsys, no_etc):
    path = str(tmp_path / "timeline.pcapng")
    timeline.write_pcapng(path, nanoseconds=True)
    into = str(tmp_path / "store")
    code, _, err = run_import(capsys, path, "--into", into)
    assert code == 0, err
    truth = timeline.per_minute()
    assert graph_minutes(web_client(into), "packets") == {
        timeline.T0 + 60 * m: truth.get(timeline.T0 + 60 * m, (0, 0))[0]
        for m in range(len(timeline.PER_MINUTE))}


def test_telnet_alert_has_the_sessions_times_and_its_flows(imported):
    into, out = imported
    alerts = web_client(into).get("/api/alerts").get_json()
    (alert,) = [a for a in alerts if a["rule"] == "cleartext"]
    client, _, server, _ = timeline.TELNET
    assert alert["key"] == f"{client}>{server}:telnet"
    minute = timeline.T0 + 60 * timeline.TELNET_MINUTE
    began, ended = (minute + s for s in timeline.TELNET_SPAN)
    # the alert's times are the session's first and last packets, to the second
    assert (alert["first_seen"], alert["last_seen"]) == (math.floor(began), math.ceil(ended))
    assert "1 alert(s)" in out
    # its evidence link searches exactly the session's flows
    page = web_client(into).get(f"/alerts/{alert['id']}").get_data(as_text=True)
    link = re.search(r'id="alert-flows" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    found = web_client(into).get(link.replace("/search?", "/search.json?")).get_json()
    assert sum(r["packets"] for r in found["flows"]) == alert["packets"] == 12


def test_top_list_and_search_read_the_store(imported, capsys):
    into, _ = imported
    top = web_client(into).get("/api/top?kind=hosts&period=1h").get_json()["rows"]
    assert top and top[0]["host"] == "10.2.0.1"
    code, out, _ = flows(capsys, "--store", into, "--format", "json", "proto tcp and port 23")
    rows = json.loads(out)["flows"]
    assert code == 0 and sum(r["packets"] for r in rows) == 12


def test_flow_crossing_a_minute_is_counted_in_both(imported, capsys):
    into, _ = imported
    c, cp, s, sp = timeline.CROSSING
    code, out, _ = flows(capsys, "--store", into, "--format", "json",
                         f"src ip {c} and src port {cp}")
    rows = sorted(json.loads(out)["flows"], key=lambda r: r["first"])
    assert [r["packets"] for r in rows] == [5, 5]  # 4:50..4:58.4 and 5:00.5..5:08.9


def test_importing_the_same_capture_again_changes_nothing(imported, capture, capsys, no_etc):
    into, _ = imported
    before = stored_flows(into), sorted(os.listdir(os.path.join(into, "flows")))
    alerts = len(web_client(into).get("/api/alerts").get_json())
    code, out, _ = run_import(capsys, capture, "--into", into)
    assert code == 0 and "already in" in out and "nothing changed" in out
    assert (stored_flows(into), sorted(os.listdir(os.path.join(into, "flows")))) == before
    assert len(web_client(into).get("/api/alerts").get_json()) == alerts
    # the same bytes under another name are the same capture
    copy = os.path.join(os.path.dirname(into), "copy.pcap")
    with open(capture, "rb") as src, open(copy, "wb") as dst:
        dst.write(src.read())
    code, out, _ = run_import(capsys, copy, "--into", into)
    assert code == 0 and "already in" in out and stored_flows(into) == before[0]


def test_second_capture_adds_to_the_same_minutes(imported, tmp_path, capsys, no_etc):
    into, _ = imported
    extra = [(timeline.T0 + 30.5, timeline.udp("10.9.0.1", 1234, "10.9.0.2", 4321, 200))]
    other = str(tmp_path / "other.pcap")
    timeline.write(other, extra)
    code, out, err = run_import(capsys, other, "--into", into)
    assert code == 0, err
    truth = timeline.per_minute()
    p, b = truth[timeline.T0]
    minutes = graph_minutes(web_client(into), "packets")
    assert minutes[timeline.T0] == p + 1 and minutes[timeline.T0 + 60] == truth[timeline.T0 + 60][0]
    assert len(web_client(into).get("/api/alerts").get_json()) == 1  # rebuilt, not doubled


def test_truncated_capture_keeps_what_was_read(capture, tmp_path, capsys, no_etc):
    frames = timeline.packets()
    ends = timeline.write(str(tmp_path / "full.pcap"))
    cut = [i for i, (t, _) in enumerate(frames) if t >= timeline.T0 + 4 * 60 + 20][0]
    with open(capture, "rb") as f:
        data = f.read(ends[cut - 1] + 9)  # 9 bytes into the next packet's header
    short = str(tmp_path / "short.pcap")
    with open(short, "wb") as f:
        f.write(data)
    into = str(tmp_path / "store")
    code, out, err = run_import(capsys, short, "--into", into)
    assert code == 1
    assert f"{short} is damaged at byte {ends[cut - 1]}" in err and "truncated" in err
    assert f"the {cut} packets before it are imported" in err
    truth = timeline.per_minute(frames[:cut])
    minutes = graph_minutes(web_client(into), "packets")
    assert {m: minutes[m] for m in truth} == {m: v[0] for m, v in truth.items()}


def test_not_a_capture_is_refused_and_nothing_is_made(tmp_path, capsys, no_etc):
    bad = tmp_path / "notes.pcap"
    bad.write_text("these are not packets, just some text long enough for a header\n")
    into = tmp_path / "store"
    code, _, err = run_import(capsys, str(bad), "--into", str(into))
    assert code == 1 and "is not a pcap or pcapng capture" in err
    assert not (into / "flows").exists() or not os.listdir(into / "flows")


def test_web_store_serves_the_capture_without_config(imported):
    into, _ = imported
    proc = subprocess.Popen(["/usr/bin/python3", "-m", "appliance", "web", "--store", into,
                             "--listen", "127.0.0.1:0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        url = re.search(r"serving on (http://\S+)/", proc.stdout.readline()).group(1)

        def series():
            try:
                with urllib.request.urlopen(url + "/api/series/total/packets", timeout=5) as r:
                    return json.load(r)["series"]
            except OSError:
                return None
        doc = wait_until(series, 20, what="spanflow web --store to answer")
        step = doc["step"]
        got = {t - step: round(v * step) for t, v in doc["rows"] if v is not None}
        assert got[timeline.T0 + 60] == timeline.PER_MINUTE[1]
    finally:
        proc.terminate()  # our own child
        proc.wait(timeout=20)
        proc.stdout.close()


def test_progress_only_on_a_terminal(capture, tmp_path):
    # a long capture: a packet a minute for 150 minutes, 150 slices. Slicing costs 30-70 ms a slice
    # here, so the import runs 4.5-10 s, past the line's 2 s delay; 30 slices drew nothing
    # on a quick CI machine.
    frames = [(timeline.T0 + 60 * k, timeline.udp("10.3.0.1", 3000 + k % 7, "10.3.0.2", 53, 60))
              for k in range(150)]
    slow = str(tmp_path / "slow.pcap")
    timeline.write(slow, frames)
    argv = ["/usr/bin/python3", "-m", "appliance", "import", slow]
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(argv + ["--into", str(tmp_path / "tty")], cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=120) == 0
    finally:
        os.close(leader)
    text = seen.decode()
    assert re.search(r"\r[\d,]+ packets +[\d.]+% +[\d,]+ packets/s +ETA \d+:\d\d:\d\d", text), text
    piped = subprocess.run(argv + ["--into", str(tmp_path / "pipe")], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "packets/s" not in piped.stdout + piped.stderr


@pytest.mark.root
def test_import_puts_rmem_max_back_as_it_found_it(tmp_path):
    # an import as root raises the global sysctl for its collector; left raised it changed later
    # tests' results (issue 15). Set a low value here and put the machine's back after.
    path = "/proc/sys/net/core/rmem_max"
    with open(path) as f:
        machine = f.read().strip()
    try:
        with open(path, "w") as f:
            f.write("212992\n")
        pcap = os.path.join(ROOT, "tests", "fixtures", "nfdump", "small.pcap")
        assert main(["import", "--config", CONFIG, pcap, "--into", str(tmp_path / "s")]) == 0
        with open(path) as f:
            assert f.read().strip() == "212992"
    finally:
        with open(path, "w") as f:
            f.write(machine + "\n")


@pytest.mark.parametrize("name, rule, key", [
    ("telnet", "cleartext", "10.66.0.10>10.66.0.20:telnet"),
    ("nmap_syn", "port_scan", "10.66.0.10>10.66.0.20"),
    ("hydra_ssh", "ssh_guessing", "10.66.0.10>10.66.0.20"),
    ("iodine", "dns_tunnel", "10.66.0.10"),
])
def test_real_tools_captures_raise_their_alert(name, rule, key, tmp_path, capsys, no_etc):
    # what real tools put on the wire (tests/fixtures/attacks), imported on the shipped defaults
    from support import attacks
    pcap = attacks.unpack(name, str(tmp_path))
    into = str(tmp_path / "store")
    code, out, err = run_import(capsys, pcap, "--into", into)
    assert code == 0, err
    alerts = web_client(into).get("/api/alerts").get_json()
    assert [(a["rule"], a["key"]) for a in alerts] == [(rule, key)] and "1 alert(s)" in out


def test_the_store_record_keeps_no_secret_of_the_config():
    import dataclasses

    from appliance.config.schema import Config
    from appliance.imports import store
    cfg = Config()
    cfg = dataclasses.replace(cfg, fleet=dataclasses.replace(cfg.fleet, password="s3cret"),
                              web=dataclasses.replace(cfg.web, password_hash="pbkdf2:x$y$z"))
    text = json.dumps(store.new_record(cfg))
    assert "s3cret" not in text and "pbkdf2" not in text
