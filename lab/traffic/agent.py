"""Run traffic kinds inside one Mininet host: `python3 -m lab.traffic.agent --host ws1 ...`.

Each kind runs in its own thread with its own seeded random generator, so a run is repeatable;
SIGTERM asks every kind to finish the packet it is sending and stop (the ledger stays exact).
"""

import argparse
import importlib
import json
import random
import signal
import sys
import threading

from .ledger import Ledger

# kind -> "module:function" (relative to lab.traffic)
KINDS = {
    "dns": "dns:lookups", "dns-server": "dns:serve", "ssh": "ssh:sessions",
    "office-dns": "office:office_dns", "dhcp": "office:dhcp", "discovery": "office:discovery",
    "netbios-lookup": "office:netbios_lookup",
    "telnet-login": "scenarios:telnet_login", "dns-tunnel": "scenarios:dns_tunnel",
    "tunnel-server": "scenarios:tunnel_server", "port-scan": "scenarios:port_scan",
    "slow-scan": "scenarios:slow_scan", "host-sweep": "scenarios:host_sweep",
    "arp-sweep": "scenarios:arp_sweep",
    "volume-spike": "spike:volume_spike", "ssh-guessing": "scenarios:ssh_guessing",
}


class Context:
    """What a traffic kind needs: its host's identity, peers, a ledger, a seed and a stop flag."""

    def __init__(self, args, kind, ledger, stop):
        self.kind = kind
        self.host, self.iface, self.ip, self.mac = args.host, args.iface, args.ip, args.mac
        self.ip6 = args.ip6
        self.peers = args.peers
        self.run_dir = args.run_dir
        self.ledger = ledger
        self.stop = stop
        self.rng = random.Random(f"{args.seed}:{args.host}:{kind}")
        self.ready = threading.Event()

    def running(self):
        return not self.stop.is_set()

    def pause(self, seconds):
        """Wait seconds unless asked to stop; return whether to go on."""
        return not self.stop.wait(seconds)


def parse(argv):
    p = argparse.ArgumentParser(prog="lab.traffic.agent")
    p.add_argument("--host", required=True)
    p.add_argument("--iface", required=True)
    p.add_argument("--ip", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--ip6", required=True, help="the host's ULA address")
    p.add_argument("--peers", type=json.loads, default={},
                   help='{"srv": ["10.0.0.10", "MAC", "fd5f:1ab:0:1::10"]}')
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ledger", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("kinds", nargs="+", choices=sorted(KINDS))
    return p.parse_args(argv)


def _thread(ctx):
    module, func = KINDS[ctx.kind].split(":")
    target = getattr(importlib.import_module(f"{__package__}.{module}"), func)

    def body():
        try:
            target(ctx)
        except Exception as exc:  # one kind failing must not stop the others; say why
            print(f"agent {ctx.host}: {ctx.kind} failed: {exc!r}", file=sys.stderr, flush=True)
        finally:
            ctx.ready.set()
    return threading.Thread(target=body, name=ctx.kind, daemon=True)


def main(argv=None):
    args = parse(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ledger = Ledger(args.ledger, args.host)
    contexts = [Context(args, kind, ledger, stop) for kind in args.kinds]
    threads = [_thread(ctx) for ctx in contexts]
    for t in threads:
        t.start()
    for ctx in contexts:
        ctx.ready.wait()
    # The parent waits for this line before it starts clients that need these services.
    print("ready", flush=True)
    for t in threads:
        while t.is_alive():
            t.join(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
