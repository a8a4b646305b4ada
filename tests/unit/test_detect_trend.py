"""The trend rule on Holt-Winters prediction rows as appliance.trends.readers.prediction gives them."""

import pytest

from appliance.detect import rules, trend
from appliance.errors import ConfigError

P = {"severity": "medium", "metrics": ["flows", "bits"]}
T0 = 1795788000
# [t, observed, predicted, deviation, failure] per 60 s step (rates)
QUIET = [[T0 + 60 * n, 100.0, 98.0, 5.0, 0] for n in range(1, 6)]
JUMP = QUIET[:4] + [[T0 + 300, 900.0, 101.0, 6.0, 1]]


@pytest.mark.parametrize("rows,start,end,keys", [
    ({"flows": JUMP, "bits": QUIET}, T0 + 240, T0 + 300, ["total:flows"]),
    ({"flows": QUIET, "bits": QUIET}, T0 + 240, T0 + 300, []),  # near miss: inside the band
    ({"flows": JUMP}, T0 + 300, T0 + 360, []),  # near miss: the failure was an earlier interval
    ({"flows": [[T0 + 300, None, None, None, None]]}, T0 + 240, T0 + 300, []),  # no data yet
    ({}, T0, T0 + 60, []),  # no RRD yet
])
def test_trend_sample(rows, start, end, keys):
    found = trend.judge(P, rows, start, end)
    assert [f.key for f in found] == keys


def test_trend_finding_says_observed_and_band():
    (f,) = trend.judge(P, {"flows": JUMP}, T0 + 240, T0 + 300)
    assert f.summary == "total flows/s 900 is outside the Holt-Winters band (predicted 101 +- 6)"
    assert f.filter == "any" and f.rule == "trend"


def test_read_without_an_rrd_gives_nothing(tmp_path):
    from datetime import datetime, timezone
    from appliance.config.schema import Config, Storage
    from appliance.paths import Paths
    cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path)))
    t = datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)
    assert trend.read(cfg, Paths.of(cfg), P, t, t) == {}


def test_unknown_metric_is_refused(tmp_path):
    (tmp_path / "t.toml").write_text('[trend]\nmetrics = ["flows", "bytes"]\n')
    with pytest.raises(ConfigError, match=r"trend.metrics = \['flows', 'bytes'\] must be a list "
                                          "of flows, packets, bits"):
        rules.load(str(tmp_path))
