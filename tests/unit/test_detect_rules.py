"""Every shipped rule against its samples (tests/fixtures/rules/*.json): hits and near misses."""

import copy
import os

import pytest

from appliance.detect import passes, rules
from fixtures.rules import samples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, "configs", "rules.d")
T_END = 1795788060
CASES = [(name, case) for name in samples.names() for case in samples.load(name)["cases"]]


def settings_for(name):
    """Return the shipped rule settings with the sample file's overrides."""
    s = copy.deepcopy(rules.load(SHIPPED))
    problems = rules.merge(s, samples.load(name)["settings"], f"{name}.json")
    assert problems == []
    return s


def stat_blocks(rows):
    """Return the -s blocks the engine reads, computed as nfdump would (srcip/flows first)."""
    per = {}
    for r in rows:
        per[r.src] = per.get(r.src, 0) + r.flows
    src = sorted((("any", ip, n, 0, 0) for ip, n in per.items()), key=lambda x: -x[2])
    return [src, [], [], []]


def tallies(rows):
    """Return the DNS statistics the engine reads, computed as nfdump would."""
    out = {"queries": {}, "answers": {}}
    for r in rows:
        if r.proto != "udp":
            continue
        kind, ip = ("queries", r.src) if r.dport == 53 else ("answers", r.dst) \
            if r.sport == 53 or r.sport == r.dport == 0 else (None, None)
        if kind:
            f, p, b = out[kind].get(ip, (0, 0, 0))
            out[kind][ip] = (f + r.flows, p + r.packets, b + r.bytes)
    return out


def detect(settings, rows):
    found, _ = passes.evaluate(settings, rows, stat_blocks(rows), tallies(rows),
                               lambda sources: [r for r in rows if r.src in sources], {}, T_END)
    return found


@pytest.mark.parametrize("name,case", CASES, ids=[f"{n}: {c['name']}" for n, c in CASES])
def test_sample_raises_exactly_its_alerts(name, case):
    found = detect(settings_for(name), samples.rows(case["sessions"]))
    assert sorted(f"{f.rule} {f.key}" for f in found) == sorted(case["alerts"])


@pytest.mark.parametrize("name", samples.names())
def test_every_case_of_a_file_together_raises_their_union(name):
    cases = samples.load(name)["cases"]
    rows = samples.rows([s for c in cases for s in c["sessions"]])
    expected = sorted(a for c in cases for a in c["alerts"])
    assert sorted(f"{f.rule} {f.key}" for f in detect(settings_for(name), rows)) == expected


def test_every_shipped_rule_has_a_sample_that_raises_it_and_a_near_miss():
    raised = {a.split()[0] for _n, c in CASES for a in c["alerts"]}
    near = {n for n, c in CASES if not c["alerts"]}
    shipped = set(rules.load(SHIPPED)) - {"volume", "trend"}  # those have their own samples
    assert shipped <= raised
    assert near == set(samples.names())


def test_disabled_rule_raises_nothing():
    s = settings_for("scan")
    s["ssh_guessing"]["enabled"] = False
    case = next(c for n, c in CASES if c["name"] == "ssh password guessing")
    assert detect(s, samples.rows(case["sessions"])) == []


def test_dns_finding_carries_the_evidence_filter_and_counts():
    case = next(c for n, c in CASES if c["name"].startswith("tunnel: answers big only"))
    (f,) = detect(settings_for("dns"), samples.rows(case["sessions"]))
    assert f.filter == "host 10.2.0.11 and (port 53 or (proto udp and src port 0 and dst port 0))"
    # what the evidence filter shows: 30 queries, 30 answers and 30 fragments, one flow each
    assert (f.flows, f.packets, f.bytes) == (90, 90, 30 * (70 + 600 + 400))
