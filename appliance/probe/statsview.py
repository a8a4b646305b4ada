"""Turn parsed softflowd statistics into what an operator should read (pure: no I/O)."""

# Our own names: softflowd prints `Unknown (6)` when /etc/protocols lacks them (pitfalls.md).
PROTOCOLS = {1: "icmp", 2: "igmp", 4: "ipip", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre",
             50: "esp", 51: "ah", 58: "icmpv6", 89: "ospf", 103: "pim", 112: "vrrp", 132: "sctp"}
# softflowd subtracts unsigned 32-bit counters: a small negative delta prints as ~4294967290.
WRAPPED = 2 ** 31
KERNEL_DROPS = ("rx_dropped", "rx_missed", "rx_missed_errors", "rx_fifo_errors")


def kernel_drops(mirror):
    """Return the mirror port's kernel drop counters from its status part ({} when unknown)."""
    if not mirror:
        return {}
    return {k: mirror[k] for k in KERNEL_DROPS if isinstance(mirror.get(k), int)}


def annotate(stats, mirror=None):
    """Return stats plus protocol names, trusted drop counters and warnings with their remedy."""
    out = dict(stats)
    out["protocols"] = [dict(p, name=PROTOCOLS.get(p["number"], f"proto-{p['number']}"))
                        for p in stats.get("protocols", [])]
    dropped = stats.get("interface_dropped")
    out["interface_dropped_reliable"] = dropped is not None and dropped < WRAPPED
    out["kernel_drops"] = kernel_drops(mirror)
    out["warnings"] = warnings(out)
    return out


def warnings(stats):
    """Return the operator-facing problems in annotated stats, each with what to do."""
    found = []
    forced = stats.get("flows_forced") or stats.get("expiry_reasons", {}).get("maxflows") or 0
    if forced:
        found.append(f"{forced} flows were force-expired because the flow table was full; "
                     "raise [probe] max_flows")
    if not stats["interface_dropped_reliable"] and stats.get("interface_dropped") is not None:
        found.append("softflowd's interface drop counter is wrapped and meaningless; "
                     "use the mirror port's kernel counters")
    if stats.get("pcap_dropped"):
        found.append(f"{stats['pcap_dropped']} packets dropped by libpcap: the probe cannot keep up")
    if stats.get("export_failures"):
        found.append(f"{stats['export_failures']} export failures: is the collector running?")
    return found


def _row(label, value):
    return f"  {label:<28}{value}"


def render(stats):
    """Render annotated stats as readable text lines."""
    s = stats
    lines = [f"softflowd pid {s.get('pid')}, counting since {s.get('since')}",
             _row("active flows", s.get("active_flows")),
             _row("packets processed", s.get("packets_processed")),
             _row("fragments", s.get("fragments")),
             _row("ignored packets", f"{s.get('ignored')} ({s.get('ignored_non_ip')} non-IP, "
                                     f"{s.get('ignored_too_short')} too short)"),
             _row("flows expired", f"{s.get('flows_expired')} ({s.get('flows_forced')} forced)"),
             _row("flows exported", f"{s.get('flows_exported')} in {s.get('export_packets')} "
                                    f"packets ({s.get('export_failures')} failures)"),
             _row("libpcap received/dropped", f"{s.get('pcap_received')} / {s.get('pcap_dropped')}")]
    if s["interface_dropped_reliable"]:
        lines.append(_row("interface dropped", s.get("interface_dropped")))
    else:
        lines.append(_row("interface dropped", f"unreliable (softflowd says {s.get('interface_dropped')})"))
    for key, value in s["kernel_drops"].items():
        lines.append(_row(f"mirror port {key}", value))
    lines += _expired_lines(s) + _protocol_lines(s)
    lines += [f"WARNING: {w}" for w in s["warnings"]]
    return "\n".join(lines)


def _expired_lines(s):
    lines = []
    if s.get("expired"):
        lines.append(f"expired flows{'min':>17}{'avg':>14}{'max':>14}")
        for key in ("bytes", "packets", "duration"):
            v = s["expired"].get(key)
            if v:
                cells = (f"{v[k]:.2f}s" if key == "duration" else str(v[k]) for k in ("min", "avg", "max"))
                lines.append(f"  {key:<14}" + "".join(f"{c:>14}" for c in cells))
    if s.get("expiry_reasons"):
        lines.append("expiry reasons: " + ", ".join(f"{k} {v}" for k, v in s["expiry_reasons"].items()))
    return lines


def _protocol_lines(s):
    if not s["protocols"]:
        return []
    lines = ["per protocol:        octets      packets   avg life   max life"]
    for p in s["protocols"]:
        lines.append(f"  {p['name']:<10}{p['octets']:>14}{p['packets']:>13}"
                     f"{p['avg_life']:>10.2f}s{p['max_life']:>10.2f}s")
    return lines
