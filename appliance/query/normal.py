"""The one vocabulary of flow rows: protocol names, ICMP type/code as a port, first/last order."""

# The only protocol-name map: nfdump prints names in upper case (TCP, ICMP6) or, with -N, numbers.
PROTO_NAMES = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre", 50: "esp",
               51: "ah", 58: "icmp6", 89: "ospf", 103: "pim", 112: "vrrp", 132: "sctp"}
PROTO_NUMBERS = {name: number for number, name in PROTO_NAMES.items()}
ICMP_PROTOS = (1, 58)
ICMP_NAMES = ("icmp", "icmp6")


def proto_name(value):
    """Return the lower-case name of a protocol given as a number or as nfdump prints it."""
    if isinstance(value, int):  # the search's hot path: one dict lookup per row
        return PROTO_NAMES.get(value) or str(value)
    text = str(value).strip()
    if text.isdigit():
        return PROTO_NAMES.get(int(text), text)
    return text.lower()


def proto_number(value):
    """Return the protocol number of a name or number as nfdump prints it (0 when unknown)."""
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    return PROTO_NUMBERS.get(text.lower(), 0)


def icmp_port(icmp_type, icmp_code):
    """Return the port nfdump matches for ICMP ("dst port"): type x 256 + code."""
    return int(icmp_type) * 256 + int(icmp_code)


def port(text):
    """Return a port cell as a number; ICMP's "type.code" becomes icmp_port (0 if unreadable)."""
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    kind, _, code = text.partition(".")
    return icmp_port(kind, code) if kind.isdigit() and code.isdigit() else 0


def stamp(text):
    """Turn nfdump's UTC time text (2026-11-27 14:00:01[.123]) into ISO-8601 with a Z."""
    return text.strip().replace(" ", "T") + "Z"


def epoch(iso):
    """Return the epoch seconds of a stamp() text, or None when it is empty or unreadable."""
    from datetime import datetime  # the search's hot path never needs it
    try:
        return datetime.fromisoformat(iso.rstrip("Z") + "+00:00").timestamp()
    except (AttributeError, ValueError):
        return None


def ordered(first, last):
    """Return (first, last) so that a flow never ends before it starts (any comparable times)."""
    # Measured (docs/accuracy.md): IPFIX without -A milli gives first after last in 91% of
    # records, with times off by years; the last-seen end is the one nearer the export, so keep it.
    if last < first:
        return last, last
    return first, last
