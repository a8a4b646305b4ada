"""Import bookkeeping: the probe argv for -r and the exported/stored counts from real tool output."""

from appliance.collector import replay
from appliance.config.schema import Config
from appliance.paths import Paths


def read(fixture_path, name):
    with open(fixture_path("nfdump", name)) as f:
        return f.read()


def test_counts_from_real_outputs(fixture_path):
    assert replay.exported_records(read(fixture_path, "softflowd-r.txt")) == 7
    assert replay.stored_flows(read(fixture_path, "nfcapd-exit.log")) == 7
    assert replay.exported_records("no statistics") is None
    assert replay.stored_flows("") is None


def test_probe_argv_reads_the_capture_without_control_socket():
    cfg = Config()
    argv = replay.probe_argv(cfg, Paths("/d", "/r"), "/tmp/x.pcap")
    assert argv[argv.index("-r") + 1] == "/tmp/x.pcap"
    assert "-i" not in argv and "-c" not in argv  # -c keeps softflowd -r running forever
    assert argv[argv.index("-v") + 1] == "10" and argv[argv.index("-A") + 1] == "milli"
    assert argv[argv.index("-m") + 1] == str(cfg.probe.max_flows)
