"""`spanflow import` a capture into its own store, then `spanflow flows --store` over it (no root)."""

import json
import os
import sys

import pytest

from appliance.cli.main import main
from support import tools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "configs", "spanflow.toml")
pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    into = str(tmp_path_factory.mktemp("import") / "store")
    pcap = os.path.join(ROOT, "tests", "fixtures", "nfdump", "small.pcap")
    assert main(["import", "--config", CONFIG, pcap, "--into", into]) == 0
    return into


def flows(capsys, *args):
    capsys.readouterr()
    code = main(["flows", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_imported_flows_are_searchable_as_json(store, capsys):
    code, out, _ = flows(capsys, "--store", store, "--format", "json", "proto tcp and port 22")
    assert code == 0
    doc = json.loads(out)
    got = {(r["src"], r["sport"], r["dst"], r["dport"], r["packets"], r["bytes"]) for r in doc["flows"]}
    assert got == {("10.0.0.1", 40000, "10.0.0.2", 22, 2, 180), ("10.0.0.2", 22, "10.0.0.1", 40000, 1, 40)}
    assert doc["flows"][0]["first"].endswith("Z") and doc["truncated"] is False


def test_icmpv6_type_survives_import(store, capsys):
    code, out, _ = flows(capsys, "--store", store, "--format", "json", "proto icmp6")
    (row,) = json.loads(out)["flows"]
    assert (row["icmp_type"], row["icmp_code"], row["src"]) == (128, 0, "fd00::1")


def test_bad_filter_prints_nfdumps_reason(store, capsys):
    code, _, err = flows(capsys, "--store", store, "port 22 and")
    assert code == 2 and "syntax error" in err


def test_csv_limit_and_truncation_note(store, capsys):
    code, out, err = flows(capsys, "--store", store, "--format", "csv", "--limit", "2")
    assert code == 0 and len(out.strip().splitlines()) == 3 and "first 2 flows" in err


def test_not_a_store_is_refused(tmp_path, capsys):
    code, _, err = flows(capsys, "--store", str(tmp_path))
    assert code == 1 and "not an import store" in err


def test_top_ports_as_json(store, capsys):
    code, out, _ = flows(capsys, "--store", store, "--top", "dstport", "--format", "json")
    top = json.loads(out)
    assert code == 0 and (top[0]["value"], top[0]["bytes"], top[0]["packets"]) == ("22", 180, 2)


def test_configured_store_is_searched_without_store_option(store, tmp_path, capsys):
    cfg = tmp_path / "local.toml"
    cfg.write_text(f'[storage]\ndir = "{store}"\nruntime_dir = "{tmp_path}/run"\n')
    code, out, _ = flows(capsys, "--config", CONFIG, "--config", str(cfg), "--format", "json",
                         "--since", "2023-11-14T22:13:21", "--until", "2023-11-14T22:13:22")
    assert code == 0
    assert {r["proto"] for r in json.loads(out)["flows"]} == {1, 17, 58}


def test_collector_loss_fails_the_import(tmp_path, capsys):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import offline_capture
    pcap = str(tmp_path / "burst.pcap")
    offline_capture.write(pcap, seed=3, conversations=20000, span=30.0)  # a 37 k record burst
    small = tmp_path / "small-buffer.toml"
    small.write_text('[collector]\nreceive_buffer = "4K"\n')  # a few datagrams: most of the burst is lost
    code = main(["import", "--config", CONFIG, "--config", str(small), pcap,
                 "--into", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 1 and "flow records softflowd exported" in err and "receive_buffer" in err
