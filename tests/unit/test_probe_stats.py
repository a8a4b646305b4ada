"""softflowctl statistics: parsing real outputs and rendering them for an operator."""

import pytest

from appliance.probe import stats, statsview


def load(fixture_path, name):
    with open(fixture_path("softflowctl", name), encoding="utf-8") as f:
        return stats.parse(f.read())


def test_seed_box_counters(fixture_path):
    s = load(fixture_path, "statistics-seed-0.9.9.txt")
    assert (s["pid"], s["since"]) == (10123, "2019-02-20T08:58:43Z")
    assert s["active_flows"] == 565 and s["packets_processed"] == 227026 and s["fragments"] == 0
    assert (s["ignored"], s["ignored_non_ip"], s["ignored_too_short"]) == (192535, 192535, 0)
    assert (s["flows_expired"], s["flows_forced"]) == (23668, 2336)
    assert (s["flows_exported"], s["records_exported"], s["export_packets"], s["export_failures"]) == \
        (23668, None, 3884, 0)
    assert (s["pcap_received"], s["pcap_dropped"], s["interface_dropped"]) == (419562, 0, 4294967290)
    assert s["unparsed"] == []


def test_seed_box_tables(fixture_path):
    s = load(fixture_path, "statistics-seed-0.9.9.txt")
    assert s["expired"]["bytes"] == {"min": 46, "avg": 26208, "max": 593533285}
    assert s["expired"]["packets"] == {"min": 1, "avg": 8, "max": 78647}
    assert s["expired"]["duration"] == {"min": 0.0, "avg": 37.93, "max": 7483.87}
    assert s["expiry_reasons"] == {"tcp": 49, "tcp.rst": 0, "tcp.fin": 12, "udp": 15458,
                                   "icmp": 5813, "general": 0, "maxlife": 0, "over 2 GiB": 0,
                                   "maxflows": 2336, "flushed": 0}
    assert [(p["number"], p["softflowd_name"], p["octets"], p["packets"]) for p in s["protocols"]] == [
        (6, "Unknown", 606248816, 111105), (17, "Unknown", 12177738, 62378),
        (58, "Unknown", 1875904, 25985)]
    assert s["protocols"][1]["max_life"] == 7483.87


def test_debian_1_1_0_output(fixture_path):
    s = load(fixture_path, "statistics-1.1.0-flushed.txt")
    assert s["unparsed"] == []
    assert (s["flows_exported"], s["records_exported"], s["export_packets"]) == (10, 10, 2)
    assert s["expiry_reasons"]["flushed"] == 9 and s["expiry_reasons"]["udp"] == 1
    assert [p["number"] for p in s["protocols"]] == [1, 6, 17, 58]
    assert s["protocols"][3]["softflowd_name"] == "ipv6-icmp"


def test_1_1_0_output_before_any_expiry_has_no_tables():
    text = ("softflowd[7]: Accumulated statistics since 2026-11-27T19:05:09 UTC:\n"
            "Number of active flows: 9\nFlows exported: 0 (0 records) in 0 packets (0 failures)\n")
    s = stats.parse(text)
    assert s["active_flows"] == 9 and s["expired"] == {} and s["protocols"] == []


def test_unknown_lines_are_kept_not_dropped():
    s = stats.parse("Number of active flows: 1\nSomething new: 5\n")
    assert s["unparsed"] == ["Something new: 5"]


def test_seed_render_names_protocols_and_flags_problems(fixture_path):
    a = statsview.annotate(load(fixture_path, "statistics-seed-0.9.9.txt"),
                           {"rx_dropped": 7, "rx_missed": 0, "rx_packets": 9})
    assert [p["name"] for p in a["protocols"]] == ["tcp", "udp", "icmpv6"]
    assert a["interface_dropped_reliable"] is False
    assert a["kernel_drops"] == {"rx_dropped": 7, "rx_missed": 0}
    text = statsview.render(a)
    assert "Unknown" not in text
    assert "unreliable (softflowd says 4294967290)" in text
    assert "mirror port rx_dropped      7" in text
    assert "2336 flows were force-expired" in text and "raise [probe] max_flows" in text


def test_clean_run_has_no_warnings_and_trusts_interface_drops(fixture_path):
    a = statsview.annotate(load(fixture_path, "statistics-1.1.0-flushed.txt"))
    assert a["warnings"] == [] and a["interface_dropped_reliable"] is True
    assert a["kernel_drops"] == {}
    assert "interface dropped           0" in statsview.render(a)


@pytest.mark.parametrize("mirror", [None, {}, {"state": "running"}, {"rx_dropped": "x"}])
def test_missing_or_odd_mirror_status_gives_no_kernel_counters(mirror):
    assert statsview.kernel_drops(mirror) == {}


def test_flat_mirror_counters_are_accepted():
    assert statsview.kernel_drops({"rx_dropped": 1, "rx_missed_errors": 2}) == \
        {"rx_dropped": 1, "rx_missed_errors": 2}


def test_unknown_protocol_number_gets_a_readable_name():
    a = statsview.annotate({"protocols": [{"number": 250, "softflowd_name": "Unknown", "octets": 1,
                                           "packets": 1, "avg_life": 0.0, "max_life": 0.0}]})
    assert a["protocols"][0]["name"] == "proto-250"


def test_debian_1_1_0_full_table_flags_forced_expiry(fixture_path):
    # Captured from Debian's softflowd with spanflow's argv and max_flows = 16, 500 flows replayed.
    s = load(fixture_path, "statistics-1.1.0-maxflows16.txt")
    assert (s["flows_expired"], s["flows_forced"], s["expiry_reasons"]["maxflows"]) == (19984,) * 3
    assert s["unparsed"] == []
    a = statsview.annotate(s)
    assert a["warnings"] == ["19984 flows were force-expired because the flow table was full; "
                             "raise [probe] max_flows"]


def test_mirror_part_of_the_status_snapshot_as_spanflow_run_writes_it(fixture_path):
    mirror = {"state": "running", "interface": "sfm0", "changed": ["promisc"], "link": "up",
              "promisc": True, "rx_packets": 419562, "rx_bytes": 1, "rx_dropped": 4, "rx_missed": 0}
    a = statsview.annotate(load(fixture_path, "statistics-seed-0.9.9.txt"), mirror)
    assert a["kernel_drops"] == {"rx_dropped": 4, "rx_missed": 0}
