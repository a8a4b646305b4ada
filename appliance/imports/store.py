"""An import store: the folder `spanflow import --into DIR` fills and `--store DIR` reads.

DIR/flows (files named by the capture's time), DIR/rrd, DIR/spanflow.sqlite, DIR/alerts.jsonl
like the sensor's /var/lib/spanflow, plus DIR/imports.json: the configuration the store was made
with (so `spanflow web --store` and later imports read it the same way) and one entry per
capture imported, by content digest, so the same capture is never counted twice.
"""

import dataclasses
import hashlib
import json
import os
import shutil
from datetime import datetime, timezone

from .. import statefile
from ..config import loader
from ..errors import ConfigError, SpanflowError
from ..paths import Paths

RECORD = "imports.json"
VERSION = 1


def paths_of(directory):
    """Return the Paths of an import store: data in DIR, runtime files in DIR/run."""
    directory = os.path.abspath(directory)
    return Paths(directory, os.path.join(directory, "run"))


def is_store(directory):
    return os.path.isdir(os.path.join(directory, "flows"))


def digest(path, block=1 << 20):
    """Return the SHA-256 of a file's content (the identity of a capture, whatever its name)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


def read(directory):
    """Return the store's record, or None for a folder no import has written yet."""
    try:
        with open(os.path.join(directory, RECORD)) as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SpanflowError(f"cannot read {os.path.join(directory, RECORD)}: {exc}; the store "
                            "is damaged: import into a new folder") from None
    if data.get("version") != VERSION:
        raise SpanflowError(f"{os.path.join(directory, RECORD)} has version "
                            f"{data.get('version')!r}, this spanflow reads {VERSION}: import into "
                            "a new folder")
    return data


def write(directory, record):
    """Write the record atomically (tmp + rename)."""
    statefile.write(os.path.join(directory, RECORD), record)


# settings an import store never uses and must not copy out of /etc/spanflow (0640)
SECRETS = (("fleet", "password"), ("web", "password_hash"))


def new_record(cfg):
    """Return the record of a new store: the settings it is made with, secrets left out."""
    conf = loader.to_dict(cfg)
    for section, key in SECRETS:
        conf[section][key] = ""
    return {"version": VERSION, "config": conf, "captures": []}


def find(record, sha256):
    """Return the entry of a capture already in the store, or None."""
    return next((c for c in record["captures"] if c["sha256"] == sha256), None)


def store_config(record, directory):
    """Return the Config the store was made with, re-pointed at DIR wherever it lies now."""
    problems = []
    cfg = loader.build([(os.path.join(directory, RECORD), record["config"])], problems)
    if problems:
        raise ConfigError(problems)
    return for_store(cfg, directory)


def for_store(cfg, directory):
    """Return cfg writing into the store: its folders, no syslog, no outside exporters."""
    p = paths_of(directory)
    return dataclasses.replace(
        cfg, storage=dataclasses.replace(cfg.storage, dir=p.data, runtime_dir=p.runtime),
        detect=dataclasses.replace(cfg.detect, syslog="", alert_log=""),
        collector=dataclasses.replace(cfg.collector, allowed_exporters=[]))


def entry(capture, sha256, done, when):
    """Return the record entry of one import."""
    return {"capture": os.path.abspath(capture), "sha256": sha256,
            "size": os.path.getsize(capture), "packets": done.packets, "slices": done.slices,
            "flows": done.stored, "first": _iso(done.first), "last": _iso(done.last),
            "imported": _iso(int(when)), "complete": done.error is None, "error": done.error}


def _iso(t):
    if t is None:
        return None
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


def clear_derived(paths):
    """Remove what ingest and detection derive from the flow files (rebuilt from all of them)."""
    shutil.rmtree(paths.rrd, ignore_errors=True)
    for path in (paths.database, paths.database + "-journal",
                 os.path.join(paths.data, "alerts.jsonl")):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def span(record):
    """Return (first, last) epoch of the store's captures' slices, or (None, None)."""
    firsts = [c["first"] for c in record["captures"] if c["first"]]
    lasts = [c["last"] for c in record["captures"] if c["last"]]
    if not firsts:
        return None, None
    return (datetime.fromisoformat(min(firsts).replace("Z", "+00:00")).timestamp(),
            datetime.fromisoformat(max(lasts).replace("Z", "+00:00")).timestamp())


def view(directory):
    """Return (cfg, paths, end of its data as a UTC datetime) to serve a store with the web page."""
    if not is_store(directory):
        raise SpanflowError(f"{directory} is not an import store (no flows/ inside): make one "
                            "with `spanflow import CAPTURE.pcap --into DIR`")
    record = read(directory)
    if record is None:
        raise SpanflowError(f"{directory} has no {RECORD}: it was made by an older spanflow; "
                            "import the capture again into a new folder")
    cfg = store_config(record, directory)
    _first, last = span(record)
    end = datetime.now(timezone.utc) if last is None else \
        datetime.fromtimestamp(last + cfg.collector.rotate, timezone.utc)
    return cfg, paths_of(directory), end
