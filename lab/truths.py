"""What really happened in a run, derived from the flows the sensor stored (pure logic).

`spanflow-lab check` scores trainees' answers against these, never against hard-coded answers.
"""

from collections import Counter, defaultdict
from datetime import datetime

from . import topo

# every lab address (IPv4 and ULA; the router's branch side too) -> host name
NAME_OF = {**{topo.host_ip(n): n for n in topo.all_hosts()},
           **{topo.host_ip6(n): n for n in topo.all_hosts()},
           topo.ROUTER_BRANCH: topo.ROUTER, topo.router_ip6(): topo.ROUTER,
           topo.router_ip6(branch=True): topo.ROUTER}
BASELINE_PORTS = {22, 53, 67, 68, 137, 138, 1900, 5353, 8200}
ECHO_REQUEST = 8 * 256
SLOW = 10  # seconds: a scan whose probes span more than two 5 s flow files is "slow"


def _name(ip):
    return NAME_OF.get(ip, ip)


def _time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cleartext_admin(rows):
    """Return {host, time} of the first telnet session (tcp/23 with payload both ways)."""
    sessions = [r for r in rows if r["proto"] == 6 and r["dport"] == 23 and r["packets"] > 3]
    if not sessions:
        return None
    first = min(sessions, key=lambda r: r["first"])
    return {"host": _name(first["src"]), "time": _time(first["first"])}


def dns_tunnel(rows, min_answers=20, min_size=300):
    """Return {host} of the client whose DNS answers are largest on average (TXT downstream).

    The mean size, not the total: over a long class ordinary lookups add up to as many bytes.
    """
    answers = defaultdict(lambda: [0, 0])
    for r in rows:
        if r["proto"] == 17 and r["sport"] == 53:
            answers[r["dst"]][0] += r["packets"]
            answers[r["dst"]][1] += r["bytes"]
    big = {ip: b / p for ip, (p, b) in answers.items() if p >= min_answers and b / p >= min_size}
    if not big:
        return None
    return {"host": _name(max(big, key=big.get))}


def _scans(rows):
    """Return {(src, dst): (distinct TCP ports, seconds from first to last probe)}, >= 100 ports.

    A probe is a flow of at most 3 packets to a lower port than its source (SYN, a retry, the
    scanner's RST): the same pair's sessions (ssh, telnet) must not stretch the scan's span.
    """
    ports, times = defaultdict(set), defaultdict(list)
    for r in rows:
        if r["proto"] == 6 and r["dport"] < r["sport"] and r["packets"] <= 3:
            ports[(r["src"], r["dst"])].add(r["dport"])
            times[(r["src"], r["dst"])].append(_time(r["first"]).timestamp())
    return {pair: (len(seen), max(times[pair]) - min(times[pair]))
            for pair, seen in ports.items() if len(seen) >= 100}


def port_scan(rows):
    """Return {host, target} of the fast scan touching most TCP ports of one address (>= 100)."""
    fast = {pair: n for pair, (n, span) in _scans(rows).items() if span < SLOW}
    if not fast:
        return None
    src, dst = max(fast, key=fast.get)
    return {"host": _name(src), "target": _name(dst)}


def slow_scan(rows):
    """Return {host, target} of a scan of >= 100 ports whose probes spread over > SLOW seconds."""
    slow = {pair: n for pair, (n, span) in _scans(rows).items() if span >= SLOW}
    if not slow:
        return None
    src, dst = max(slow, key=slow.get)
    return {"host": _name(src), "target": _name(dst)}


def host_sweep(rows):
    """Return {host, subnet} of the source sending ICMP echo to most addresses (>= 50)."""
    targets = defaultdict(set)
    for r in rows:
        if r["proto"] == 1 and r["dport"] == ECHO_REQUEST:
            targets[r["src"]].add(r["dst"])
    if not targets:
        return None
    src, seen = max(targets.items(), key=lambda kv: len(kv[1]))
    if len(seen) < 50:
        return None
    subnet = Counter(ip.rsplit(".", 1)[0] for ip in seen).most_common(1)[0][0]
    return {"host": _name(src), "subnet": f"{subnet}.0/24"}


def ipv6_dns(rows):
    """Return {host} of the server answering DNS over IPv6 (UDP from port 53, an IPv6 source)."""
    answers = Counter(r["src"] for r in rows if r["proto"] == 17 and r["sport"] == 53
                      and ":" in r["src"])
    return {"host": _name(answers.most_common(1)[0][0])} if answers else None


def routed_ssh(rows):
    """Return {target} of the server in another subnet that office hosts reach over SSH."""
    office = topo.SUBNET.rsplit(".", 1)[0] + "."
    branch = Counter(r["dst"] for r in rows if r["proto"] == 6 and r["dport"] == 22
                     and r["src"].startswith(office) and ":" not in r["dst"]
                     and not r["dst"].startswith(office))
    return {"target": _name(branch.most_common(1)[0][0])} if branch else None


def volume_spike(rows):
    """Return {host, port} of the biggest sender toward one port outside the baseline services."""
    volume = Counter()
    for r in rows:
        if r["dport"] not in BASELINE_PORTS and r["sport"] not in BASELINE_PORTS and r["proto"] != 1:
            volume[(r["src"], r["dport"])] += r["bytes"]
    if not volume:
        return None
    (src, port), nbytes = volume.most_common(1)[0]
    return {"host": _name(src), "port": port} if nbytes >= 1_000_000 else None


def ssh_guessing(rows, window=10, burst=8):
    """Return {host} of a source opening >= burst SSH connections within window seconds."""
    starts = defaultdict(list)
    for r in rows:
        if r["proto"] == 6 and r["dport"] == 22:
            starts[r["src"]].append(_time(r["first"]).timestamp())
    best = None
    for src, times in starts.items():
        times.sort()
        most = max(sum(1 for t in times[i:] if t - times[i] <= window) for i in range(len(times)))
        if most >= burst and (best is None or most > best[1]):
            best = (src, most)
    return {"host": _name(best[0])} if best else None


QUESTIONS = {
    "cleartext_admin": cleartext_admin, "dns_tunnel": dns_tunnel, "port_scan": port_scan,
    "slow_scan": slow_scan, "host_sweep": host_sweep, "volume_spike": volume_spike,
    "ssh_guessing": ssh_guessing, "ipv6_dns": ipv6_dns, "routed_ssh": routed_ssh,
}


def truths(rows):
    """Return {question: truth or None (not in this run)} from a run's stored flow rows."""
    return {name: find(rows) for name, find in QUESTIONS.items()}
