"""The one statistics reader and the one aggregation reader, on real nfdump 1.7.1 output."""

from appliance.query import aggregated, normal, stats


def _read(fixture_path, *name):
    with open(fixture_path(*name), encoding="utf-8") as f:
        return f.read()


def test_a_statistic_row_has_counts_and_times(fixture_path):
    (block,) = stats.parse(_read(fixture_path, "nfdump", "stat-srcip.csv"))
    assert len(block) == 3
    assert block[0] == ("any", "10.0.0.1", 3, 4, 276, "2023-11-14T22:13:20Z",
                        "2023-11-14T22:13:21Z")
    assert stats.as_dict(block[0]) == {"value": "10.0.0.1", "flows": 3, "packets": 4,
                                       "bytes": 276, "first": "2023-11-14T22:13:20Z",
                                       "last": "2023-11-14T22:13:21Z"}


def test_protocols_come_as_one_vocabulary(fixture_path):
    (block,) = stats.parse(_read(fixture_path, "trends", "proto.csv"))
    assert {r.proto for r in block} <= {"tcp", "udp", "icmp", "icmp6"}
    assert {r.value for r in block} <= {"6", "17", "1", "58"}


def test_several_statistics_of_one_run_come_as_blocks(fixture_path):
    blocks = stats.parse(_read(fixture_path, "trends", "tops.csv"))
    assert len(blocks) == 2
    assert all(r.proto == "any" for r in blocks[0])
    assert {r.proto for r in blocks[1]} >= {"tcp", "udp"}


def test_no_matching_flows_is_an_empty_block(fixture_path):
    assert stats.parse(_read(fixture_path, "trends", "proto-nomatch.csv")) == [[]]
    assert stats.parse("") == []


def test_aggregated_rows_carry_min_first_and_max_last(fixture_path):
    rows = aggregated.parse(_read(fixture_path, "nfdump", "aggregated-pairs.txt"))
    first = rows[0]
    assert (first.src, first.dst, first.flows, first.packets, first.bytes) == \
        ("10.0.0.1", "10.0.0.2", 2, 3, 208)
    assert (first.first, first.last) == ("2023-11-14T22:13:20.100Z", "2023-11-14T22:13:21.200Z")


def test_aggregated_five_tuples_name_protocols_and_icmp_ports(fixture_path):
    rows = aggregated.parse(_read(fixture_path, "nfdump", "aggregated-5tuple.txt"))
    ssh = [r for r in rows if r.dport == 22]
    assert [(r.proto, r.sport, r.packets, r.bytes) for r in ssh] == [("tcp", 40000, 2, 180)]
    assert {r.proto for r in rows} == {"tcp", "udp", "icmp", "icmp6"}
    assert all(r.first <= r.last for r in rows)


def test_the_normaliser_reads_every_way_nfdump_names_a_protocol():
    assert [normal.proto_name(v) for v in (6, "6", "TCP", " ICMP6 ", 47, "GRE", 250)] == \
        ["tcp", "tcp", "tcp", "icmp6", "gre", "gre", "250"]
    assert normal.proto_number("ICMP6") == 58 and normal.proto_number("17") == 17
    assert normal.port("8.0") == normal.icmp_port(8, 0) == 2048
    assert normal.port(" 443") == 443 and normal.port("x") == 0
    assert normal.ordered("b", "a") == ("a", "a") and normal.ordered(1, 2) == (1, 2)
