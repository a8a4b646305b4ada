"""Where the sensor keeps its files, derived from [storage] in one place."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Paths:
    data: str
    runtime: str
    flowdir: str = ""  # a flow folder elsewhere than data/flows (an outside exporter's: sources.py)

    @classmethod
    def of(cls, cfg):
        return cls(cfg.storage.dir, cfg.storage.runtime_dir)

    # persistent state (/var/lib/spanflow)
    @property
    def flows(self):
        return self.flowdir or os.path.join(self.data, "flows")

    @property
    def rrd(self):
        return os.path.join(self.data, "rrd")

    @property
    def database(self):
        return os.path.join(self.data, "spanflow.sqlite")

    @property
    def flow_counts(self):
        return os.path.join(self.data, "flowcounts.json")  # collector/store.py: not in flows/

    @property
    def quarantine(self):
        return os.path.join(self.data, "quarantine")

    # runtime state (/run/spanflow)
    @property
    def status(self):
        return os.path.join(self.runtime, "status.json")

    @property
    def softflowd_ctl(self):
        return os.path.join(self.runtime, "softflowd.ctl")

    @property
    def softflowd_pid(self):
        return os.path.join(self.runtime, "softflowd.pid")

    @property
    def nfcapd_pid(self):
        return os.path.join(self.runtime, "nfcapd.pid")

    @property
    def span_state(self):
        return os.path.join(self.runtime, "span.json")

    @property
    def mirror_state(self):
        return os.path.join(self.runtime, "mirror.json")
