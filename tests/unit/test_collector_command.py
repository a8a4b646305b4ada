"""nfcapd argv from the config: foreground, paths, buffer, compression, allowed exporters."""

import dataclasses

import pytest

from appliance.collector.command import nfcapd_command, flow_dirs
from appliance.config.schema import Collector, Config, Storage
from appliance.errors import ConfigError
from appliance.paths import Paths


def make(**collector):
    cfg = Config(collector=dataclasses.replace(Collector(), **collector),
                 storage=Storage(dir="/d", runtime_dir="/r"))
    return cfg, Paths.of(cfg)


def opt(argv, flag):
    return argv[argv.index(flag) + 1]


def test_defaults_run_in_foreground_with_our_paths():
    cfg, paths = make()
    argv, env = nfcapd_command(cfg, paths)
    assert argv[0] == "/usr/bin/nfcapd" and "-D" not in argv
    assert opt(argv, "-w") == "/d/flows" and opt(argv, "-P") == "/r/nfcapd.pid"
    assert (opt(argv, "-b"), opt(argv, "-p"), opt(argv, "-t")) == ("127.0.0.1", "9995", "60")
    assert opt(argv, "-B") == str(16 << 20)
    assert "-y" in argv and "-z" not in argv  # 1.7.1: -y is LZ4, -z is LZO
    assert env["TZ"] == "UTC"


@pytest.mark.parametrize("name,flag", [("lzo", "-z"), ("bz2", "-j"), ("lz4", "-y")])
def test_compression_flags(name, flag):
    argv, _ = nfcapd_command(*make(compression=name))
    assert flag in argv


def test_no_compression_has_no_flag():
    argv, _ = nfcapd_command(*make(compression="none"))
    assert not {"-y", "-z", "-j"} & set(argv)


def test_ipv6_listen_and_buffer_size():
    argv, _ = nfcapd_command(*make(listen="[::1]:2055", receive_buffer="4M", rotate=2))
    assert (opt(argv, "-b"), opt(argv, "-p"), opt(argv, "-B"), opt(argv, "-t")) == \
        ("::1", "2055", str(4 << 20), "2")


def test_allowed_exporters_become_sources_and_replace_w():
    cfg, paths = make(listen="0.0.0.0:9995", allowed_exporters=["192.0.2.1", "2001:db8::7/128"])
    argv, _ = nfcapd_command(cfg, paths)
    assert "-w" not in argv
    sources = [argv[i + 1] for i, a in enumerate(argv) if a == "-n"]
    assert sources == ["probe,127.0.0.1,/d/flows",
                       "exporter1,192.0.2.1,/d/flows/exporters/192-0-2-1",
                       "exporter2,2001:db8::7,/d/flows/exporters/2001-db8--7"]
    assert flow_dirs(cfg, paths)[0] == "/d/flows" and len(flow_dirs(cfg, paths)) == 3


def test_allowed_network_is_refused():
    with pytest.raises(ConfigError, match="192.0.2.0/24.*single exporter addresses"):
        nfcapd_command(*make(allowed_exporters=["192.0.2.0/24"]))
