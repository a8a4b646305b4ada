"""The nfdump passes detection runs on one flow file, and the judging of what they return."""

from concurrent.futures import ThreadPoolExecutor

from . import cleartext, dns, flows, scan, volume

SERVICE_FIELDS = "srcip,dstip,srcport,dstport,proto"
SCAN_FIELDS = "srcip,dstip,srcport,dstport,proto"  # srcport: tell probes from answers


def service_filter(settings):
    """Return one nfdump filter for every flow the per-service rules read."""
    terms = cleartext.interest(settings["cleartext"]) if settings["cleartext"]["enabled"] else []
    terms += dns.interest(settings) + scan.interest(settings)
    return " or ".join(f"({t})" for t in terms)


def evaluate(settings, rows, blocks, tallies, scan_rows, state, end):
    """Judge one interval's rows, stat blocks and DNS tallies; scan_rows(sources) fetches more.

    state carries what outlives an interval: {"baseline": volume baselines, "ssh": recent SSH
    counts}; return (findings, new state).
    """
    out = []
    if settings["cleartext"]["enabled"]:
        out += cleartext.judge(settings["cleartext"], rows)
    out += dns.judge(settings, rows, tallies)
    found, ssh = scan.judge_ssh(settings, state.get("ssh", []), scan.ssh_counts(settings, rows), end)
    out += found
    baseline = state.get("baseline", {})
    sources = scan.candidates(settings, blocks[0])
    if sources:
        out += scan.judge_scans(settings, scan_rows(sources))
    if settings["volume"]["enabled"]:
        baseline, found = volume.judge(settings["volume"], baseline, volume.observations(blocks))
        out += found
    return out, {"baseline": baseline, "ssh": ssh}


def findings(settings, path, state, end, workers=2):
    """Run the nfdump passes on one file; return (findings, new state)."""
    specs = [spec for spec, _what, _col in volume.KINDS.values()]
    flt = service_filter(settings)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # nfdump is single-threaded: the big unfiltered pass runs beside the filtered ones
        blocks = pool.submit(flows.stats, path, specs, settings["volume"]["top"])
        svc = pool.submit(flows.aggregate, path, SERVICE_FIELDS, flt) if flt else None
        tallies = {name: pool.submit(flows.tally, path, specs_, dns.TALLY_ROWS, f)
                   if settings["dns_tunnel"]["enabled"] else None
                   for name, (f, specs_) in dns.TALLIES.items()}
        rows = svc.result() if svc else []
        tallies = {k: v.result() if v else {} for k, v in tallies.items()}
        blocks = blocks.result()
    more = cleartext.followup(rows) if settings["cleartext"]["enabled"] else ""
    if more:
        rows += flows.aggregate(path, SERVICE_FIELDS, more)
    return evaluate(settings, rows, blocks, tallies,
                    lambda sources: flows.aggregate(path, SCAN_FIELDS,
                                                    scan.candidate_filter(sources)), state, end)
