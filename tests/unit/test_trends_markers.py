"""Alert markers on the trend graphs: which alerts, where, with what legend, and drawn for real."""

import dataclasses

import pytest

from appliance.config.schema import Config, Storage
from appliance.paths import Paths
from appliance.trends import groups, markers, readers, rrd

T0 = 1_790_000_040  # on a minute boundary


def alert(i, start, end=None, rule="cleartext", key="10.0.0.5", severity="high"):
    return {"id": i, "rule": rule, "key": key, "severity": severity, "start": start,
            "end": start if end is None else end}


def test_rule_at_the_alerts_time_with_a_short_legend():
    out = markers.rules([alert(1, T0 + 60)], T0, T0 + 3600)
    assert out == [(T0 + 60, markers.COLOURS["high"], "alert\\: cleartext 10.0.0.5")]


def test_marker_colours_are_no_series_colour():
    used = {c.lower() for c in readers.COLOURS}
    assert not used & {c.lower() for c in [*markers.COLOURS.values(), markers.OTHER]}


def test_an_alert_begun_before_the_window_is_marked_at_its_start():
    out = markers.rules([alert(1, T0 - 600, T0 + 60, severity="low")], T0, T0 + 3600)
    assert out[0][:2] == (T0, markers.COLOURS["low"])


def test_colons_in_keys_are_escaped_for_rrdtool():
    out = markers.rules([alert(1, T0, key="fe80::1:23")], T0, T0 + 60)
    assert out[0][2] == "alert\\: cleartext fe80\\:\\:1\\:23"


def test_outside_alerts_are_left_out_and_the_newest_kept_past_the_limit():
    alerts = [alert(i, T0 + 60 * i) for i in range(12)] + [alert(99, T0 + 9000)]
    out = markers.rules(alerts, T0, T0 + 3600, limit=8)
    assert [t for t, _, _ in out] == [T0 + 60 * i for i in range(4, 12)]
    assert out[0][2].endswith("(+4 earlier alerts)")


@pytest.fixture
def total_rrd(tmp_path):
    cfg = dataclasses.replace(Config(), storage=Storage(dir=str(tmp_path),
                                                        runtime_dir=str(tmp_path / "run")))
    paths = Paths.of(cfg)
    path = groups.rrd_path(paths, "total")
    rrd.ensure(path, "total", ["all"], 60, T0 - 10)
    for n in range(60):
        rrd.update(path, T0 + 60 * n, {"all_f": 60, "all_p": 600, "all_b": 60000})
    return cfg, paths


def test_graph_with_a_marker_renders_and_differs(total_rrd):
    cfg, paths = total_rrd
    args = (cfg, paths, "total", "bits", T0, T0 + 3600)
    plain = readers.graph_png(*args)
    marked = readers.graph_png(*args, markers=[alert(1, T0 + 1800, key="fe80::1")])
    outside = readers.graph_png(*args, markers=[alert(2, T0 + 9000)])
    assert plain[:8] == marked[:8] == b"\x89PNG\r\n\x1a\n"
    assert marked != plain
    assert outside == plain  # an alert outside the window draws nothing
