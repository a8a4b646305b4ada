"""The CLI under odd input: issue 14's reproduced calls, one-line usage errors, --json, exit codes.

Exit codes (docs/operations.md): 0 ok, 1 failure at run time, 2 usage, 78 configuration.
"""

import json
import os
import subprocess

import pytest

from appliance.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def spanflow(*args, cwd=ROOT):
    """Run the real command line; return (exit code, stdout, stderr)."""
    done = subprocess.run(["/usr/bin/python3", "-m", "appliance", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def config(tmp_path):
    """The shipped config with storage in tmp_path (an empty box)."""
    local = tmp_path / "local.toml"
    local.write_text(f'[storage]\ndir = "{tmp_path}/data"\nruntime_dir = "{tmp_path}/run"\n'
                     f'[detect]\nrules_dir = "{ROOT}/configs/rules.d"\n')
    return ["--config", os.path.join(ROOT, "configs", "spanflow.toml"), "--config", str(local)]


def one_usage_line(code, err):
    assert code == 2, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err


# Issue 14: each call as reproduced, through the real entry point.
@pytest.mark.parametrize("argv", [
    ["flows", "--since", "99999999d"],
    ["ack", "99999999999999999999999"],
    ["web", "--threads", "0"],
    ["top", "-n", "-2"],
])
def test_issue_14_calls_are_one_line_usage_errors(argv, config, tmp_path):
    (tmp_path / "data" / "flows").mkdir(parents=True)
    code, out, err = spanflow(*argv, *config)
    one_usage_line(code, err)
    assert out == ""  # `web --threads 0` no longer says "serving"


def test_bad_time_and_bad_filter_exit_alike(config, tmp_path, capsys):
    (tmp_path / "data" / "flows").mkdir(parents=True)
    for argv in (["flows", "--since", "yesterday"], ["flows", "--until", "1m0"],
                 ["top", "--last", "forever"], ["flows", "--limit", "0"]):
        assert main.main([*argv, *config]) == 2, argv
        one_usage_line(2, capsys.readouterr().err)


def test_one_minute_is_a_minute_everywhere():
    from datetime import datetime, timedelta, timezone

    from appliance import durations
    from appliance.cli import trendscmd
    from appliance.config import checks
    from appliance.query import view
    from appliance.web import inputs
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert trendscmd.span_seconds("1m") == checks.seconds_of("1m") == durations.seconds("1m") == 60
    assert view.parse_time("1m", now) == now - timedelta(minutes=1)
    start, end, _ = inputs.window({"period": "1m"}, timezone.utc, now)
    assert end - start == timedelta(minutes=1)
    # what was refused in one place and accepted in another
    assert trendscmd.span_seconds("30s") == 30 and view.parse_time("1y", now).year == 2025


def test_json_on_every_printing_command(config, tmp_path, capsys):
    """Every subcommand that prints has --json (run prints nothing; it logs)."""
    from appliance.cli.main import parser

    def leaves(p, name):
        subs = [a for a in p._actions if a.choices and hasattr(a, "_name_parser_map")]
        if not subs:
            yield name, p
        for a in subs:
            for child, q in a.choices.items():
                yield from leaves(q, f"{name} {child}".strip())
    for name, p in leaves(parser(), ""):
        if name != "run":
            assert "--json" in p._option_string_actions, name
    assert main.main(["check-config", "--json", *config]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["problems"] == [] and len(doc["sources"]) == 2


def test_check_config_json_lists_problems(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[web]\ntimezone = "Mars/Olympus"\n')
    assert main.main(["check-config", "--json", "--config", str(bad)]) == 78
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert doc["problems"] == [f"{bad}: web.timezone = 'Mars/Olympus': must be an IANA time zone "
                               "such as 'UTC' or 'Europe/Madrid'"]


def test_status_not_running_is_a_run_time_failure(config, capsys):
    assert main.main(["status", *config]) == 1
    assert "no status snapshot" in capsys.readouterr().err


def test_search_json_is_one_shape_for_cli_and_api():
    from appliance.query import flows, view
    result = flows.SearchResult(rows=[{"first": "x"}], truncated=True, files=2)
    assert json.loads(view.as_json(result)) == view.result_doc(result) == \
        {"flows": [{"first": "x"}], "truncated": True, "files": 2}
