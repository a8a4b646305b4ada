"""The config's suppression list: entries of rule, host and/or net that silence findings."""

import ipaddress


def _ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def unknown_rules(entries, names):
    """Return what is wrong when entries name a rule not in names ("" when none): a silent typo."""
    unknown = sorted({e["rule"] for e in entries if "rule" in e} - set(names))
    if not unknown:
        return ""
    return (f"detect.suppress names unknown rule(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(names))})")


def suppressed(finding, entries):
    """Return True if every key of some entry matches the finding (rule, one host, one net)."""
    ips = [ip for ip in map(_ip, finding.hosts) if ip is not None]
    for e in entries:
        if "rule" in e and e["rule"] != finding.rule:
            continue
        if "host" in e and ipaddress.ip_address(e["host"]) not in ips:
            continue
        if "net" in e:
            net = ipaddress.ip_network(e["net"], strict=False)
            if not any(ip.version == net.version and ip in net for ip in ips):
                continue
        return True
    return False
