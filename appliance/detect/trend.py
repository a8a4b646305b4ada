"""Whole-site volume against the RRD's Holt-Winters prediction (its FAILURES flag)."""

import logging

from .finding import Finding

log = logging.getLogger(__name__)

CHOICES = {("trend", "metrics"): ("flows", "packets", "bits")}
RULES = {"trend": {
    "severity": "medium",
    "metrics": ["flows", "bits"],  # series of the total group: flows, packets or bits
}}


def judge(p, rows_by_metric, start, end):
    """Return a Finding per metric whose prediction rows in [start, end] carry a failure."""
    out = []
    for metric, rows in sorted(rows_by_metric.items()):
        hits = [r for r in rows if start < r[0] <= end and r[4]]
        if not hits:
            continue
        t, observed, predicted, deviation, _fail = hits[-1]
        out.append(Finding(
            "trend", f"total:{metric}", p["severity"],
            f"total {metric}/s {observed or 0:.0f} is outside the Holt-Winters band "
            f"(predicted {predicted or 0:.0f} +- {deviation or 0:.0f})", "any",
            first=start, last=end))  # the graphed steps judged, not the file's minute
    return out


def read(cfg, paths, p, start, end):
    """Return {metric: prediction rows} from the trends reader; none when it cannot tell yet."""
    from ..trends import readers  # the only RRD reader: rrdtool stays in appliance.trends
    found = {}
    for metric in p["metrics"]:
        try:
            found[metric] = readers.prediction(cfg, paths, metric, start, end)["rows"]
        except Exception as exc:  # no RRD yet, or no prediction archive: the rule waits
            log.debug("no prediction for %s: %s", metric, exc)
    return found
