"""The shipped probe timeouts keep flows within one rotation; check-config says when they do not."""

import os
import subprocess
import sys

import pytest

from appliance import config
from appliance.config.checks import rotation_lag
from appliance.errors import EX_CONFIG, ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, "configs", "spanflow.toml")


def check_config(*files):
    argv = [sys.executable, "-m", "appliance", "check-config"]
    for f in (SHIPPED, *files):
        argv += ["--config", str(f)]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)


def test_shipped_timeouts_export_every_flow_within_one_rotation():
    cfg = config.load([SHIPPED])
    t, rotate = cfg.probe.timeouts, cfg.collector.rotate
    assert t.maxlife <= rotate and t.expint <= rotate
    # idle timeouts of seconds: a short flow is out well before its long-lived neighbours
    assert max(t.general, t.tcp, t.udp, t.icmp) <= 15 and max(t.tcp_fin, t.tcp_rst) <= 5
    assert rotation_lag(t, rotate) is None
    out = check_config()
    assert (out.returncode, out.stdout) == (0, f"OK ({SHIPPED})\n")


@pytest.mark.parametrize("local, late", [
    ("[probe.timeouts]\nmaxlife = 604800\n", "probe.timeouts.maxlife = 604800"),
    ("[collector]\nrotate = 30\n", "probe.timeouts.maxlife = 60"),
    ("[probe.timeouts]\nmaxlife = 600\nexpint = 120\n",
     "probe.timeouts.maxlife = 600 and probe.timeouts.expint = 120"),
])
def test_check_config_warns_when_timeouts_exceed_the_rotation(tmp_path, local, late):
    path = tmp_path / "local.toml"
    path.write_text(local)
    out = check_config(path)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out
    assert lines[0].startswith(f"warning: {late} exceed collector.rotate = ")
    assert "docs/accuracy.md" in lines[0] and lines[1] == f"OK ({SHIPPED}, {path})"


def test_idle_timeouts_longer_than_the_rotation_alone_do_not_warn(tmp_path):
    # maxlife caps them: softflowd exports at min(last + idle, first + maxlife)
    path = tmp_path / "local.toml"
    path.write_text("[probe.timeouts]\ntcp = 3600\nudp = 300\n")
    assert check_config(path).stdout == f"OK ({SHIPPED}, {path})\n"


@pytest.mark.parametrize("rate", [2, 10, 65535])
def test_sampling_is_refused_with_file_key_and_reason(tmp_path, rate):
    path = tmp_path / "sampled.toml"
    path.write_text(f"[probe]\nsampling = {rate}\n")
    with pytest.raises(ConfigError) as exc:
        config.load([SHIPPED, str(path)])
    assert exc.value.problems == [
        f"{path}: probe.sampling = {rate}: must be 0 or 1 (every packet): sampling is refused, its "
        "counts would be stored unscaled as if exact (docs/accuracy.md)"]
    out = check_config(path)
    assert out.returncode == EX_CONFIG and f"probe.sampling = {rate}" in out.stdout


@pytest.mark.parametrize("rate", [0, 1])
def test_every_packet_is_accepted(tmp_path, rate):
    path = tmp_path / "full.toml"
    path.write_text(f"[probe]\nsampling = {rate}\n")
    assert config.load([SHIPPED, str(path)]).probe.sampling == rate
