"""Alerts each scenario should raise against those the sensor's detection raised."""

import os

from .topo import HOSTS
from .traffic.catalog import SCENARIOS
from .traffic.spike import SPIKE_PORT

# scenario -> (rule, is it required?). The volume rule learns its baseline in the scenario's own
# warm-up (lab/configs/rules.d); the paced scan and hydra's default run are caught by the rules'
# windows of intervals and their estimate of SSH tries per session.
EXPECTED = {
    "telnet": ("cleartext", True), "dns-tunnel": ("dns_tunnel", True),
    "port-scan": ("port_scan", True), "host-sweep": ("host_sweep", True),
    "volume-spike": ("volume", True),
    "arp-sweep": ("arp_sweep", True),
    "slow-scan": ("port_scan", True), "ssh-guessing": ("ssh_guessing", True),
}


def available():
    """Tell whether this tree has detection (appliance.detect)."""
    try:
        import appliance.detect.store  # noqa: F401
        return True
    except ImportError:
        return False


def raised(database):
    """Return every alert of a run's database, or None when detection is not in this tree."""
    try:
        from appliance.detect.store import AlertStore
    except ImportError:
        return None
    if not os.path.exists(database):
        return []
    store = AlertStore(database)
    try:
        return store.list(active_only=False, limit=100_000)
    finally:
        store.close()


def compare(scenarios, alerts, started=None):
    """Return ([(scenario, rule, raised count, verdict, seconds after start)], unexpected alerts).

    started maps a scenario to when its tool started (epoch seconds); the delay is from then to
    the first matching alert's raising, None when unknown.
    """
    rows, matched = [], set()
    for name in scenarios:
        rule, required = EXPECTED[name]
        ip = HOSTS[SCENARIOS[name][0]]
        hits = [a for a in alerts if a["rule"] == rule and ip in a["hosts"]]
        matched |= {a["id"] for a in hits} | {a["id"] for a in alerts if _echo(name, a)}
        verdict = "ok" if hits else ("MISSING" if required else "not yet required")
        begin = (started or {}).get(name)
        delay = round(min(a["raised_at"] for a in hits) - begin, 1) \
            if hits and begin and all("raised_at" in a for a in hits) else None
        rows.append((name, rule, len(hits), verdict, delay))
    return rows, [a for a in alerts if a["id"] not in matched]


def _echo(name, alert):
    """Tell whether an alert is the same event seen from the other end (the spike's server, port)."""
    if name != "volume-spike" or alert["rule"] != "volume":
        return False
    return HOSTS["srv"] in alert["hosts"] or alert["key"].split(":")[-1].startswith(f"{SPIKE_PORT}/")


def render(rows, unexpected):
    """Return the alerts table and one line per alert no scenario explains."""
    lines = [f"{'scenario':14}{'expected alert':16}{'raised':8}{'after':8}result"]
    lines += [f"{n:14}{r:16}{c:<8}{'-' if d is None else f'{d:.0f} s':8}{v}"
              for n, r, c, v, d in rows]
    lines += [f"unexpected alert: {a['rule']} {a['key']} ({a['summary'][:80]})" for a in unexpected]
    # always said, so a reader (and a test) can tell "none" from "not reported"
    lines.append(f"unexpected alerts: {len(unexpected)}")
    return "\n".join(lines)
