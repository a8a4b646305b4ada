"""Ingest and detection of an outside exporter's flows, like the probe's.

Each allowed exporter gets an IngestWorker over its own folder (its RRD files, top lists and ingest
cursor under exporters/<address>/) with a Detector listening. Alerts go to the sensor's one alert
store, so the page, the CLI and the notifications show them; the volume baselines stay the
exporter's own, since the same host may be busy on the SPAN port and quiet behind a router.
"""

import dataclasses

from ..trends.ingest import IngestWorker
from .engine import Detector
from .store import AlertStore


class SharedAlerts:
    """The sensor's alert store for alerts, the exporter's own store for baselines."""

    def __init__(self, alerts, own, exporter):
        self.alerts, self.own, self.exporter = alerts, own, exporter

    def record(self, finding, start, end, cooldown):
        # the same key from the probe and a router is one alert (the same traffic seen twice)
        seen = dataclasses.replace(finding, summary=f"{finding.summary} (exporter {self.exporter})")
        return self.alerts.record(seen, start, end, cooldown)

    def baseline(self):
        return self.own.baseline()

    def save_baseline(self, state):
        self.own.save_baseline(state)

    def __getattr__(self, name):  # get, counts, list: the shared store's
        return getattr(self.alerts, name)

    def close(self):
        self.alerts.close()
        self.own.close()


class ExporterDetector(Detector):
    """A Detector over one exporter's files, raising into the sensor's alert store."""

    def __init__(self, cfg, paths, source, clock=None):
        super().__init__(cfg, source.paths, **({"clock": clock} if clock else {}))
        self.shared, self.exporter = paths, source.name

    def start(self):
        if self.store is None:
            super().start()
            self.store = SharedAlerts(AlertStore(self.shared.database, clock=self.clock),
                                      self.store, self.exporter)


def paired(cfg, paths, source):
    """Return [(name, component)] of one exporter's ingest and detection, detection listening."""
    ingest = IngestWorker(cfg, source.paths)
    detector = ExporterDetector(cfg, paths, source)
    ingest.listeners.append(detector)
    return [(f"ingest {source.name}", ingest), (f"detect {source.name}", detector)]
