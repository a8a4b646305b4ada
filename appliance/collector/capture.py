"""Walk a pcap or pcapng capture's packet records without decoding them; pure, no processes.

`spanflow import` cuts a capture into time slices that softflowd reads from a pipe: a slice is
the capture's header (pcapng: its section and interface blocks) plus a contiguous byte range of
records, so nothing is rewritten. Reading stops at the first record that is cut short or whose
length makes no sense; everything before it stays usable (Capture.error says where and why).
"""

import mmap
import os
import struct

from ..errors import ToolError

PCAP_MAGIC = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
              b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
MAX_RECORD = 256 * 1024  # libpcap's largest snapshot length (MAXIMUM_SNAPLEN)
MAX_BLOCK = 16 * 1024 * 1024  # libpcap refuses pcapng blocks above this


class CaptureError(ToolError):
    """The capture cannot be read at all (not pcap/pcapng, unreadable, empty)."""


def _pcapng_endian(data, at):
    magic = data[at + 8:at + 12]
    if magic == b"\x4d\x3c\x2b\x1a":
        return "<"
    if magic == b"\x1a\x2b\x3c\x4d":
        return ">"
    return None


class Capture:
    """A capture file mapped read-only; records() yields (time, end offset) of each packet."""

    def __init__(self, path):
        self.path = path
        try:
            self._file = open(path, "rb")
        except OSError as exc:
            raise CaptureError(f"cannot read capture {path}: {exc.strerror}") from None
        self.size = os.fstat(self._file.fileno()).st_size
        if self.size < 24:
            self._file.close()
            raise CaptureError(f"capture {path} is {self.size} bytes long: not a pcap or pcapng "
                               "file (too short for a file header)")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        head = self._map[:4]
        self.error = None  # set when reading stopped before the end: "at byte N: why"
        self.packets = 0
        self.offset = 0  # bytes walked so far
        if head in PCAP_MAGIC:
            self.format, (self._endian, self._unit) = "pcap", PCAP_MAGIC[head]
            self._header = self._map[:24]
        elif head == PCAPNG_SHB and _pcapng_endian(self._map, 0):
            self.format, self._endian = "pcapng", _pcapng_endian(self._map, 0)
            self._header = b""
        else:
            self.close()
            raise CaptureError(f"{path} is not a pcap or pcapng capture (it starts with "
                               f"{head.hex()}): give a file written by tcpdump, tshark or dumpcap")

    def close(self):
        if self._map is not None:
            self._map.close()
            self._map = None
        self._file.close()

    def header(self):
        """Return the bytes a slice must start with to be a capture of its own."""
        return self._header

    def records_start(self):
        """Return the offset of the first record (pcapng: its section header, kept in the slice)."""
        return 24 if self.format == "pcap" else 0

    def chunk(self, start, end):
        """Return the record bytes between two offsets records() gave."""
        return self._map[start:end]

    def records(self):
        """Yield (epoch seconds, end offset) per packet; stop at the end or at the first bad record."""
        walk = self._pcap if self.format == "pcap" else self._pcapng
        yield from walk()

    def frames(self):
        """Yield (epoch seconds, frame bytes) per packet, read in place (the side capture's input)."""
        data, prev = self._map, self.records_start()
        for when, end in self.records():
            if self.format == "pcap":
                yield when, data[prev + 16:end]
            else:  # the block ends with its length; enhanced/obsolete blocks: data at +28
                length = struct.unpack_from(self._endian + "I", data, end - 4)[0]
                start = end - length
                kind = struct.unpack_from(self._endian + "I", data, start)[0]
                if kind == 3:  # simple packet block: original length, then the data
                    size = min(struct.unpack_from(self._endian + "I", data, start + 8)[0],
                               length - 16)
                    yield when, data[start + 12:start + 12 + size]
                else:
                    size = struct.unpack_from(self._endian + "I", data, start + 20)[0]
                    yield when, data[start + 28:start + 28 + min(size, length - 32)]
            prev = end

    def _stop(self, at, why):
        self.error = f"at byte {at} of {self.size}: {why}"

    def _pcap(self):
        data, size, unit = self._map, self.size, self._unit
        record = struct.Struct(self._endian + "IIII")
        at = 24
        self.offset = at
        while at < size:
            if at + 16 > size:
                self._stop(at, "the capture ends inside a packet header (truncated)")
                return
            sec, frac, incl, _orig = record.unpack_from(data, at)
            if incl > MAX_RECORD:
                self._stop(at, f"a packet record claims {incl} bytes (corrupt)")
                return
            end = at + 16 + incl
            if end > size:
                self._stop(at, "the capture ends inside a packet (truncated)")
                return
            at = self.offset = end
            self.packets += 1
            yield sec + frac * unit, end

    def _pcapng(self):
        data, size = self._map, self.size
        endian, resolution, at, when = self._endian, [], 0, 0.0
        head = struct.Struct(endian + "II")
        while at < size:
            if at + 12 > size:
                self._stop(at, "the capture ends inside a block header (truncated)")
                return
            kind, length = head.unpack_from(data, at)
            if kind == 0x0A0D0D0A:  # a new section may switch byte order; its interfaces restart
                endian = _pcapng_endian(data, at)
                if endian is None:
                    self._stop(at, "a section header with an unknown byte-order magic (corrupt)")
                    return
                head = struct.Struct(endian + "II")
                kind, length = head.unpack_from(data, at)
                resolution, self._header = [], b""
            if length < 12 or length % 4 or length > MAX_BLOCK:
                self._stop(at, f"a block claims {length} bytes (corrupt)")
                return
            end = at + length
            if end > size:
                self._stop(at, "the capture ends inside a block (truncated)")
                return
            if struct.unpack_from(endian + "I", data, end - 4)[0] != length:
                self._stop(at, "a block's two length fields differ (corrupt)")
                return
            if kind in (0x0A0D0D0A, 1):  # section and interface blocks head every slice
                self._header += data[at:end]
                if kind == 1:
                    resolution.append(_tsresol(data, at, length, endian))
            at = self.offset = end
            if kind == 6 or kind == 2:  # enhanced (and obsolete) packet blocks carry a time
                iface = struct.unpack_from(endian + ("I" if kind == 6 else "H"), data, at - length + 8)[0]
                high, low = struct.unpack_from(endian + "II", data, at - length + 12)
                unit = resolution[iface] if iface < len(resolution) else 1e-6
                when = ((high << 32) | low) * unit
            if kind in (2, 3, 6):  # a simple packet block (3) has no time: it keeps the last one
                self.packets += 1
                yield when, end


def _tsresol(data, at, length, endian):
    """Return an interface block's time unit in seconds (if_tsresol, default microseconds)."""
    pos, end = at + 16, at + length - 4
    while pos + 4 <= end:
        code, size = struct.unpack_from(endian + "HH", data, pos)
        if code == 0:
            break
        if code == 9 and size >= 1:
            v = data[pos + 4]
            return 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -v
        pos += 4 + (size + 3) // 4 * 4
    return 1e-6
