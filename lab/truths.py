"""What really happened in a run, derived from the flows the sensor stored (pure logic).

`spanflow-lab check` scores trainees' answers against these, never against hard-coded answers.
"""

from collections import Counter, defaultdict
from datetime import datetime

from .topo import HOSTS

NAME_OF = {ip: name for name, ip in HOSTS.items()}
BASELINE_PORTS = {22, 53, 137, 138, 1900, 5353}
ECHO_REQUEST = 8 * 256


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


def port_scan(rows):
    """Return {host, target} of the source touching most TCP ports of one address (>= 100)."""
    ports = defaultdict(set)
    for r in rows:
        if r["proto"] == 6:
            ports[(r["src"], r["dst"])].add(r["dport"])
    if not ports:
        return None
    (src, dst), seen = max(ports.items(), key=lambda kv: len(kv[1]))
    return {"host": _name(src), "target": _name(dst)} if len(seen) >= 100 else None


def host_sweep(rows):
    """Return {host} of the source sending ICMP echo to most addresses (>= 50)."""
    targets = defaultdict(set)
    for r in rows:
        if r["proto"] == 1 and r["dport"] == ECHO_REQUEST:
            targets[r["src"]].add(r["dst"])
    if not targets:
        return None
    src, seen = max(targets.items(), key=lambda kv: len(kv[1]))
    return {"host": _name(src)} if len(seen) >= 50 else None


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
    "host_sweep": host_sweep, "volume_spike": volume_spike, "ssh_guessing": ssh_guessing,
}


def truths(rows):
    """Return {question: truth or None (not in this run)} from a run's stored flow rows."""
    return {name: find(rows) for name, find in QUESTIONS.items()}
