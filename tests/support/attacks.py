"""Real tools' captures (tests/fixtures/attacks) through softflowd -r, nfcapd, ingest and detection.

A capture is cut at rotation boundaries of its own timestamps, each slice becomes one closed
nfcapd file named for its interval (as a sensor rotating every `rotate` seconds would have
written it), and the real IngestWorker hands the files to the real Detector in time order, on the
shipped configs/spanflow.toml and configs/rules.d (only directories set).
"""

import gzip
import os
import shutil
import struct
import tempfile
from datetime import datetime, timezone

from . import flowstore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "attacks")
SHIPPED = os.path.join(ROOT, "configs", "spanflow.toml")
RULES = os.path.join(ROOT, "configs", "rules.d")


def names():
    """Return the recorded captures' names."""
    return sorted(n[:-len(".pcap.gz")] for n in os.listdir(FIXTURES) if n.endswith(".pcap.gz"))


def unpack(name, folder):
    """Write capture NAME as a plain pcap into folder; return its path."""
    path = os.path.join(folder, f"{name}.pcap")
    with gzip.open(os.path.join(FIXTURES, f"{name}.pcap.gz"), "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def split(pcap, seconds, folder, shift=0):
    """Cut a pcap at multiples of `seconds` (UTC epoch); return [(slice start, path)] in order.

    shift (whole seconds) moves every packet later, so captures recorded at the same time can be
    laid one after another.
    """
    with open(pcap, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    header, pos, slices = data[:24], 24, {}
    while pos + 16 <= len(data):
        sec, frac, caplen, size = struct.unpack(endian + "IIII", data[pos:pos + 16])
        end = pos + 16 + caplen
        sec += shift
        record = struct.pack(endian + "IIII", sec, frac, caplen, size) + data[pos + 16:end]
        slices.setdefault(sec - sec % seconds, []).append(record)
        pos = end
    out = []
    for start, records in sorted(slices.items()):
        path = os.path.join(folder, f"slice-{start}.pcap")
        with open(path, "wb") as f:
            f.write(header + b"".join(records))
        out.append((start, path))
    return out


def file_name(start, rotate):
    """Return nfcapd's name for a file starting at epoch `start` (seconds kept below 60 s)."""
    t = datetime.fromtimestamp(start, timezone.utc)
    return "nfcapd." + t.strftime("%Y%m%d%H%M%S" if rotate < 60 else "%Y%m%d%H%M")


def first_packet(pcap):
    """Return the whole second of a pcap's first packet."""
    with open(pcap, "rb") as f:
        data = f.read(40)
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    return struct.unpack(endian + "I", data[24:28])[0]


def flow_files(names_, flows_dir, rotate=60):
    """Fill flows_dir with one closed nfcapd file per `rotate` seconds of the captures' traffic.

    Several captures (a name may repeat) are laid one after another in time: each starts in the
    interval after the previous one's last. Return [(start epoch, path)].
    """
    os.makedirs(flows_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="spanflow-attacks-")
    out = []
    try:
        after = None
        for name in [names_] if isinstance(names_, str) else names_:
            pcap = unpack(name, work)
            first = first_packet(pcap)
            shift = 0 if after is None else max(0, after + rotate - (first - first % rotate))
            for start, piece in split(pcap, rotate, work, shift):
                after = start
                built = os.path.join(work, f"built-{start}")
                files = flowstore.build(piece, built, os.path.join(work, "run"), rotate=3600)
                assert len(files) == 1, files
                target = os.path.join(flows_dir, file_name(start, rotate))
                assert not os.path.exists(target), f"captures overlap at {target}"
                shutil.move(os.path.join(built, files[0]), target)
                out.append((start, target))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return sorted(out)


def rules_dir(tmp, extra):
    """Return the shipped rules folder, or a copy of it with `extra` TOML added as a later file."""
    if not extra:
        return RULES
    folder = os.path.join(str(tmp), "rules.d")
    shutil.copytree(RULES, folder)
    with open(os.path.join(folder, "90-test.toml"), "w") as f:
        f.write(extra)
    return folder


def config(tmp, extra="", rules_extra="", detect_extra=""):
    """Return (cfg, paths) of the shipped config with only directories (and `extra` TOML) set."""
    from appliance.config import loader
    from appliance.paths import Paths
    os.makedirs(str(tmp), exist_ok=True)
    local = os.path.join(str(tmp), "local.toml")
    with open(local, "w") as f:
        f.write(f'[storage]\ndir = "{tmp}/data"\nruntime_dir = "{tmp}/run"\n'
                f'[detect]\nrules_dir = "{rules_dir(tmp, rules_extra)}"\n{detect_extra}\n{extra}')
    cfg = loader.load([SHIPPED, local])
    return cfg, Paths.of(cfg)


def detect(names_, tmp, rotate=60, extra="", rules_extra="", detect_extra=""):
    """Run captures through the shipped sensor's ingest and detection; return (alerts, status).

    `rotate` other than the shipped 60 s is set in [collector] (the files are cut to it);
    rules_extra is added to a copy of the shipped rules.d, detect_extra to [detect].
    """
    from appliance.detect.engine import Detector
    from appliance.trends.ingest import IngestWorker
    if rotate != 60:
        extra = f"[collector]\nrotate = {rotate}\n{extra}"
    cfg, paths = config(tmp, extra, rules_extra, detect_extra)
    files = flow_files(names_, paths.flows, rotate)
    now = files[-1][0] + rotate + 1
    detector = Detector(cfg, paths, clock=lambda: now)
    worker = IngestWorker(cfg, paths, listeners=[detector], clock=lambda: now)
    detector.start()
    worker.start()
    try:
        worker.poll(now)
        assert worker.status().get("pending", 0) == 0, worker.status()
        alerts = detector.store.list(active_only=False, limit=1000)
        return sorted(alerts, key=lambda a: a["id"]), detector.status()
    finally:
        worker.stop()
        detector.stop()


def raised(alerts):
    """Return sorted "rule key" strings of alerts."""
    return sorted(f"{a['rule']} {a['key']}" for a in alerts)
