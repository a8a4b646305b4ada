"""The package tier: build the .debs, lint them, install them, run the units' commands, purge.

Runs as root in CI (marker deb). It installs spanflow and spanflow-lab on the machine and purges
them at the end, so it refuses to run where spanflow is already installed.
"""

import json
import os
import shutil

import pytest

import deb_units
from deb_host import APT_ENV, installed, run, tree_files
from deb_traffic import DPORT, fetch, stored_flow_files, web_flows
from support.netns import ROOT
from support.traffic import send_udp
from support.wait import wait_until

pytestmark = pytest.mark.deb

GONE_AFTER_PURGE = ("/etc/spanflow", "/var/lib/spanflow", "/run/spanflow", "/usr/lib/spanflow",
                    "/usr/bin/spanflow", "/usr/bin/spanflow-lab", "/lib/systemd/system/spanflow.service",
                    "/etc/systemd/system/multi-user.target.wants/spanflow.service")


def test_build_makes_both_packages_with_private_modules(build):
    assert sorted(build.debs) == ["spanflow", "spanflow-lab"], build.debs
    box, lab = (run("dpkg-deb", "-c", build.debs[name]).stdout for name in ("spanflow", "spanflow-lab"))
    # `appliance` and `lab` are too generic for the global dist-packages
    assert "dist-packages" not in box + lab
    assert "./usr/lib/spanflow/libspanflow-quietlink.so" in box
    assert "./etc/spanflow/spanflow.toml" in box
    # every module and data file (templates, lab configs) of the tree as it was when the build began
    tree = [rel for rel in tree_files() if os.stat(os.path.join(ROOT, rel)).st_mtime < build.started]
    assert "appliance/cli/main.py" in tree and "lab/__init__.py" in tree
    assert [rel for rel in tree if f"./usr/lib/spanflow/{rel}" not in box + lab] == []
    rules = os.listdir(os.path.join(ROOT, "configs", "rules.d"))
    assert [r for r in rules if f"./etc/spanflow/rules.d/{r}" not in box] == []
    # the lab finds the shipped rules where it looks for them in a checkout
    assert "./usr/lib/spanflow/configs/rules.d -> /etc/spanflow/rules.d" in lab


def test_lintian_reports_no_errors_or_warnings(build):
    lint = run("lintian", "--pedantic", "--fail-on", "error,warning", *build.debs.values(), timeout=300)
    bad = [line for line in lint.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert lint.returncode == 0 and not bad, lint.stdout + lint.stderr


def test_commands_run_from_the_private_directory(installation):
    for argv in (["spanflow", "--version"], ["spanflow-lab", "--help"]):
        got = run(*argv, cwd="/")
        assert got.returncode == 0, got.stderr
    # the installed lab prints the installed command for a run's data, not `python3 -m appliance`
    hint = run("/usr/bin/python3", "-I", "-c", "import sys; sys.path.insert(0, '/usr/lib/spanflow'); "
               "from lab import rundata; print(rundata.commands('/run/spanflow-lab/latest')['alerts'])",
               cwd="/")
    assert hint.stdout.strip() == "spanflow alerts --config /run/spanflow-lab/latest", hint


def test_shipped_config_checks_and_units_verify(installation):
    check = run("spanflow", "check-config")
    assert (check.returncode, check.stdout.strip()) == (0, "OK (/etc/spanflow/spanflow.toml)"), check
    if shutil.which("systemd-analyze"):
        units = [f"{deb_units.UNIT_DIR}/{u}" for u in deb_units.UNITS]
        verify = run("systemd-analyze", "verify", *units)
        assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    assert run("stat", "-c", "%U %G %a", "/var/lib/spanflow").stdout.split() == ["root", "spanflow", "750"]
    # upgrades keep local edits of the shipped files: dpkg tracks them as conffiles
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "spanflow").stdout
    assert " /etc/spanflow/spanflow.toml " in conffiles, conffiles


def test_install_makes_a_self_signed_pair_for_https(installation):
    # the page off loopback needs [web] tls_certificate/tls_key: the shipped paths must load
    key, cert = "/etc/spanflow/tls/web.key", "/etc/spanflow/tls/web.crt"
    assert run("stat", "-c", "%U %G %a", key).stdout.split() == ["root", "spanflow", "640"]
    assert run("openssl", "x509", "-in", cert, "-noout", "-checkend", "86400").returncode == 0
    loads = run("/usr/bin/python3", "-c", "import ssl, sys; ssl.create_default_context("
                "ssl.Purpose.CLIENT_AUTH).load_cert_chain(sys.argv[1], sys.argv[2])", cert, key)
    assert loads.returncode == 0, loads.stderr


def test_reinstall_keeps_the_user_and_local_settings(installation):
    local = "/etc/spanflow/spanflow.d/zz-test-reinstall.toml"
    with open(local, "w") as f:
        f.write('[web]\nlisten = "127.0.0.1:8099"\n')
    try:
        uid = run("id", "-u", "spanflow").stdout
        got = run("dpkg", "-i", installation.debs["spanflow"], timeout=300)
        assert got.returncode == 0, got.stdout[-2000:] + got.stderr
        assert run("id", "-u", "spanflow").stdout == uid
        assert os.path.exists(local)
        check = run("spanflow", "check-config")
        assert check.returncode == 0 and local in check.stdout, check
    finally:
        os.unlink(local)


def probe_running():
    try:
        with open("/run/spanflow/status.json") as f:
            return json.load(f)["probe"]["state"] == "running"
    except (OSError, ValueError, KeyError):
        return False


def test_installed_units_capture_a_flow_the_web_api_shows(units, sensor_ns, injector_ns, mirror_link):
    port, logs = units
    sports = iter(range(40001, 41000))

    def flow_stored():
        # a new source port each time: a new flow that goes idle and is exported after [udp] 2 s
        send_udp(injector_ns, mirror_link.feed, DPORT, next(sports), payload=48)
        return stored_flow_files()
    try:
        wait_until(probe_running, 30, what="spanflow run to report the probe running")
        files = wait_until(flow_stored, 30, interval=1, what="the flow in /var/lib/spanflow/flows")
        body = wait_until(lambda: web_flows(sensor_ns, port), 30, what="the flow in /api/flows")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; unit output:\n" + "".join(
            f"--- {p.name}\n{p.read_text()}" for p in sorted(logs.glob("*.log")))) from None
    assert str(DPORT) in body
    # what debian/tests/services waits for on a machine with systemd
    status, state = fetch(sensor_ns, f"http://127.0.0.1:{port}/api/status")
    assert status == 200 and json.loads(state)["snapshot"]["probe"]["state"] == "running", state
    # the page itself renders from the installed templates, as user spanflow
    status, page = fetch(sensor_ns, f"http://127.0.0.1:{port}/")
    assert status == 200 and "</html>" in page.lower(), page[-2000:]
    # the web (user spanflow, no write access) reads the sensor's WAL-mode SQLite: top hosts
    top = f"http://127.0.0.1:{port}/api/top?kind=hosts"
    wait_until(lambda: "10.99.0.2" in fetch(sensor_ns, top)[1], 30, what="the host in /api/top")
    # a graph renders from the sensor's RRD files under the web unit's confinement
    groups = json.loads(fetch(sensor_ns, f"http://127.0.0.1:{port}/api/groups")[1])["groups"]
    status, png = fetch(sensor_ns, f"http://127.0.0.1:{port}/graphs/{sorted(groups)[0]}/bits.png")
    assert status == 200 and png[1:4] == "PNG", png[:500]
    # Group= in spanflow.service is what lets spanflow-web (user spanflow) read the flow files
    assert run("stat", "-c", "%G", files[0]).stdout.strip() == "spanflow"


def test_remove_keeps_conffiles_and_purge_leaves_nothing(installation):
    removed = run("apt-get", "remove", "-y", "spanflow-lab", "spanflow", env=APT_ENV, timeout=300)
    assert removed.returncode == 0, removed.stderr
    assert not os.path.exists("/usr/bin/spanflow")
    assert os.path.exists("/etc/spanflow/spanflow.toml")  # conffile kept until purge
    assert not installed("spanflow-lab") and run("dpkg-query", "-W", "spanflow-lab").returncode != 0
    purged = run("apt-get", "purge", "-y", "spanflow", env=APT_ENV, timeout=300)
    assert purged.returncode == 0, purged.stderr
    assert [p for p in GONE_AFTER_PURGE if os.path.lexists(p)] == []
    assert run("getent", "passwd", "spanflow").returncode == 2
    assert run("getent", "group", "spanflow").returncode == 2
    assert run("dpkg-query", "-W", "spanflow").returncode != 0  # dpkg forgot it entirely
