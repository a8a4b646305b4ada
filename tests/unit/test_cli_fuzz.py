"""Property-based fuzzing of the CLI's arguments (Debian's python3-hypothesis, issue 14).

Whatever the arguments: never a traceback or an internal error, an exit code of 0, 1, 2 or 78,
and a usage error (2) is one line on stderr. `run`, `web` and `import` are left out: they start
daemons or servers; their argument checks are the same types (appliance/cli/output.py).
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

COMMANDS = {
    "check-config": [],
    "dump-config": [],
    "status": [],
    "stats": [],
    "flows": ["--since", "--until", "--limit", "--top", "--format", "--store"],
    "top": ["--last", "-n"],
    "graph": ["--metric", "--last", "--tz", "-o"],
    "alerts": ["-n"],
    "ack": ["--by"],
}
FLAGS = ["--json", "--all", "-v", "--help"]

# values near what the parsers see: numbers of any size and sign, durations, dates, unicode
numbers = st.integers(min_value=-10**30, max_value=10**30).map(str)
durations = st.builds(lambda n, u: f"{n}{u}", st.integers(-5, 10**14),
                      st.sampled_from("smhdwyMx²"))
dates = st.sampled_from(["1970-01-01", "0001-01-01", "9999-12-31T23:59", "2026-11-27T10:00Z",
                         "2038-01-20", "2026-02-30", "now", "", " ", "-1d"])
words = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=30)
values = st.one_of(numbers, durations, dates, words,
                   st.sampled_from(["hosts", "ports", "json", "csv", "ip", "total", "bits",
                                    "UTC", "Mars/Olympus", "proto tcp", "-r /etc/passwd"]))


@st.composite
def argvs(draw):
    command = draw(st.sampled_from(sorted(COMMANDS)))
    argv = [command]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 2))
        if kind == 0 and COMMANDS[command]:
            argv += [draw(st.sampled_from(COMMANDS[command])), draw(values)]
        elif kind == 1:
            argv.append(draw(st.sampled_from(FLAGS)))
        else:
            argv.append(draw(values))  # a positional: filter words, ids, kinds
    return argv


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """An empty box on the shipped config; graphs go to a scratch folder."""
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "data" / "flows").mkdir(parents=True)
    local = tmp / "local.toml"
    local.write_text(f'[storage]\ndir = "{tmp}/data"\nruntime_dir = "{tmp}/run"\n'
                     f'[detect]\nrules_dir = "{ROOT}/configs/rules.d"\n')
    return tmp, ["--config", os.path.join(ROOT, "configs", "spanflow.toml"), "--config", str(local)]


@settings(max_examples=int(os.environ.get("SPANFLOW_FUZZ_EXAMPLES", "150")), deadline=None,
          database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=argvs())
def test_cli_never_tracebacks(argv, box, capsys, monkeypatch):
    tmp, config = box
    monkeypatch.chdir(tmp)  # graph -o writes relative names here, never into the tree
    code = main.main([*argv, *config])
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "internal error" not in out.err, (argv, out.err)
    assert code in (0, 1, 2, 78), (argv, code, out.err)
    if code == 2:
        assert len(out.err.strip().splitlines()) == 1, (argv, out.err)
