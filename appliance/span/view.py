"""The side capture's part of the status snapshot, read for people and for /metrics; pure."""

from ..supervisor.snapshot import age

# The side capture writes its report every 5 s; one this old means it is stuck, not slow.
REPORT_STALE = 30


def report_of(part):
    """Return the side capture's last report from its snapshot part ({} when there is none)."""
    report = (part or {}).get("report")
    return report if isinstance(report, dict) and "verdict" in report else {}


def numbers(part):
    """Return the numbers worth a time series: shares, counts, drops (no per-subnet labels)."""
    r = report_of(part)
    if not r:
        return {}
    dup, oneway, arp = r["duplicates"], r["one_way"], r["arp"]
    return {"restarts": (part or {}).get("restarts", 0), "frames": r.get("frames", 0),
            "over_budget": r.get("over_budget", 0), "duplicated_share": dup.get("share") or 0,
            "duplicates": dup.get("duplicates", 0), "one_way_share": oneway.get("share") or 0,
            "conversations": oneway.get("conversations", 0),
            "missing_subnets": len(r["coverage"].get("missing_subnets", [])),
            "arp_hosts": arp.get("hosts", 0), "arp_mac_changes": arp.get("mac_changes", 0),
            "events_handed": ((part or {}).get("events") or {}).get("events_handed", 0)}


def item(part):
    """Return the dashboard item {name, level, summary, facts, reason} of the side capture."""
    r = report_of(part)
    facts = {"state": part.get("state"), "restarts": part.get("restarts"),
             "duplicated_share": (r.get("duplicates") or {}).get("share"),
             "one_way_share": (r.get("one_way") or {}).get("share"),
             "arp_hosts": (r.get("arp") or {}).get("hosts"), "over_budget": r.get("over_budget")}

    def out(level, summary):
        return {"name": "span", "level": level, "summary": summary, "facts": facts,
                "reason": None}  # a bad mirror still fills the graphs, with the wrong numbers
    if part.get("state") != "running":  # flows still flow: only the mirror goes unchecked
        return out("warn", f"the side capture is {part.get('state')}")
    if not r:
        return out("warn", "no side-capture report yet")
    old = age(r)
    if old is None or old > REPORT_STALE:
        return out("warn", "the side capture's report is "
                   + ("undated" if old is None else f"{int(old)} s old") + ": it is stuck")
    level = {"ok": "ok", "unknown": "ok", "warn": "warn"}.get(r["verdict"], "bad")
    return out(level, "; ".join(r["summary"]))


def _share(value):
    return "-" if value is None else f"{value:.0%}"


def lines(part):
    """Return the verdict and the numbers behind it as indented lines for `spanflow status`."""
    r = report_of(part)
    if not r:
        return ["  no side-capture report yet"]
    dup, oneway, cover, arp = r["duplicates"], r["one_way"], r["coverage"], r["arp"]
    out = [f"  verdict: {r['verdict']}: {'; '.join(r['summary'])}",
           f"  duplicated packets: {_share(dup['share'])} of {dup['sampled']} sampled",
           f"  one-way TCP conversations: {_share(oneway['share'])} of "
           f"{oneway['conversations']}",
           f"  subnets seen: {', '.join(cover['subnets']) or 'none'}",
           f"  VLANs seen: {', '.join(cover['vlans']) or 'none'}",
           f"  ARP census: {arp['hosts']} hosts, {arp['mac_changes']} MAC changes"
           + (f", sweeping: {', '.join(arp['sweeping'])}" if arp["sweeping"] else "")]
    if r.get("over_budget"):
        out.append(f"  frames over the side capture's budget (not analysed): {r['over_budget']}")
    return out
