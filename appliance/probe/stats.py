"""Parse `softflowctl statistics` text into plain data (pure: no I/O).

Seen formats: softflowd 0.9.9 (the seed box) and Debian's 1.1.0, which adds
"(N records)" to the export line and indents the expiry tables.
"""

import re

_INT = r"(\d+)"
# (regex, names of the groups as int fields) for the one-line counters
_LINES = [
    (re.compile(r"softflowd\[(\d+)\]: Accumulated statistics since (\S+) UTC:?"), None),
    (re.compile(r"Number of active flows: " + _INT), ("active_flows",)),
    (re.compile(r"Packets processed: " + _INT), ("packets_processed",)),
    (re.compile(r"Fragments: " + _INT), ("fragments",)),
    (re.compile(r"Ignored packets: (\d+) \((\d+) non-IP, (\d+) too short\)"),
     ("ignored", "ignored_non_ip", "ignored_too_short")),
    (re.compile(r"Flows expired: (\d+) \((\d+) forced\)"), ("flows_expired", "flows_forced")),
    (re.compile(r"Flows exported: (\d+)(?: \((\d+) records\))? in (\d+) packets \((\d+) failures\)"),
     ("flows_exported", "records_exported", "export_packets", "export_failures")),
    (re.compile(r"Packets received by libpcap: " + _INT), ("pcap_received",)),
    (re.compile(r"Packets dropped by libpcap: " + _INT), ("pcap_dropped",)),
    (re.compile(r"Packets dropped by interface: " + _INT), ("interface_dropped",)),
]
_MINAVGMAX = re.compile(r"(Flow bytes|Flow packets|Duration):\s+([\d.]+)s?\s+([\d.]+)s?\s+([\d.]+)s?$")
_MINAVGMAX_KEYS = {"Flow bytes": "bytes", "Flow packets": "packets", "Duration": "duration"}
_REASON = re.compile(r"([A-Za-z0-9. ]+?) =\s+(\d+)")
_PROTO = re.compile(r"(.+?) \((\d+)\):\s+(\d+)\s+(\d+)\s+([\d.]+)s\s+([\d.]+)s$")


def _number(text):
    return float(text) if "." in text else int(text)


def empty():
    """Return the parsed shape with nothing filled in."""
    return {"pid": None, "since": None, "expired": {}, "expiry_reasons": {}, "protocols": [],
            "unparsed": []}


def parse(text):
    """Parse softflowctl statistics text into a dict of counters, tables and unparsed lines."""
    out = empty()
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("Expired flow statistics:"):
            section = "expired"
        elif line.startswith("Expired flow reasons:"):
            section = "reasons"
        elif line.startswith("Per-protocol statistics:"):
            section = "protocols"
        elif not _parse_section_line(out, section, line) and not _parse_counter(out, line):
            out["unparsed"].append(line)
    return out


def _parse_counter(out, line):
    for regex, names in _LINES:
        m = regex.fullmatch(line)
        if not m:
            continue
        if names is None:
            out["pid"], out["since"] = int(m.group(1)), m.group(2) + "Z"
        else:
            for name, value in zip(names, m.groups()):
                out[name] = None if value is None else int(value)
        return True
    return False


def _parse_section_line(out, section, line):
    if section == "expired":
        m = _MINAVGMAX.match(line)
        if m:
            key = _MINAVGMAX_KEYS[m.group(1)]
            out["expired"][key] = dict(zip(("min", "avg", "max"), map(_number, m.groups()[1:])))
            return True
    elif section == "reasons":
        pairs = _REASON.findall(line)
        if pairs and "".join(f"{k} = {v}" for k, v in pairs).replace(" ", "") == line.replace(" ", ""):
            out["expiry_reasons"].update({k.strip(): int(v) for k, v in pairs})
            return True
    elif section == "protocols":
        m = _PROTO.match(line)
        if m:
            name, number, octets, packets, avg, mx = m.groups()
            out["protocols"].append({
                "number": int(number), "softflowd_name": name, "octets": int(octets),
                "packets": int(packets), "avg_life": float(avg), "max_life": float(mx)})
            return True
    return False
