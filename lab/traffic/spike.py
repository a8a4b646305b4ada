"""The volume-spike scenario: a normal trickle to one port of the server, then an hping3 burst."""

import os
import socket
import subprocess
import tomllib

LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SENSOR_TOML = os.path.join(LAB, "configs", "sensor.toml")
RULES_DIR = os.path.join(LAB, "configs", "rules.d")
SPIKE_PORT, SPIKE_PACKETS, SPIKE_PAYLOAD = 5001, 8000, 1200
# hping3 --flood ignores -c (pitfalls.md): paced with -i u250, 4000 packets/s, the 8000 take 2 s
SPIKE_INTERVAL = "u250"
TRICKLE_EVERY, TRICKLE_PAYLOAD = 1.0, 200


def warmup_seconds(rotate, learn_intervals):
    """Return how long the trickle runs so the rule has learn_intervals intervals of the key."""
    # +2: the first trickle flow is exported a UDP timeout later and may miss its first file.
    return (learn_intervals + 2) * rotate


def lab_warmup():
    """Return warmup_seconds() for the lab sensor's rotation and the lab's volume rule."""
    with open(SENSOR_TOML, "rb") as f:
        rotate = tomllib.load(f)["collector"]["rotate"]
    learn = 10  # the rule's own default when the lab does not override it
    for name in sorted(os.listdir(RULES_DIR)):
        with open(os.path.join(RULES_DIR, name), "rb") as f:
            learn = tomllib.load(f).get("volume", {}).get("learn_intervals", learn)
    return warmup_seconds(rotate, learn)


def volume_spike(ctx):
    """Trickle to the server's SPIKE_PORT until the baseline is learned, then flood it (hping3)."""
    ctx.ready.set()
    server = (ctx.peers["srv"][0], SPIKE_PORT)
    rounds = int(lab_warmup() / TRICKLE_EVERY)
    for _ in range(rounds):
        # A new socket (source port) per datagram: each is its own short flow, exported after the
        # UDP timeout into the current file, instead of one long flow the spike would join.
        if not ctx.pause(TRICKLE_EVERY) or not _send(ctx, server, TRICKLE_PAYLOAD, 1, 1):
            return
    flood(ctx, server)


def flood(ctx, server):
    """Send SPIKE_PACKETS UDP datagrams of SPIKE_PAYLOAD bytes with hping3 from one source port."""
    sport = 40000 + ctx.rng.randrange(20000)
    argv = ["hping3", "--udp", "-p", str(server[1]), "-s", str(sport), "-k", "-d", str(SPIKE_PAYLOAD),
            "-c", str(SPIKE_PACKETS), "-i", SPIKE_INTERVAL, "-q", server[0]]
    with open(os.path.join(ctx.run_dir, f"tool-{ctx.host}-hping3.log"), "ab") as log:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              timeout=120)
    # hping3 -q prints "N packets transmitted": record what it says it sent
    sent = SPIKE_PACKETS if done.returncode in (0, 1) else 0
    ctx.ledger.flow("volume-spike", 17, ctx.ip, sport, *server, sent * (28 + SPIKE_PAYLOAD),
                    packets=sent)


def _send(ctx, server, size, count, pace_every):
    """Send count datagrams of size bytes from one fresh socket; return whether all were sent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ctx.ip, 0))
    payload = ctx.rng.randbytes(size)
    unrecorded = sent = 0
    try:
        while sent < count and ctx.running():
            sock.sendto(payload, server)
            sent += 1
            unrecorded += 1
            if unrecorded == pace_every:
                _record(ctx, sock, server, size, unrecorded)
                unrecorded = 0
                if sent < count:
                    ctx.pause(0.02)  # paced so the switch and sensor see a burst, not a drop-fest
    finally:
        _record(ctx, sock, server, size, unrecorded)
        sock.close()
    return sent == count


def _record(ctx, sock, server, size, packets):
    if packets:
        ctx.ledger.flow("volume-spike", 17, ctx.ip, sock.getsockname()[1], *server,
                        packets * (28 + size), packets=packets)
