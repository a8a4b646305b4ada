"""The lab end to end: baseline exact, every scenario found, a second run clean after the first."""

import os

import pytest

from labrun import lab, leftovers

pytestmark = pytest.mark.lab

CRAFTED = ("mdns", "ssdp", "netbios", "dns")
SCENARIO_KINDS = ("telnet", "dns-tunnel", "port-scan", "host-sweep", "volume-spike", "ssh-guessing")


@pytest.fixture(scope="module")
def first_run():
    return lab("run", "--duration", "15", "--scenario", "all", "--seed", "7")


def test_run_reports_everything_stored(first_run):
    assert first_run.rc == 0, first_run.out + first_run.err
    assert "all traffic stored as sent" in first_run.out


@pytest.mark.parametrize("kind", CRAFTED)
def test_crafted_baseline_is_exact(first_run, kind):
    row = first_run.rows[kind]
    assert row["check"] == "exact" and row["ok"], first_run.out
    for column in ("flows", "packets", "bytes"):
        sent, stored = (int(v) for v in row[column])
        assert sent > 0 and sent == stored, (kind, column, row)


def test_ssh_sessions_stored_in_both_directions(first_run):
    row = first_run.rows["ssh"]
    expected, stored = (int(v) for v in row["flows"])
    # flows sent = 2 per session; stored counts only sessions found in both directions
    assert row["ok"] and expected >= 4 and stored >= expected, row
    assert int(row["bytes"][1]) > 100_000, "the file copies' bytes are missing"


@pytest.mark.parametrize("kind", SCENARIO_KINDS)
def test_each_scenario_found(first_run, kind):
    row = first_run.rows[kind]
    sent, stored = (int(v) for v in row["flows"])
    assert row["ok"] and sent > 0 and stored >= sent, (kind, row)


def test_first_run_left_nothing_behind(first_run):
    state = first_run.closed_state()
    assert state["pids"], "the run recorded no processes"
    assert leftovers(state) == []
    assert not os.path.exists(os.path.join(first_run.run_dir, "state.json"))


def test_second_run_right_after_works_and_is_clean(first_run):
    second = lab("run", "--duration", "6", "--seed", "8")
    assert second.rc == 0, second.out + second.err
    assert second.run_id != first_run.run_id and second.switch != first_run.switch
    assert all(second.rows[k]["ok"] for k in CRAFTED)
    assert leftovers(second.closed_state()) == []
