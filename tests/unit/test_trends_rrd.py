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
