"""Volume baselines (EWMA per key) against interval samples in tests/fixtures/rules/volume/."""

import json
import os

import pytest

from appliance.detect import rules, volume
from appliance.detect.store import AlertStore

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "fixtures", "rules", "volume", "cases.json")) as f:
    CASES = json.load(f)["cases"]
SHIPPED = rules.load(os.path.join(HERE, "..", "..", "configs", "rules.d"))["volume"]


def _obs(table):
    return {tuple(k.split(" ")): v for k, v in table.items()}


def replay(case, p=SHIPPED):
    """Feed the history, then the last interval; return (alerts during history, last alerts)."""
    state, early = {}, []
    length = max(len(v) for v in case["history"].values())
    for i in range(length):
        state, found = volume.judge(p, state, _obs({k: v[i] for k, v in case["history"].items()
                                                    if i < len(v)}))
        early += found
    state, found = volume.judge(p, state, _obs(case["last"]))
    return early, found, state


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_volume_sample(case):
    early, found, _ = replay(case)
    assert early == []
    assert [f"{f.rule} {f.key}" for f in found] == case["alerts"]


def test_alert_names_the_filter_and_the_baseline():
    _, (f,), _ = replay(CASES[0])
    assert f.filter == "src ip 10.4.0.5"
    assert f.flows == 3000 and "baseline 594" in f.summary and f.hosts == ("10.4.0.5",)


def test_baseline_survives_a_restart_through_the_store(tmp_path):
    _, _, state = replay(CASES[1])
    store = AlertStore(str(tmp_path / "db.sqlite"))
    store.save_baseline(state)
    store.close()
    again = AlertStore(str(tmp_path / "db.sqlite")).baseline()
    assert again.keys() == state.keys()
    mean, _var, n = again[("port_bytes", "443/tcp")]
    assert n == 11 and mean > 60_000_000


def test_observations_read_the_stat_blocks_in_kind_order():
    blocks = [[("any", "10.0.0.1", 700, 9, 900)], [("any", "10.0.0.2", 1, 2, 3000)],
              [("tcp", "22", 50, 60, 70)], [("udp", "53", 5, 6, 7000)]]
    assert volume.observations(blocks) == {
        ("host_flows", "10.0.0.1"): 700, ("host_bytes", "10.0.0.2"): 3000,
        ("port_flows", "22/tcp"): 50, ("port_bytes", "53/udp"): 7000}


def test_flood_victims_answers_are_not_its_connections():
    from appliance.detect.flows import Row
    syn = [Row("10.9.0.1", "10.9.0.2", 2000 + i, 22, "tcp", 1, 2, 84) for i in range(600)]
    ack = [Row("10.9.0.2", "10.9.0.1", 22, 2000 + i, "tcp", 1, 1, 44) for i in range(600)]
    assert volume.started("10.9.0.1", syn + ack) == 600
    assert volume.started("10.9.0.2", syn + ack) == 0
    p = dict(volume.RULES["volume"], learn_intervals=1)
    base = {(k, key): (5.0, 1.0, 5) for k, key in (("host_flows", "10.9.0.1"),
                                                    ("host_flows", "10.9.0.2"),
                                                    ("port_flows", "22/tcp"))}
    _, found = volume.judge(p, base, {("host_flows", "10.9.0.1"): 600,
                                      ("host_flows", "10.9.0.2"): 600,
                                      ("port_flows", "22/tcp"): 600})
    assert len(found) == 3
    rows = {"10.9.0.1": syn + ack, "10.9.0.2": syn + ack}
    (one,) = volume.one_per_event(found, rows.get)
    assert one.key == "host_flows:10.9.0.1" and "connections to port 22/tcp: 600" in one.summary
