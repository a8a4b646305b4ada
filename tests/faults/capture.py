"""Captures with known content and real flow files made from them by softflowd and nfcapd."""

import os
import shutil
import struct
from datetime import datetime, timedelta, timezone

from appliance.trends.ingest import file_start
from support import flowstore

ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"


def write_pcap(path, flows, packets_per_flow=3, start=1_700_000_000.0, payload=30):
    """Write IPv4/UDP flows from 10.9.x.y to 10.8.0.1; return (flows, packets, IP bytes)."""
    udp_len = 8 + payload
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        n = 0
        for rep in range(packets_per_flow):
            for flow in range(flows):
                udp = struct.pack("!HHHH", 1024 + flow % 60000, 53, udp_len, 0) + bytes(payload)
                src = bytes([10, 9, flow // 250 % 250, flow % 250 + 1])
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0, src,
                                 bytes([10, 8, 0, 1]))
                sec, usec = divmod(int((start + n * 0.001) * 1e6), 1_000_000)
                frame = ETH + ip + udp
                f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
                n += 1
    return flows, flows * packets_per_flow, flows * packets_per_flow * (20 + udp_len)


def flow_file(work, flows=200):
    """Return the path of one real closed flow file holding `flows` UDP flows."""
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, "capture.pcap")
    write_pcap(pcap, flows)
    out = os.path.join(work, "made")
    files = flowstore.build(pcap, out, work)
    assert len(files) == 1, files
    return os.path.join(out, files[0])


def name_at(when, rotate):
    """Return the closed-file name nfcapd gives the interval starting at `when` (UTC)."""
    return f"nfcapd.{when:%Y%m%d%H%M%S}" if rotate < 60 else f"nfcapd.{when:%Y%m%d%H%M}"


def window(names, rotate=60):
    """Return (start, end) epoch seconds that cover the named closed files with a margin."""
    first, last = file_start(names[0]), file_start(names[-1])
    return int(first.timestamp()) - rotate, int(last.timestamp()) + 2 * rotate


def names_after(name, count, rotate=60):
    """Return the names of the `count` intervals after the closed file `name`."""
    start = file_start(name)
    return [name_at(start + timedelta(seconds=(i + 1) * rotate), rotate) for i in range(count)]


def backlog(source, flowdir, count, rotate=60, ago=timedelta(minutes=30)):
    """Copy source as `count` consecutive closed files starting `ago` before now; return names."""
    os.makedirs(flowdir, exist_ok=True)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    first = now - ago
    names = []
    for i in range(count):
        name = name_at(first + timedelta(seconds=i * rotate), rotate)
        shutil.copyfile(source, os.path.join(flowdir, name))
        names.append(name)
    return names
