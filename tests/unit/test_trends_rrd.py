"""RRD schema, update/fetch round trip, and the layout check's errors and migration."""

import pytest

from appliance.trends import rrd

T0 = 1795788000


def test_archives_cover_the_issue_minimums_at_one_minute_step():
    plan = {(cf, pdp): rows * pdp * 60 for cf, pdp, rows in rrd.archives(60)}
    assert plan[("AVERAGE", 1)] >= 2 * 86400 and plan[("MAX", 1)] >= 2 * 86400
    assert plan[("AVERAGE", 5)] >= 14 * 86400
    assert plan[("AVERAGE", 60)] >= 90 * 86400
    assert plan[("MAX", 1440)] >= 730 * 86400


def test_short_lab_step_adds_a_step_resolution_archive():
    pdps = sorted({pdp for _, pdp, _ in rrd.archives(2)})
    assert pdps == [1, 30, 150, 1800, 43200]


def _make(tmp_path, names, step=60, group="protocol"):
    path = str(tmp_path / f"{group}.rrd")
    assert rrd.ensure(path, group, names, step, T0 - 10) == "created"
    return path


def test_absolute_counts_come_back_as_rates(tmp_path):
    path = _make(tmp_path, ["tcp", "udp"])
    rrd.update(path, T0, dict.fromkeys(rrd.ds_names(["tcp", "udp"]), 0))
    rrd.update(path, T0 + 60, {"tcp_f": 120, "tcp_p": 600, "tcp_b": 6000, "udp_f": 0,
                               "udp_p": 0, "udp_b": 0})
    (t0, _t1, step), names, rows = rrd.fetch(path, T0 - 60, T0 + 120)
    assert step == 60 and names[:3] == ("tcp_f", "tcp_p", "tcp_b")
    by_time = {t0 + (i + 1) * step: r for i, r in enumerate(rows)}
    assert by_time[T0 + 60][0] == pytest.approx(2.0)  # 120 flows in 60 s
    assert by_time[T0 + 60][2] == pytest.approx(100.0)
    assert rrd.last(path) == T0 + 60


def test_total_group_has_holt_winters(tmp_path):
    import rrdtool
    path = _make(tmp_path, ["all"], group="total")
    info = rrdtool.info(path)
    assert "HWPREDICT" in {v for k, v in info.items() if k.endswith(".cf")}


def test_step_change_is_a_clear_error(tmp_path):
    path = _make(tmp_path, ["tcp"], step=60)
    with pytest.raises(rrd.LayoutError) as err:
        rrd.ensure(path, "protocol", ["tcp"], 2, T0)
    msg = str(err.value)
    assert "has step 60s" in msg and "collector.rotate=2" in msg and "move the file away" in msg


def test_unchanged_layout_is_ok_and_new_series_are_migrated(tmp_path):
    path = _make(tmp_path, ["ssh", "other"], group="service")
    rrd.update(path, T0, {"ssh_f": 60, "ssh_p": 60, "ssh_b": 60, "other_f": 0, "other_p": 0,
                          "other_b": 0})
    assert rrd.ensure(path, "service", ["ssh", "other"], 60, T0) == "ok"
    assert rrd.ensure(path, "service", ["ssh", "rdp", "other"], 60, T0) == "migrated"
    _step, ds, _rras = rrd.layout(path)
    assert set(ds) == set(rrd.ds_names(["ssh", "rdp", "other"]))
    assert rrd.last(path) == T0  # history kept
    assert rrd.ensure(path, "service", ["rdp"], 60, T0) == "migrated"
    assert set(rrd.layout(path)[1]) == set(rrd.ds_names(["rdp"]))


def test_holt_winters_flags_a_burst_after_three_daily_seasons(tmp_path):
    import math
    import random

    import rrdtool

    from appliance.config.schema import Config, Storage
    from appliance.paths import Paths
    from appliance.trends import readers
    from appliance.trends.groups import rrd_path

    cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")))
    paths = Paths.of(cfg)
    day = T0 // 86400 * 86400
    path = rrd_path(paths, "total")
    rrd.create(path, "total", ["all"], 60, day - 60)
    burst = range(3 * 1440 + 600, 3 * 1440 + 620)
    updates, rng = [], random.Random(4)
    for i in range(3 * 1440 + 700):  # a daily curve with 10 % noise, then a 20-minute burst
        v = int(6000 * (2 + math.sin(2 * math.pi * i / 1440)) * rng.uniform(0.9, 1.1))
        v *= 10 if i in burst else 1
        updates.append(f"{day + 60 * (i + 1)}:{v}:{v}:{v}")
    for k in range(0, len(updates), 2000):
        rrdtool.update(path, *updates[k:k + 2000])
    p = readers.prediction(cfg, paths, "flows", day + 3 * 86400 + 500 * 60, day + 3 * 86400 + 690 * 60)
    assert p["step"] == 60
    quiet = [r for r in p["rows"] if r[0] < day + 3 * 86400 + 590 * 60]
    loud = [r for r in p["rows"] if day + 3 * 86400 + 615 * 60 <= r[0] <= day + 3 * 86400 + 620 * 60]
    assert quiet and all(r[4] == 0 for r in quiet)
    assert all(r[4] == 1 for r in loud)
    assert quiet[-1][2] == pytest.approx(quiet[-1][1], rel=0.1)  # prediction tracks the daily curve
