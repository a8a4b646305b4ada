"""Value checks for config fields: each returns an error text or None."""

import ipaddress
import re

from .. import durations

_SIZE = re.compile(r"^(\d+)([KMGT]?)$")
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_ENDPOINT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def int_range(lo, hi=None):
    def check(v):
        if not isinstance(v, int) or isinstance(v, bool):
            return f"an integer from {lo}" + (f" to {hi}" if hi is not None else " up")
        if v < lo or (hi is not None and v > hi):
            return f"an integer from {lo}" + (f" to {hi}" if hi is not None else " up")
        return None
    return check


def unsampled(v):
    # softflowd -s N keeps 1 packet in N and exports the kept counts as they are: stored and
    # shown unscaled they look exact and are N times too small (docs/accuracy.md, "Sampling").
    if v in (0, 1) and not isinstance(v, bool):
        return None
    return ("0 or 1 (every packet): sampling is refused, its counts would be stored unscaled "
            "as if exact (docs/accuracy.md)")


def one_of(*choices):
    def check(v):
        return None if v in choices else "one of " + ", ".join(repr(c) for c in choices)
    return check


def boolean(v):
    return None if isinstance(v, bool) else "true or false"


def string(v):
    return None if isinstance(v, str) else "a string"


def host_port(v):
    """ADDR:PORT with a literal IPv4/IPv6 address (IPv6 in brackets)."""
    want = 'an address and port such as "127.0.0.1:9995" or "[::1]:9995"'
    try:
        split_host_port(v)
    except ValueError:
        return want
    return None


def split_host_port(v):
    if not isinstance(v, str) or ":" not in v:
        raise ValueError(v)
    host, _, port = v.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    ipaddress.ip_address(host)
    port = int(port)
    if not 0 < port < 65536:
        raise ValueError(v)
    return host, port


def endpoints(v):
    """A list of "host:port" (a name or an address; IPv6 in brackets)."""
    want = 'a list of "host:port" such as ["ch1.example.org:9000", "[2001:db8::5]:9000"]'
    if not isinstance(v, list):
        return want
    for item in v:
        if not (isinstance(item, str) and _ENDPOINT.match(item)
                and 0 < int(item.rsplit(":", 1)[1]) < 65536):
            return want
    return None


def identifier(v):
    ok = isinstance(v, str) and _IDENT.match(v)
    return None if ok else "1-64 letters, digits and _, not starting with a digit"


def addresses(v):
    # nfcapd 1.7.1 matches exporters by exact address only (-n ident,IP,dir): no networks.
    want = 'a list of single exporter addresses such as ["192.0.2.1", "2001:db8::1"] (no networks)'
    if not isinstance(v, list):
        return want
    for item in v:
        try:
            ipaddress.ip_address(item)
        except (TypeError, ValueError):
            return want
    return None


def networks(v):
    want = 'a list of networks such as ["10.1.0.0/16", "2001:db8:1::/48"]'
    if not isinstance(v, list):
        return want
    for item in v:
        try:
            ipaddress.ip_network(item, strict=False)
        except (TypeError, ValueError):
            return want
    return None


def vlan_ids(v):
    if not isinstance(v, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                          and 0 <= i <= 4094 for i in v):
        return "a list of VLAN ids from 0 to 4094, such as [10, 20]"
    return None


def size(v):
    return None if isinstance(v, str) and _SIZE.match(v) else 'a size such as "500M" or "10G" (units K, M, G, T)'


def age(v):
    return durations.check(v)


def filter_table(v):
    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(f, str) for k, f in v.items()):
        return 'a table of name = "nfdump filter" entries'
    for name, f in v.items():
        if not re.match(r"^[a-z][a-z0-9_]{0,18}$", name):
            return f"names of 1-19 lowercase letters, digits or _ (not {name!r})"
        if not f.strip() or f.lstrip().startswith("-"):
            return f"a non-empty nfdump filter not starting with '-' (entry {name!r})"
    return None


def bytes_of(text):
    """Turn a checked size string into bytes."""
    m = _SIZE.match(text)
    return int(m.group(1)) * _SIZE_UNITS[m.group(2)]


seconds_of = durations.seconds  # a checked age into seconds: the one duration grammar


def suppressions(v):
    want = 'a list of tables with keys rule, host and/or net, e.g. [{ rule = "scan", host = "10.0.0.5" }]'
    if not isinstance(v, list):
        return want
    for item in v:
        if not isinstance(item, dict) or not item or set(item) - {"rule", "host", "net"}:
            return want
        try:
            if "host" in item:
                ipaddress.ip_address(item["host"])
            if "net" in item:
                ipaddress.ip_network(item["net"], strict=False)
        except (TypeError, ValueError):
            return want
        if "rule" in item and not isinstance(item["rule"], str):
            return want
    return None


_EMAIL = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+$")


def optional(check):
    """Allow "" (off) beside what check accepts."""
    def inner(v):
        return None if v == "" else check(v)
    return inner


def endpoint(v):
    """One "host:port" (a name or an address; IPv6 in brackets)."""
    return None if endpoints([v]) is None else 'a "host:port" such as "mail.example.org:587"'


def email(v):
    return None if isinstance(v, str) and _EMAIL.match(v) else 'an address such as "ops@example.org"'


def emails(v):
    ok = isinstance(v, list) and all(email(x) is None for x in v)
    return None if ok else 'a list of addresses such as ["ops@example.org"]'


def url(v):
    ok = isinstance(v, str) and re.match(r"^https?://[^\s/]+(/\S*)?$", v)
    return None if ok else 'an http:// or https:// URL'


def rotation_lag(timeouts, rotate):
    """Return a warning when a flow can reach the store later than one rotation, else None."""
    # softflowd exports a flow at the latest maxlife seconds after its first packet (idle
    # timeouts are capped by it), at the next multiple of expint (its expiry clustering).
    late = [f"probe.timeouts.{key} = {getattr(timeouts, key)}" for key in ("maxlife", "expint")
            if getattr(timeouts, key) > rotate]
    if not late:
        return None
    return (f"{' and '.join(late)} exceed collector.rotate = {rotate}: long flows reach the "
            "store, graphs and alerts only when they end or up to that many seconds late "
            "(docs/accuracy.md)")
