"""Host names and device kinds from the announcements hosts broadcast: mDNS, NetBIOS, SSDP, DHCP.

Pure parsing of those protocols' own payloads (they are sent to everyone on the segment; no other
payload is read). Each parser returns Sightings; a malformed payload returns what it got so far.
"""

import ipaddress
import struct
from dataclasses import dataclass

MDNS, NBNS, SSDP, DHCP_SERVER, DHCP_CLIENT = 5353, 137, 1900, 67, 68

# DNS-SD service types that say what a device is (RFC 6763 names, common vendors' types)
SERVICE_KINDS = {
    "_ipp": "printer", "_ipps": "printer", "_printer": "printer", "_pdl-datastream": "printer",
    "_scanner": "scanner", "_uscan": "scanner",
    "_airplay": "media player", "_raop": "media player", "_googlecast": "media player",
    "_spotify-connect": "media player", "_hap": "smart-home device", "_homekit": "smart-home device",
    "_rtsp": "camera", "_axis-video": "camera", "_smb": "file server", "_afpovertcp": "file server",
    "_nfs": "file server", "_workstation": "workstation", "_ssh": "server", "_sftp-ssh": "server",
    "_http": "web device", "_device-info": None,
}
NETBIOS_SUFFIX = {0x00: "workstation", 0x20: "file server", 0x1B: "domain controller",
                  0x1C: "domain controller", 0x1D: "master browser"}
UPNP_KINDS = {"MediaServer": "media server", "MediaRenderer": "media player",
              "InternetGatewayDevice": "router", "WANDevice": "router", "Printer": "printer",
              "Basic": "UPnP device", "DigitalSecurityCamera": "camera", "ZonePlayer": "media player"}
DHCP_VENDORS = (("MSFT", "Windows host"), ("android", "Android device"), ("dhcpcd", "Linux host"),
                ("udhcp", "embedded Linux device"), ("Cisco", "Cisco device"))
DHCP_MAGIC = b"\x63\x82\x53\x63"


@dataclass(frozen=True)
class Sighting:
    """What one announcement says of one host."""

    source: str  # mdns, netbios, ssdp, dhcp
    ip: str | None = None
    mac: str | None = None
    name: str | None = None
    kind: str | None = None
    detail: str | None = None


def _dns_name(data, off, depth=0):
    """Return (name, offset after it) of a possibly compressed DNS name."""
    labels = []
    while off < len(data):
        n = data[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xC0 == 0xC0:
            if depth > 10 or off + 1 >= len(data):
                break
            ptr = ((n & 0x3F) << 8) | data[off + 1]
            rest, _ = _dns_name(data, ptr, depth + 1)
            return ".".join(labels + ([rest] if rest else [])), off + 2
        labels.append(data[off + 1:off + 1 + n].decode("utf-8", "replace"))
        off += 1 + n
    raise ValueError("truncated name")


def _records(data):
    """Yield (name, type, rdata offset, rdata length, data) of every answer and other record."""
    qd, an, ns, ar = struct.unpack_from("!HHHH", data, 4)
    off = 12
    for _ in range(qd):
        _name, off = _dns_name(data, off)
        off += 4
    for _ in range(an + ns + ar):
        name, off = _dns_name(data, off)
        rtype, _cls, _ttl, length = struct.unpack_from("!HHIH", data, off)
        off += 10
        yield name, rtype, off, length, data
        off += length


def _host_label(name):
    return name[:-len(".local")] if name.lower().endswith(".local") else name


def mdns(src, payload):
    """Return Sightings from an mDNS response: A/AAAA owners name the host, services its kind."""
    out, name, kinds, detail = [], None, set(), None
    try:
        if len(payload) < 12 or not payload[2] & 0x80:  # queries say nothing of the sender
            return out
        for owner, rtype, off, length, data in _records(payload):
            if rtype == 1 and length == 4 and str(ipaddress.IPv4Address(data[off:off + 4])) == src:
                name = _host_label(owner)
            elif rtype == 28 and length == 16 and \
                    str(ipaddress.IPv6Address(data[off:off + 16])) == src:
                name = _host_label(owner)
            elif rtype in (1, 28) and name is None:
                name = _host_label(owner)
            elif rtype in (12, 33):  # PTR or SRV: the service types the host offers
                for label in owner.split("."):
                    if label in SERVICE_KINDS and SERVICE_KINDS[label]:
                        kinds.add(SERVICE_KINDS[label])
            elif rtype == 16 and "._device-info." in owner:
                txt = data[off + 1:off + length].decode("utf-8", "replace")
                detail = txt if txt.startswith("model=") else detail
    except (ValueError, struct.error, IndexError):
        pass
    if name or kinds:
        out.append(Sighting("mdns", ip=src, name=name, kind=_pick(kinds), detail=detail))
    return out


def _pick(kinds):
    # a printer also announces _http: the most specific kind wins
    for k in ("printer", "scanner", "camera", "media player", "smart-home device", "file server",
              "workstation", "server", "web device"):
        if k in kinds:
            return k
    return None


def _netbios_name(encoded):
    raw = bytes(((encoded[i] - 0x41) << 4) | (encoded[i + 1] - 0x41) for i in range(0, 32, 2))
    return raw[:15].decode("ascii", "replace").rstrip(), raw[15]


def _nb_flags(payload, qd):
    """Return the NB_FLAGS of the resource record after the first name (0 when there is none)."""
    off = 12 + 34
    if qd:  # a request: question type and class, then the record, its name usually a pointer
        off += 4
        off += 2 if payload[off] & 0xC0 == 0xC0 else 34
    return struct.unpack_from("!H", payload, off + 10)[0]


def netbios(src, payload):
    """Return a Sighting from a NetBIOS name registration, refresh or positive answer."""
    try:
        flags, qd = struct.unpack_from("!HH", payload, 2)
        opcode = (flags >> 11) & 0x0F
        if opcode not in (0, 5, 8, 9) or len(payload) < 12 + 34 or payload[12] != 0x20:
            return []
        if opcode == 0 and not flags & 0x8000:  # a query names what is sought, not the sender
            return []
        name, suffix = _netbios_name(payload[13:45])
        group = _nb_flags(payload, qd) & 0x8000  # a workgroup's name, not the host's own
    except (struct.error, IndexError, ValueError):
        return []
    if group or not name or name.startswith("\x01") or name == "*" or suffix not in (0x00, 0x20):
        return []
    return [Sighting("netbios", ip=src, name=name, kind=NETBIOS_SUFFIX.get(suffix))]


def ssdp(src, payload):
    """Return a Sighting from an SSDP NOTIFY or search answer: the device type and server."""
    try:
        text = payload[:2048].decode("utf-8", "replace")
    except Exception:  # pragma: no cover - decode with replace does not raise
        return []
    first, _, rest = text.partition("\r\n")
    if not (first.startswith("NOTIFY") or first.startswith("HTTP/1.1 200")):
        return []
    headers = {}
    for line in rest.split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().upper()] = value.strip()
    kind = None
    for header in ("NT", "ST"):
        value = headers.get(header, "")
        if ":device:" in value:
            device = value.split(":device:")[1].split(":")[0]
            kind = UPNP_KINDS.get(device, f"UPnP {device}")
            break
    server = headers.get("SERVER")
    if kind is None and not server:
        return []
    return [Sighting("ssdp", ip=src, kind=kind or "UPnP device", detail=server)]


def dhcp(payload):
    """Return a Sighting from a DHCP client message or server answer: MAC, address, host name."""
    if len(payload) < 240 or payload[236:240] != DHCP_MAGIC:
        return []
    mac = payload[28:34].hex(":")
    ciaddr, yiaddr = payload[12:16], payload[16:20]
    options, off = {}, 240
    while off < len(payload) and payload[off] != 255:
        code = payload[off]
        if code == 0:
            off += 1
            continue
        if off + 1 >= len(payload):
            break
        length = payload[off + 1]
        options[code] = payload[off + 2:off + 2 + length]
        off += 2 + length
    ip = None
    for raw in (yiaddr, ciaddr, options.get(50, b"")):
        if len(raw) == 4 and raw != b"\0\0\0\0":
            ip = str(ipaddress.IPv4Address(raw))
            break
    name = options.get(12, b"").decode("utf-8", "replace").strip("\0 ") or None
    vendor = options.get(60, b"").decode("utf-8", "replace") or None
    kind = next((k for prefix, k in DHCP_VENDORS if vendor and vendor.startswith(prefix)), None)
    if not name and not vendor:
        return []
    return [Sighting("dhcp", ip=ip, mac=mac, name=name, kind=kind, detail=vendor)]


def sightings(p):
    """Return what a decoded UDP packet announces, or [] (most packets announce nothing)."""
    if not p.payload or p.src is None:
        return []
    ports = (p.sport, p.dport)
    if MDNS in ports:
        return mdns(p.src, p.payload)
    if p.sport == NBNS:
        return netbios(p.src, p.payload)
    if SSDP in ports:
        return ssdp(p.src, p.payload)
    if DHCP_SERVER in ports and DHCP_CLIENT in ports:
        return dhcp(p.payload)
    return []
