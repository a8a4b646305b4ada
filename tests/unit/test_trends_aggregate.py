"""Parsing of nfdump 1.7.1's aggregate output (fixtures are its real output on a collected file)."""

from appliance.query import aggregated, stats
from appliance.trends import aggregate, queries


def _read(fixture_path, name, folder="trends"):
    with open(fixture_path(folder, name), encoding="utf-8") as f:
        return f.read()


def _stat(text):
    return (stats.parse(text) + [[]])[0]


def test_protocol_breakdown_matches_the_generated_traffic(fixture_path):
    b = aggregate.protocols(_stat(_read(fixture_path, "proto.csv")))
    assert (b.protocols["tcp"].flows, b.protocols["tcp"].packets, b.protocols["tcp"].bytes) == \
        (150, 300, 21960)
    assert b.protocols["icmp6"].bytes == 5220 and b.protocols["icmp"].flows == 30
    assert b.protocols["other"].flows == 0
    assert (b.total.flows, b.total.packets) == (300, 600)


def test_no_matching_flows_gives_zeros(fixture_path):
    b = aggregate.protocols(_stat(_read(fixture_path, "proto-nomatch.csv")))
    assert b.total.flows == 0 and b.total.bytes == 0


def test_unknown_protocol_numbers_count_as_other():
    line = ("ts,te,td,pr,val,fl,flP,ipkt,ipktP,ibyt,ibytP,ipps,ibps,ibpp\n"
            "2026-11-27 17:20:00,2026-11-27 17:20:00,0.001,GRE,47,7,1.0,9,1.0,900,1.0,1,1,1\n")
    b = aggregate.protocols(_stat(line))
    assert b.protocols["other"].flows == 7 and b.total.packets == 9


def test_top_blocks_split_hosts_and_ports_and_drop_icmp(fixture_path):
    blocks = stats.parse(_read(fixture_path, "tops.csv"))
    assert len(blocks) == 2
    hosts = aggregate.top_hosts(blocks[0], 5)
    assert len(hosts) == 5 and set(hosts[0]) == {"host", "flows", "packets", "bytes"}
    assert hosts[0]["bytes"] >= hosts[-1]["bytes"]
    ports = aggregate.top_ports(blocks[1], 50)
    assert ports and all(p["proto"] in ("tcp", "udp") for p in ports)
    assert len(ports) < len(blocks[1])  # the ICMP/ICMP6 type-code rows were dropped
    assert {"proto": "tcp", "port": 22} in [{"proto": p["proto"], "port": p["port"]} for p in ports]


def test_conversations_parse_the_fixed_format(fixture_path):
    rows = aggregated.parse(_read(fixture_path, "aggregated-pairs.txt", "nfdump"))
    convs = aggregate.conversations(rows, 3)
    assert len(convs) == 3
    assert set(convs[0]) == {"src", "dst", "flows", "packets", "bytes"}
    assert convs[0]["bytes"] >= convs[1]["bytes"] > 0


def test_other_service_filter_negates_every_service():
    f = queries.other_filter({"ssh": "proto tcp and port 22", "dns": "port 53"})
    assert f == "not ((proto tcp and port 22) or (port 53))"


def test_merge_ports_adds_both_directions_of_a_service():
    entries = [{"proto": "tcp", "port": 22, "flows": 1, "packets": 10, "bytes": 1000},
               {"proto": "udp", "port": 53, "flows": 4, "packets": 4, "bytes": 400},
               {"proto": "tcp", "port": 22, "flows": 1, "packets": 8, "bytes": 3000}]
    assert aggregate.merge_ports(entries, 5) == [
        {"proto": "tcp", "port": 22, "flows": 2, "packets": 18, "bytes": 4000},
        {"proto": "udp", "port": 53, "flows": 4, "packets": 4, "bytes": 400}]
    assert len(aggregate.merge_ports(entries, 1)) == 1
