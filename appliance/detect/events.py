"""One event, one alert: findings a scan explains are folded into the scan's finding."""

from dataclasses import replace

SCANS = ("port_scan", "host_sweep")
# rules that judge a client's sessions with a server: a scanner's probes and banner grabs of the
# same servers are part of its scan, not separate events
SERVICE_RULES = ("cleartext", "dns_port", "dns_resolver")


def one_per_event(findings):
    """Return findings with the service findings of scanning sources folded into their scan."""
    scanned = {}  # source -> targets ("*" for a sweep)
    for f in findings:
        if f.rule in SCANS:
            scanned.setdefault(f.hosts[0], set()).add(f.hosts[1] if len(f.hosts) > 1 else "*")
    if not scanned:
        return findings
    folded, out = {}, []
    for f in findings:
        client = f.hosts[0] if f.hosts else None
        targets = scanned.get(client, set())
        if f.rule in SERVICE_RULES and ("*" in targets or (len(f.hosts) > 1 and f.hosts[1] in targets)):
            folded.setdefault(client, []).append(f.key)
            continue
        out.append(f)
    if not folded:
        return out
    result = []
    for f in out:
        keys = folded.pop(f.hosts[0], None) if f.rule in SCANS else None
        result.append(replace(f, summary=f"{f.summary}; also touched {', '.join(sorted(keys))}")
                      if keys else f)
    return result
