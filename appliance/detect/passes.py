"""The nfdump passes detection runs on one flow file, and the judging of what they return."""

from concurrent.futures import ThreadPoolExecutor

from . import cleartext, dns, events, flows, scan, volume, window

SERVICE_FIELDS = "srcip,dstip,srcport,dstport,proto"
SCAN_FIELDS = "srcip,dstip,srcport,dstport,proto"  # srcport: tell probes from answers
PROBE_SOURCES = 200  # sources with the most probe-sized flows looked at per interval


def service_filter(settings):
    """Return one nfdump filter for every flow the per-service rules read."""
    terms = cleartext.interest(settings["cleartext"]) if settings["cleartext"]["enabled"] else []
    terms += dns.interest(settings) + scan.interest(settings)
    return " or ".join(f"({t})" for t in terms)


def evaluate(settings, rows, blocks, tallies, scan_rows, state, end, src_probes=None,
             host_rows=None):
    """Judge one interval's rows, stat blocks and DNS tallies; scan_rows(sources) fetches more.

    state carries what outlives an interval: {"baseline": volume baselines, "windows": the
    counting rules' windows (window.Windows; in memory when absent), "seconds": the interval's
    length}; src_probes is [(source, probe flows)] (default: every source's flows in blocks[0]);
    host_rows(host) fetches a host's rows when a volume jump needs a closer look.
    Return (findings, new state).
    """
    out = []
    if settings["cleartext"]["enabled"]:
        out += cleartext.judge(settings["cleartext"], rows)
    out += dns.judge(settings, rows, tallies)
    windows = state.get("windows") or window.memory()
    if src_probes is None:
        src_probes = [(row[1], row[2]) for row in blocks[0]]
    sources = scan.candidates(settings, src_probes, state.get("seconds", 60))
    ports, hosts = scan.observe_scans(settings, scan_rows(sources) if sources else [],
                                      set(sources))
    observed = {"port_scan": ports, "host_sweep": hosts,
                "ssh_guessing": scan.observe_ssh(settings, rows)}
    out += scan.judge(settings, windows, observed, end)
    baseline = state.get("baseline", {})
    if settings["volume"]["enabled"]:
        baseline, found = volume.judge(settings["volume"], baseline, volume.observations(blocks),
                                       volume.times(blocks))
        out += volume.one_per_event(found, host_rows)
    return events.one_per_event(out), {**state, "baseline": baseline, "windows": windows}


def wants(settings):
    """Return the unfiltered statistics detection reads, {spec: rows}, for the file's shared run."""
    return {spec: settings["volume"]["top"] for spec, _what, _col in volume.KINDS.values()}


def findings(settings, reading, state, end, workers=2):
    """Ask the file's reading what the rules need; return (findings, new state)."""
    specs = [spec for spec, _what, _col in volume.KINDS.values()]
    top = settings["volume"]["top"]
    flt = service_filter(settings)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # nfdump is single-threaded: the big unfiltered pass runs beside the filtered ones
        blocks = [pool.submit(reading.common, spec, top) for spec in specs]
        svc = pool.submit(reading.aggregated, SERVICE_FIELDS, flt) if flt else None
        tallies = {name: pool.submit(flows.tally, reading, specs_, dns.TALLY_ROWS, f)
                   if settings["dns_tunnel"]["enabled"] else None
                   for name, (f, specs_) in dns.TALLIES.items()}
        rows = list(svc.result()) if svc else []
        tallies = {k: v.result() if v else {} for k, v in tallies.items()}
        blocks = [b.result() for b in blocks]
    more = cleartext.followup(rows) if settings["cleartext"]["enabled"] else ""
    if more:
        rows += reading.aggregated(SERVICE_FIELDS, more)
    probes = reading.stats(["srcip/flows"], PROBE_SOURCES, scan.probe_filter(settings))[0] \
        if settings["port_scan"]["enabled"] or settings["host_sweep"]["enabled"] else []
    return evaluate(settings, rows, blocks, tallies,
                    lambda sources: reading.aggregated(SCAN_FIELDS,
                                                       scan.candidate_filter(settings, sources)),
                    state, end, [(row[1], row[2]) for row in probes],
                    lambda host: reading.aggregated(SCAN_FIELDS, f"host {host}"))
