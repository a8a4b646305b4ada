"""100,000 malformed and randomised NetFlow v5/v9/IPFIX datagrams at nfcapd while valid flows
are exported: the collector keeps running and stores every valid flow, exactly.

nfcapd runs with spanflow's own argv on a free loopback port (no root needed). The sender waits
on the socket's receive queue (/proc/net/udp) so that the kernel drops nothing: a missing flow
then means nfcapd lost it, not the socket buffer. The pace follows the buffer the kernel really
granted (net.core.rmem_max caps nfcapd's -B), so the result does not depend on whether an earlier
test or `spanflow run` raised the sysctl (issue 15).
"""

import os
import signal
import socket
import subprocess

import pytest

from appliance.collector.buffer import read_rmem_max
from appliance.collector.command import nfcapd_command
from appliance.config.checks import bytes_of
from appliance.query import flows
from faults import netflow, store
from support.wait import wait_until
from support.flowstore import closed, free_udp_port

GARBAGE = 100_000
VALID_EVERY = 1000  # one valid v5 datagram of 30 flows after every 1000 garbage datagrams
PER_PACKET = 30
TRUESIZE = 4096  # kernel accounting of one datagram of at most ~1.5 KB on loopback, rounded up


def granted_buffer(cfg):
    """Return the receive buffer the kernel gives nfcapd's socket (-B, capped by rmem_max, x2)."""
    return 2 * min(bytes_of(cfg.collector.receive_buffer), read_rmem_max())


def udp_queue(port):
    """Return (rx_queue bytes, drops) of the UDP socket bound to 127.0.0.1:port."""
    want = f"0100007F:{port:04X}"
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want:
                return int(cols[4].split(":")[1], 16), int(cols[-1])
    raise AssertionError(f"no UDP socket on 127.0.0.1:{port}")


@pytest.fixture
def collector(tmp_path):
    port = free_udp_port()
    _, cfg, paths = store.make(tmp_path, collector=f'listen = "127.0.0.1:{port}"')
    os.makedirs(paths.flows, exist_ok=True)
    argv, env = nfcapd_command(cfg, paths)
    log = open(tmp_path / "nfcapd.log", "w+")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: any("current" in n for n in os.listdir(paths.flows)), 10,
                   what="nfcapd to open its current file")
        yield proc, port, paths, log, granted_buffer(cfg)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()


def test_collector_survives_abuse_and_stores_every_valid_flow(collector):
    proc, port, paths, log, capacity = collector
    target = ("127.0.0.1", port)
    # wait for room often enough that a burst between two looks always fits in the buffer; at
    # most 1 MiB queued, so what is left at the end drains in seconds even on a loaded box
    room = min(capacity // 4, 1 << 20)
    every = max(1, room // TRUESIZE)
    valid = netflow.valid_flows(GARBAGE // VALID_EVERY * PER_PACKET)
    bad, good = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    kinds = {}
    with bad, good:
        stream = netflow.garbage(seed=7)
        sequence = 0
        for n in range(GARBAGE):
            datagram = next(stream)
            kinds[datagram[:2]] = kinds.get(datagram[:2], 0) + 1
            bad.sendto(datagram, target)
            if (n + 1) % VALID_EVERY == 0:
                chunk = valid[sequence:sequence + PER_PACKET]
                good.sendto(netflow.v5(chunk, sequence), target)
                sequence += PER_PACKET
                assert proc.poll() is None, "nfcapd died under abuse"
            if (n + 1) % every == 0 or (n + 1) % VALID_EVERY == 0:
                # keep the socket buffer from overflowing: the kernel must drop nothing
                wait_until(lambda: udp_queue(port)[0] < room, 30, interval=0.005,
                           what="nfcapd to drain its socket")
        assert sequence == len(valid)
        # 1 MiB of garbage took over 30 s to drain with the load average at 18 on two cores
        wait_until(lambda: udp_queue(port)[0] == 0, 120, interval=0.05, what="socket drained")
    assert udp_queue(port)[1] == 0, "the kernel dropped datagrams: the count is not nfcapd's"
    assert proc.poll() is None, "nfcapd died under abuse"
    assert sum(kinds.get(v, 0) for v in (b"\x00\x05", b"\x00\x09", b"\x00\x0a")) > GARBAGE // 2
    proc.send_signal(signal.SIGTERM)  # flows become readable when nfcapd closes its file
    assert proc.wait(15) == 0
    assert closed(paths.flows)
    rows = flows.search(paths, "src net 198.18.0.0/16", limit=10 * len(valid)).rows
    stored = sorted((r["src"], r["sport"], r["packets"], r["bytes"]) for r in rows)
    sent = sorted((".".join(map(str, s)), sp, p, b) for s, _, sp, _, _, p, b in valid)
    assert len(stored) == len(sent) == 3000
    assert stored == sent
    log.seek(0)
    assert "rror" in log.read()  # nfcapd saw and reported the garbage; it did not just miss it
