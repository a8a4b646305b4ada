"""A sensor store in a tmp dir: config, ingest runs, and the checks that compare it with nfdump."""

import os
import sqlite3
import subprocess
import time

import rrdtool

from appliance.config import load
from appliance.paths import Paths
from appliance.supervisor import snapshot  # noqa: F401  (tests read the status with it)
from appliance.trends import readers
from appliance.query.files import CLOSED  # noqa: F401  (the tests list closed files with it)

CONFIG = """
[collector]
rotate = {rotate}
{collector}
[storage]
dir = "{data}"
runtime_dir = "{runtime}"
"""


def make(tmp_path, rotate=60, collector="", data=None):
    """Write a config for a store under tmp_path; return (config path, cfg, paths)."""
    path = tmp_path / "spanflow.toml"
    path.write_text(CONFIG.format(rotate=rotate, collector=collector, data=data or tmp_path / "data",
                                  runtime=tmp_path / "run"))
    os.makedirs(tmp_path / "run", exist_ok=True)
    cfg = load([str(path)])
    return str(path), cfg, Paths.of(cfg)


def nfdump_totals(files):
    """Return (flows, packets, bytes) nfdump counts over the given flow files."""
    flows = packets = nbytes = 0
    for path in files:
        out = subprocess.run(["nfdump", "-r", path, "-q", "-o", "csv", "-s", "proto", "-n", "0"],
                             env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}, check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            cols = line.split(",")
            if len(cols) > 9 and cols[5].isdigit():
                flows, packets, nbytes = flows + int(cols[5]), packets + int(cols[7]), \
                    nbytes + int(cols[9])
    return flows, packets, nbytes


def rrd_totals(cfg, paths, start, end):
    """Return (flows, packets, bytes) the total RRD series holds over [start, end]."""
    out = []
    for metric, scale in (("flows", 1), ("packets", 1), ("bits", 8)):
        s = readers.series(cfg, paths, "total", metric, start, end)
        out.append(round(sum((r[1] or 0) * s["step"] for r in s["rows"]) / scale))
    return tuple(out)


def ingest_all(cfg, paths, timeout=120):
    """Run the real ingest worker until nothing is pending; return its status."""
    from appliance.trends.ingest import IngestWorker
    worker = IngestWorker(cfg, paths)
    worker.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            worker.poll(time.monotonic())
            status = worker.status()
            if status["pending"] == 0:
                worker.flush()  # no file is to come: the newest steps are final
                return status
            assert time.monotonic() < deadline, f"ingest did not catch up: {status}"
    finally:
        worker.stop()


def intact(paths):
    """Assert SQLite passes integrity_check and every RRD file reads; return the RRD count."""
    con = sqlite3.connect(paths.database)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    names = [n for n in os.listdir(paths.rrd) if n.endswith(".rrd")]
    for name in names:
        assert rrdtool.info(os.path.join(paths.rrd, name))["step"] > 0
    return len(names)


# Run in a child so the test can SIGKILL it mid-catch-up, like a killed `spanflow run`.
INGEST_LOOP = """
import sys, time
sys.path.insert(0, sys.argv[2])
from appliance.config import load
from appliance.paths import Paths
from appliance.supervisor import snapshot  # noqa: F401  (tests read the status with it)
from appliance.trends.ingest import IngestWorker
cfg = load([sys.argv[1]])
w = IngestWorker(cfg, Paths.of(cfg))
w.start()
while True:
    w.poll(time.monotonic())
    if w.status()["pending"] == 0:
        break
w.stop()
"""


def files_done(paths):
    """Return how many files the database records as done (0 before it exists)."""
    if not os.path.exists(paths.database):
        return 0
    con = sqlite3.connect(paths.database, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM ingest_files WHERE status='done'").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0
    finally:
        con.close()
