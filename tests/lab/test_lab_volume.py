"""The lab's volume rule override and the spike scenario's warm-up (pure, no root)."""

import os

from appliance import config
from appliance.detect import rules
from lab import sensor
from lab.traffic import spike


def test_warmup_covers_the_learn_period_and_the_export_delay():
    assert spike.warmup_seconds(5, 3) == 25
    assert spike.warmup_seconds(5, 10) == 60


def test_lab_warmup_follows_the_lab_configs():
    # 5 s rotation (lab/configs/sensor.toml) x (3 learn intervals + 2)
    assert spike.lab_warmup() == 25


def test_run_rules_are_the_shipped_ones_with_the_lab_volume_read_last(tmp_path):
    folder = sensor.run_rules(str(tmp_path))
    names = sorted(os.listdir(folder))
    assert names[-1] == "90-lab-volume.toml"
    assert set(os.listdir(sensor.RULES)) <= set(names)
    settings = rules.load(folder)  # strict: an unknown key or a wrong type fails here
    shipped = rules.load(sensor.RULES)
    volume = settings["volume"]
    assert volume["learn_intervals"] == 3 and volume["floor_bytes"] == 6_000_000
    # the spike crosses the floor with room for drops; the port scan and sweep stay under flows'
    assert spike.SPIKE_PACKETS * (28 + spike.SPIKE_PAYLOAD) > 1.5 * volume["floor_bytes"]
    assert volume["floor_flows"] > 300
    assert {r: s for r, s in settings.items() if r != "volume"} == \
        {r: s for r, s in shipped.items() if r != "volume"}


def test_run_config_points_detection_at_the_run_rules(tmp_path):
    [folder] = sensor.write_run_config(str(tmp_path), str(tmp_path / "data"))
    assert folder == str(tmp_path / "config")
    with open(os.path.join(folder, "20-run.toml")) as f:
        assert f'rules_dir = "{tmp_path}/rules.d"' in f.read()
    cfg = config.load([folder])  # one --config: the lab sensor's settings and the run's storage
    assert cfg.storage.dir == str(tmp_path / "data") and cfg.mirror.interface == "sensor-eth0"
