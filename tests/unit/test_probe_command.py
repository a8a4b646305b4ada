"""softflowd argv and the quiet-link environment built from the config."""

import dataclasses

import pytest

from appliance.config.schema import Config, Probe
from appliance.errors import ToolError
from appliance.paths import Paths
from appliance.probe import command, quietlink

LIB = "/x/libspanflow-quietlink.so"


def build(lib=LIB, **probe):
    cfg = Config(probe=Probe(**probe))
    paths = Paths("/data", "/rt")
    return command.softflowd_command(cfg, paths, "sfm0", library=lib)


def pairs(argv, flag):
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_defaults_run_foreground_on_interface_exporting_ipfix_to_loopback():
    argv, env = build()
    assert argv[:2] == ["/usr/sbin/softflowd", "-d"]
    assert pairs(argv, "-i") == ["sfm0"]
    assert pairs(argv, "-n") == ["127.0.0.1:9995"]
    assert pairs(argv, "-v") == ["10"] and pairs(argv, "-A") == ["milli"]
    assert pairs(argv, "-m") == ["65536"]
    assert pairs(argv, "-c") == ["/rt/softflowd.ctl"] and pairs(argv, "-p") == ["/rt/softflowd.pid"]
    assert "-s" not in argv and "-D" not in argv


def test_every_timeout_is_passed_with_softflowd_names():
    argv, _ = build()
    assert pairs(argv, "-t") == ["general=15", "tcp=15", "tcp.rst=5", "tcp.fin=5",
                                 "udp=15", "icmp=15", "maxlife=60", "expint=5"]


def test_v9_has_no_absolute_time_option_and_never_samples():
    argv, _ = build(export_version=9, sampling=1)
    assert pairs(argv, "-v") == ["9"] and "-A" not in argv
    assert "-s" not in argv


def test_bpf_filter_is_one_trailing_argument():
    argv, _ = build(bpf_filter="not port 9995 and not arp")
    assert argv[-1] == "not port 9995 and not arp"


def test_listen_comes_from_collector_section():
    cfg = Config()
    cfg = dataclasses.replace(cfg, collector=dataclasses.replace(cfg.collector, listen="127.0.0.1:2055"))
    argv, _ = command.softflowd_command(cfg, Paths("/d", "/r"), "m", library=LIB)
    assert pairs(argv, "-n") == ["127.0.0.1:2055"]


@pytest.mark.parametrize("mode", ["timeout", "immediate"])
def test_fix_preloads_library_and_passes_mode(mode):
    _, env = build(quiet_link_fix=mode)
    assert env["LD_PRELOAD"].split()[0] == LIB
    assert env[quietlink.MODE_ENV] == mode
    assert (quietlink.TIMEOUT_ENV in env) == (mode == "timeout")


def test_fix_off_adds_nothing():
    _, env = build(lib=None, quiet_link_fix="off")
    assert env == {}


def test_library_search_order_and_override():
    assert quietlink.candidates({}) == [quietlink.INSTALLED, quietlink.REPO_BUILD]
    assert quietlink.candidates({quietlink.OVERRIDE_ENV: "/o.so"}) == ["/o.so"]
    assert quietlink.library_path({}, exists=lambda p: p == quietlink.REPO_BUILD) == quietlink.REPO_BUILD


def test_missing_library_is_one_clear_error():
    with pytest.raises(ToolError, match="quiet-link library .* not found .*quiet_link_fix"):
        quietlink.library_path({}, exists=lambda p: False)


def test_existing_preload_is_kept():
    env = quietlink.preload_env("immediate", LIB, environ={"LD_PRELOAD": "/other.so"})
    assert env["LD_PRELOAD"] == f"{LIB} /other.so"
