"""Config golden cases: good files load, bad ones print exactly the expected errors."""

import dataclasses
import os
import re
import subprocess
import sys
import typing

import pytest

from appliance import config
from appliance.config.schema import Config
from appliance.errors import ConfigError, EX_CONFIG

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(ROOT, "tests", "fixtures", "config")
SHIPPED = os.path.join(ROOT, "configs", "spanflow.toml")


def _errors(name):
    with pytest.raises(ConfigError) as exc:
        config.load([os.path.join(CASES, name + ".toml")])
    return [p.replace(CASES + os.sep, "") for p in exc.value.problems]


@pytest.mark.parametrize("name", ["bad-values", "unknown-keys", "syntax-error"])
def test_bad_config_reports_every_error(name):
    with open(os.path.join(CASES, name + ".expected")) as fh:
        expected = fh.read().splitlines()
    assert _errors(name) == expected


def test_shipped_config_is_the_defaults():
    assert dataclasses.replace(config.load([SHIPPED]), sources=()) == Config()


def test_override_merges_onto_shipped_file():
    cfg = config.load([SHIPPED, os.path.join(CASES, "good-override.toml")])
    assert cfg.mirror.interface == "enp3s0"
    assert cfg.mirror.disable_offloads is True
    assert cfg.collector.retention.max_size == "500G"
    assert cfg.collector.retention.max_age == "90d"
    assert cfg.ingest.channels == {"guest": "net 10.20.0.0/16"}
    assert cfg.ingest.services["ssh"] == "proto tcp and port 22"


def test_folder_is_read_in_name_order(tmp_path):
    (tmp_path / "20-b.toml").write_text('[mirror]\ninterface = "second"\n')
    (tmp_path / "10-a.toml").write_text('[mirror]\ninterface = "first"\nmtu = 9000\n')
    cfg = config.load([str(tmp_path)])
    assert (cfg.mirror.interface, cfg.mirror.mtu) == ("second", 9000)


def _keys(cls, prefix=""):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in ("sources", "origins"):
            continue
        if dataclasses.is_dataclass(hints[f.name]):
            yield from _keys(hints[f.name], f"{prefix}{f.name}.")
        else:
            yield prefix + f.name


def test_every_key_is_documented_in_the_shipped_file():
    text = open(SHIPPED).read()
    sections, section = {}, ""
    for line in text.splitlines():
        if m := re.match(r"^\[([a-z_.]+)\]", line):
            section = m.group(1)
            sections.setdefault(section, set())
        elif m := re.match(r"^([a-z_]+) = ", line):
            sections.setdefault(section, set()).add(m.group(1))
    for key in _keys(Config):
        section, _, name = key.rpartition(".")
        assert name in sections.get(section, set()) or key in sections, f"{key} is not in configs/spanflow.toml"


def test_check_config_cli_exit_codes():
    run = lambda *a: subprocess.run([sys.executable, "-m", "appliance", "check-config", *a],
                                    cwd=ROOT, capture_output=True, text=True)
    ok = run("--config", SHIPPED)
    assert ok.returncode == 0 and ok.stdout.startswith("OK")
    bad = run("--config", os.path.join(CASES, "bad-values.toml"))
    assert bad.returncode == EX_CONFIG
    assert "probe.export_version = 8: must be one of 5, 9, 10" in bad.stdout
    missing = run("--config", "/nonexistent/spanflow.toml")
    assert missing.returncode == EX_CONFIG and "no such file" in missing.stdout


def test_dump_config_round_trips(tmp_path):
    out = subprocess.run([sys.executable, "-m", "appliance", "dump-config", "--config",
                          os.path.join(CASES, "good-override.toml")],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    dumped = tmp_path / "dumped.toml"
    dumped.write_text(out)
    again = config.load([str(dumped)])
    assert again.mirror.interface == "enp3s0"
    assert dataclasses.replace(again, sources=()) == dataclasses.replace(
        config.load([os.path.join(CASES, "good-override.toml")]), sources=())


@pytest.mark.parametrize("order", ["before", "after"])
def test_config_option_before_or_after_the_subcommand(order):
    override = os.path.join(CASES, "good-override.toml")
    args = ["--config", override, "dump-config"] if order == "before" else ["dump-config", "--config", override]
    out = subprocess.run([sys.executable, "-m", "appliance", *args], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert 'interface = "enp3s0"' in out


def test_web_off_loopback_needs_a_password_hash(tmp_path):
    local = tmp_path / "web.toml"
    local.write_text('[web]\nlisten = "0.0.0.0:8080"\n')
    with pytest.raises(ConfigError) as exc:
        config.load([SHIPPED, str(local)])
    assert exc.value.problems == [f"{local}: web.listen = '0.0.0.0:8080' is off loopback: it needs "
                                  "web.password_hash (or listen on 127.0.0.1)"]
    local.write_text('[web]\nlisten = "0.0.0.0:8080"\npassword_hash = "pbkdf2:sha256:1$x$y"\n')
    assert config.load([SHIPPED, str(local)]).web.listen == "0.0.0.0:8080"


def test_check_config_checks_the_mirror_interface_on_this_host(tmp_path):
    local = tmp_path / "mirror.toml"
    local.write_text('[mirror]\ninterface = "nosuch0"\n')
    out = subprocess.run([sys.executable, "-m", "appliance", "check-config", "--config", SHIPPED,
                          "--config", str(local)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == EX_CONFIG
    assert out.stdout.startswith("mirror.interface = 'nosuch0': mirror interface 'nosuch0' does not "
                                 "exist; existing interfaces: ")
    assert "lo" in out.stdout
