"""kill -9 of softflowd, of nfcapd and of `spanflow run` itself while traffic flows.

Each test runs `spanflow run` in its own namespaces (the integration tier's Sensor) with a
steady stream of one-packet flows. Afterwards: the killed process was restarted, every flow
stored is exact, the only flows missing were sent while the killed process held them in memory
or was down, and the RRD series equal nfdump over the same files (no interval counted twice).
Only PIDs read from our own run's status snapshot are killed.
"""

import os
import signal
import time

import pytest

from appliance.query import flows
from faults import capture, store, traffic
from integration.test_run import sensor  # noqa: F401  (the fixture: spanflow run in a netns)
from support.wait import wait_until

pytestmark = pytest.mark.root

# test_run's config: udp timeout 2 s, expiry interval 1 s, rotation 2 s. A flow sent this long
# before a kill had surely left the killed process's memory (softflowd's table or nfcapd's
# unwritten block).
HELD = 6
# How long after the restart shows in the snapshot the new process may still not capture or
# listen. Measured on the loaded 2-core box (Dec 2, 3 kills): the last loss came 0.42 to 0.01 s
# BEFORE the restart was seen, as the snapshot lags the spawn by up to its 1 s period; 1 s was
# the margin before. Three times that period plus an exec on a loaded box: 3 s.
CAPTURE_START = 3
RATE = 100  # flows per second


def stored(paths):
    """Return {sport: (packets, bytes)} of the stream's flows stored so far."""
    out = {}
    for row in flows.search(paths, traffic.FILTER, limit=100000).rows:
        assert row["first"] <= row["last"]
        n, b = out.get(row["sport"], (0, 0))
        out[row["sport"]] = (n + row["packets"], b + row["bytes"])
    return out


def more_stored(paths, than, what):
    wait_until(lambda: len(stored(paths)) >= than, 40, interval=0.5, what=what)


def pid_gone(pid):
    return not os.path.exists(f"/proc/{pid}")


def finish(s, stream, down, up, since=None):
    """Stop the stream once its last flow is stored; check exactness and where the loss lies."""
    sent = stream.finish()
    wait_until(lambda: sent[-1][0] in stored(s.paths), 30, interval=0.5, what="the last flow")
    assert s.stop() == 0, s.output()
    got = stored(s.paths)
    assert set(got) <= {p for p, _ in sent}
    assert set(got.values()) == {(1, traffic.IP_BYTES)}  # nothing doubled, nothing merged
    lost = [(p, t) for p, t in sent if p not in got]
    late = max((t - up for _, t in lost), default=None)
    print(f"\nlast flow lost {late if late is None else round(late, 2)} s after the restart was seen")
    outside = [(p, t) for p, t in lost if not down - HELD <= t <= up + CAPTURE_START]
    assert not outside, \
        f"flows lost outside the kill window {down - HELD:.1f}..{up + CAPTURE_START:.1f}"
    # ingest over the same files: each RRD interval once, equal to nfdump
    cfg, paths = s.cfg, s.paths
    store.ingest_all(cfg, paths)
    files = [os.path.join(paths.flows, n) for n in sorted(os.listdir(paths.flows))
             if store.CLOSED.match(n)]
    since = int(sent[0][1]) - 60 if since is None else since
    assert store.rrd_totals(cfg, paths, since, int(time.time()) + 60) \
        == store.nfdump_totals(files)
    store.intact(paths)
    return sent, lost


@pytest.mark.parametrize("component", ["probe", "collector"])
def test_killed_child_is_restarted_and_loses_only_what_it_held(sensor, injector_ns,  # noqa: F811
                                                               mirror_link, component):
    s = sensor()
    s.cfg = store.load([s.config])
    stream = traffic.Stream(injector_ns, mirror_link.feed, RATE)
    try:
        more_stored(s.paths, 3 * RATE, "flows stored before the kill")
        victim = s.status()[component]["pid"]
        down = time.time()
        os.kill(victim, signal.SIGKILL)  # our own run's child, by the PID its snapshot shows
        st = wait_until(lambda: (lambda c: c.get("restarts") == 1 and c.get("state") == "running"
                                 and c)(s.status().get(component, {})), 20,
                        what=f"{component} restart")
        up = time.time()
        assert st["pid"] != victim and st["last_exit"]["signal"] == "SIGKILL"
        more_stored(s.paths, len(stored(s.paths)) + 3 * RATE, "flows stored after the restart")
        sent, lost = finish(s, stream, down, up)
    finally:
        stream.close()
    # figures for docs/reliability.md (pytest -s shows them)
    print(f"\nkill -9 {component}: sent {len(sent)}, lost {len(lost)}, down {up - down:.1f} s, "
          f"snapshot last_exit {st['last_exit']}")
    assert len(lost) <= (up - down + HELD + 1) * RATE
    if component == "probe":  # softflowd's table at its last reading is the loss shown
        assert st["last_exit"]["held"] > 0 and st["lost_in_crashes"] == st["last_exit"]["held"]


def test_killed_spanflow_run_leaves_nothing_behind_and_starts_again(sensor, injector_ns,  # noqa: F811
                                                                    mirror_link):
    first = sensor()
    first.cfg = store.load([first.config])
    stream = traffic.Stream(injector_ns, mirror_link.feed, RATE)
    try:
        more_stored(first.paths, 3 * RATE, "flows stored before the kill")
        children = [first.status()[c]["pid"] for c in ("probe", "collector")]
        down = time.time()
        first.proc.send_signal(signal.SIGKILL)  # `ip netns exec` execs: this is spanflow run
        first.proc.wait(10)
        wait_until(lambda: all(pid_gone(p) for p in children), 10,
                   what="children to die with spanflow run")
        second = sensor()
        second.cfg = first.cfg
        up = time.time()
        more_stored(second.paths, len(stored(second.paths)) + 3 * RATE,
                    "flows stored after the restart")
        finish(second, stream, down, up)
    finally:
        stream.close()


def test_run_after_a_30_minute_outage_catches_up_while_traffic_flows(sensor, injector_ns,  # noqa: F811
                                                                      mirror_link, tmp_path):
    # the outage's backlog: real flow files, one a minute over the 30 minutes before the start
    source = capture.flow_file(str(tmp_path / "made"), flows=200)
    names = capture.backlog(source, str(tmp_path / "data" / "flows"), 30, rotate=60)
    s = sensor()
    s.cfg = store.load([s.config])
    assert s.paths.flows == str(tmp_path / "data" / "flows")
    stream = traffic.Stream(injector_ns, mirror_link.feed, RATE)
    try:
        more_stored(s.paths, 2 * RATE, "live flows stored")
        st = wait_until(lambda: (lambda i: i.get("files_done", 0) > 30 and i.get("pending") == 0
                                 and i)(s.status().get("ingest", {})), 120, interval=0.5,
                        what="ingest to catch up the backlog and the live files")
        assert st["quarantined"] == 0 and st["lag_seconds"] < 30
        up = time.time()
        finish(s, stream, up, up, since=int(capture.file_start(names[0]).timestamp()) - 120)
    finally:
        stream.close()
