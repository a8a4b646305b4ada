"""Judge each component's health from the status snapshot and say why graphs are empty (pure)."""

from datetime import datetime, timezone

from ..collector.health import jumped
from ..fleet import health as fleet_health
from ..probe import statsview
from ..span import view as span_view
from ..supervisor.snapshot import STALE_AFTER  # noqa: F401  (one value for the CLI and the page)
from . import human

OK, WARN, BAD = "ok", "warn", "bad"
RUNNING = ("running",)
LOST_RECENT = 86400  # seconds a collector crash's lost interval keeps the collector at warn


def parse_iso(text):
    """Return an aware UTC datetime from an ISO string, or None."""
    if not text or not isinstance(text, str):
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def age(text, now):
    """Return seconds since an ISO time, or None when unknown."""
    dt = parse_iso(text)
    return None if dt is None else max(0.0, (now - dt).total_seconds())


def _item(name, level, summary, facts=None, reason=None):
    return {"name": name, "level": level, "summary": summary, "facts": facts or {},
            "reason": reason}


def snapshot_item(snap, now, where):
    if snap is None:
        return _item("sensor", BAD, f"no status snapshot at {where}",
                     reason="`spanflow run` is not running (no status snapshot)")
    if snap.get("state") == "stopped":  # the run loop's last snapshot, written as it stopped
        return _item("sensor", BAD, f"spanflow run stopped at {snap.get('updated')}",
                     {"updated": snap.get("updated")},
                     reason="`spanflow run` is not running (it stopped)")
    stale = age(snap.get("updated"), now)
    if stale is None or stale > STALE_AFTER:
        return _item("sensor", BAD, f"status snapshot is {stale or '?'} s old",
                     {"updated": snap.get("updated")},
                     reason="`spanflow run` stopped updating its status")
    return _item("sensor", OK, "spanflow run is updating its status",
                 {"updated": snap.get("updated"), "pid": snap.get("pid")})


def probe_stats(p):
    """Return the parsed softflowd statistics of a probe part (its `statistics` reading)."""
    stats = p.get("statistics") or {}
    return stats if isinstance(stats, dict) else {}


def mirror_item(m):
    # The run loop's mirror part: state (running|stopped), link (kernel operstate), promisc and
    # the kernel counters side by side (appliance/mirror/counters.py).
    link = m.get("link")
    facts = {"interface": m.get("interface"), "state": m.get("state"), "link": link,
             "promisc": m.get("promisc"),
             **{k: m.get(k) for k in ("rx_packets", "rx_bytes", "rx_dropped", "rx_missed")}}
    if m.get("error"):
        return _item("mirror", BAD, f"cannot read the mirror port: {m['error']}", facts,
                     reason=f"the mirror port {m.get('interface')} cannot be read")
    if m.get("state") not in RUNNING:
        return _item("mirror", BAD, f"mirror port {m.get('interface')} is {m.get('state')}",
                     facts, reason="the mirror port is not set up: is `spanflow run` starting?")
    if link not in ("up", "unknown"):  # "unknown": drivers (and lo) that report no operstate
        return _item("mirror", BAD, f"mirror port {m.get('interface')} is {link}", facts,
                     reason="the mirror port is down: check the SPAN cable")
    if not m.get("rx_packets"):
        return _item("mirror", BAD, "no packets on the mirror port", facts,
                     reason="no packets on the mirror port: is the switch's SPAN session set up?")
    drops = statsview.kernel_drops(m)
    if not m.get("promisc"):
        return _item("mirror", WARN, "mirror port is not promiscuous", facts)
    if any(drops.values()):
        return _item("mirror", WARN, f"kernel dropped packets: {drops}", facts)
    return _item("mirror", OK, f"{m.get('rx_packets'):,} packets received", facts)


def probe_item(p):
    stats = probe_stats(p)
    facts = {"state": p.get("state"), "pid": p.get("pid"), "restarts": p.get("restarts"),
             "last_exit": p.get("last_exit"), "packets_processed": stats.get("packets_processed"),
             "flows_exported": stats.get("flows_exported")}
    if p.get("state") not in RUNNING:
        return _item("probe", BAD, f"softflowd is {p.get('state')}", facts,
                     reason="the probe (softflowd) is down")
    if not stats or stats.get("error"):
        return _item("probe", WARN, "softflowd statistics are not readable"
                     + (f": {stats['error']}" if stats.get("error") else ""), facts)
    if stats.get("pcap_received") and not stats.get("packets_processed"):
        return _item("probe", BAD, "softflowd receives packets but processes none", facts,
                     reason="the probe processes no packets (quiet-link fix off?)")
    warnings = statsview.warnings(statsview.annotate(stats))
    if warnings:
        return _item("probe", WARN, "; ".join(warnings), facts)
    return _item("probe", OK, f"{stats.get('flows_exported', 0)} flows exported", facts)


def collector_item(c, now, rotate):
    store = c.get("store") if isinstance(c.get("store"), dict) else {}  # collector/store.py
    nfcapd = c.get("health") if isinstance(c.get("health"), dict) else {}  # collector/health.py
    facts = {**{k: c.get(k) for k in ("state", "pid", "restarts")},
             **{k: store.get(k) for k in ("newest_file", "last_rotation", "files", "disk_bytes",
                                          "oldest", "lost_intervals")},
             **{k: nfcapd.get(k) for k in ("bad_packets", "sequence_errors")}}
    if c.get("state") not in RUNNING:
        return _item("collector", BAD, f"nfcapd is {c.get('state')}", facts,
                     reason="the collector (nfcapd) is down")
    if store.get("error"):
        return _item("collector", WARN, f"cannot read the flow store: {store['error']}", facts)
    if not store.get("newest_file"):
        return _item("collector", BAD, "no flow file written yet", facts,
                     reason="the collector has received nothing yet")
    last = age(store.get("last_rotation"), now)
    facts["last_file_age"] = last
    if last is not None and last > 3 * rotate + 5:
        return _item("collector", WARN, f"last flow file is {int(last)} s old", facts,
                     reason="the collector is receiving nothing")
    summary = f"{store.get('files')} files, {human.size(store.get('disk_bytes'))}"
    recent = nfcapd.get("last_interval") if isinstance(nfcapd.get("last_interval"), dict) else {}
    if nfcapd.get("bad_packets") or nfcapd.get("sequence_errors"):
        summary += (f"; {nfcapd.get('bad_packets', 0):,} bad packets, "
                    f"{nfcapd.get('sequence_errors', 0):,} sequence errors since start")
    if recent and jumped(recent):
        return _item("collector", WARN, summary + f" ({recent.get('bad_packets')} and "
                     f"{recent.get('sequence_errors')} in the last interval: an exporter sends "
                     "malformed or lost datagrams)", facts)
    if store.get("lost_intervals"):
        # nfcapd holds an interval in memory: a crash loses it all (docs/reliability.md)
        lost = store.get("lost_files") or [{}]
        newest = lost[0] if isinstance(lost[0], dict) else {}
        facts["last_lost"] = f"{newest.get('name')} at {newest.get('time')}" if newest else None
        summary += f"; {store['lost_intervals']} intervals lost in collector crashes"
        recent = age(newest.get("time"), now)
        if recent is not None and recent < LOST_RECENT:
            return _item("collector", WARN, summary + f" (last {facts['last_lost']})", facts)
    return _item("collector", OK, summary, facts)


def ingest_item(i, now, rotate):
    facts = dict(i)
    lag = i.get("lag_seconds")
    if i.get("state") and i.get("state") not in RUNNING:
        return _item("ingest", BAD, f"ingest is {i.get('state')}", facts,
                     reason="ingest is not running")
    if i.get("pending", 0) > 2:
        return _item("ingest", WARN, f"ingest is {i['pending']} flow files behind", facts,
                     reason="ingest is behind the collector")
    if lag is not None and lag > 3 * rotate + 5:
        return _item("ingest", WARN, f"last ingested interval is {int(lag)} s old", facts,
                     reason="ingest is behind the collector")
    if i.get("errors") or i.get("quarantined"):
        return _item("ingest", WARN, f"{i.get('errors', 0)} errors, {i.get('quarantined', 0)} "
                     f"files quarantined; last: {i.get('last_error') or i.get('last_quarantined')}",
                     facts)
    return _item("ingest", OK, f"{i.get('files_done', 0)} files ingested", facts)


def assess(snap, now, rotate, where):
    """Return [item] for the sensor, mirror, probe, collector and ingest (in data-path order)."""
    items = [snapshot_item(snap, now, where)]
    if snap is None:
        return items
    for name, judge in (("mirror", mirror_item), ("probe", probe_item)):
        part = snap.get(name)
        items.append(judge(part) if isinstance(part, dict) else
                     _item(name, BAD, f"no {name} status", reason=f"no {name} status reported"))
    for name, judge in (("collector", collector_item), ("ingest", ingest_item)):
        part = snap.get(name)
        items.append(judge(part, now, rotate) if isinstance(part, dict) else
                     _item(name, BAD, f"no {name} status", reason=f"no {name} status reported"))
    if isinstance(snap.get("fleet"), dict):  # only on a sensor that exports to a cluster
        items.append(fleet_health.item(snap["fleet"], rotate))
    if isinstance(snap.get("span"), dict):  # absent when [span] enabled = false
        items.append(span_view.item(snap["span"]))
    return items


def empty_reason(items):
    """Return the first reason along the data path why graphs would be empty, or None."""
    for item in items:
        if item["reason"]:
            return item["reason"]
    return None
