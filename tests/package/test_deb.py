"""The package tier: build the .debs, lint them, install them, run the units' commands, purge.

Runs as root in CI (marker deb). It installs spanflow and spanflow-lab on the machine and purges
them at the end, so it refuses to run where spanflow is already installed.
"""

import glob
import json
import os
import random
import shutil
import subprocess
import time

import pytest

from support.netns import ROOT, python_in
from support.wait import wait_until

import deb_units as unitexec
from deb_traffic import DPORT, SEND_ONE

pytestmark = pytest.mark.deb

OUT = os.path.join(ROOT, "build", "deb")
UNITS = ("spanflow.service", "spanflow-web.service")
GONE_AFTER_PURGE = ("/etc/spanflow", "/var/lib/spanflow", "/run/spanflow", "/usr/lib/spanflow",
                    "/usr/bin/spanflow", "/usr/bin/spanflow-lab", "/lib/systemd/system/spanflow.service",
                    "/etc/systemd/system/multi-user.target.wants/spanflow.service")
BUILD = {}  # when the module's build started: files changed later may be in flux
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def installed(pkg):
    return run("dpkg-query", "-W", "-f=${Status}", pkg).stdout.endswith(" installed")


@pytest.fixture(scope="module")
def debs():
    """Build the packages with the project's one command; return the .deb paths."""
    BUILD["started"] = time.time()
    built = run(os.path.join(ROOT, "scripts", "build-deb"), timeout=180)
    assert built.returncode == 0, built.stderr
    return {os.path.basename(d).split("_")[0]: d for d in glob.glob(os.path.join(OUT, "*.deb"))}


@pytest.fixture(scope="module")
def installation(debs):
    """Install the packages with apt; purge them afterwards, whatever happened."""
    assert not installed("spanflow"), "spanflow is already installed here; purge it first"
    got = run("apt-get", "install", "-y", *debs.values(), env=APT_ENV, timeout=300)
    try:
        assert got.returncode == 0, got.stdout[-2000:] + got.stderr
        yield debs
    finally:
        # dpkg, not apt: apt no longer knows a removed local .deb without conffiles (spanflow-lab)
        run("dpkg", "--purge", "spanflow-lab", "spanflow", timeout=300)


def test_build_makes_both_packages_with_private_modules(debs):
    assert sorted(debs) == ["spanflow", "spanflow-lab"], debs
    box, lab = (run("dpkg-deb", "-c", debs[name]).stdout for name in ("spanflow", "spanflow-lab"))
    # `appliance` and `lab` are too generic for the global dist-packages
    assert "dist-packages" not in box + lab
    assert "./usr/lib/spanflow/libspanflow-quietlink.so" in box
    assert "./usr/lib/spanflow/appliance/cli/main.py" in box
    assert "./etc/spanflow/spanflow.toml" in box
    assert "./usr/lib/spanflow/lab/__init__.py" in lab
    # every module and data file of the tree (templates, lab configs) is in a package
    # (the files build-deb copies: git's view of the tree, ignored files excluded)
    tree = run("git", "-C", ROOT, "ls-files", "--cached", "--others", "--exclude-standard",
               "appliance", "lab").stdout.split()
    # (other engineers write the tree meanwhile: only files older than the build must be there)
    missing = [rel for rel in tree if os.path.isfile(os.path.join(ROOT, rel))
               and os.stat(os.path.join(ROOT, rel)).st_mtime < BUILD["started"]
               and f"./usr/lib/spanflow/{rel}" not in box + lab]
    assert tree and missing == []
    # the lab finds the shipped rules where it looks for them in a checkout
    assert "./usr/lib/spanflow/configs/rules.d -> /etc/spanflow/rules.d" in lab


def test_lintian_reports_no_errors_or_warnings(debs):
    lint = run("lintian", "--pedantic", "--fail-on", "error,warning", *debs.values(), timeout=300)
    bad = [line for line in lint.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert lint.returncode == 0 and not bad, lint.stdout + lint.stderr


def test_commands_run_from_the_private_directory(installation):
    for argv in (["spanflow", "--version"], ["spanflow-lab", "--help"]):
        got = run(*argv, cwd="/")
        assert got.returncode == 0, got.stderr


def test_shipped_config_checks_and_units_verify(installation):
    check = run("spanflow", "check-config")
    assert (check.returncode, check.stdout.strip()) == (0, "OK (/etc/spanflow/spanflow.toml)"), check
    if shutil.which("systemd-analyze"):
        verify = run("systemd-analyze", "verify", *(f"{unitexec.UNIT_DIR}/{u}" for u in UNITS))
        assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    st = os.stat("/var/lib/spanflow")
    assert (st.st_uid, run("stat", "-c", "%G %a", "/var/lib/spanflow").stdout.split()) == \
        (0, ["spanflow", "750"])


@pytest.fixture
def local_config(installation, mirror_link):
    """Point the installed sensor at the test's veth mirror with a spanflow.d override."""
    ports = random.sample(range(20000, 60000), 2)
    path = f"/etc/spanflow/spanflow.d/zz-test-{mirror_link.mirror}.toml"
    with open(path, "w") as f:
        f.write(f'[mirror]\ninterface = "{mirror_link.mirror}"\n'
                f'[probe.timeouts]\nudp = 2\nexpint = 1\n'
                f'[collector]\nlisten = "127.0.0.1:{ports[0]}"\nrotate = 2\n'
                f'[web]\nlisten = "127.0.0.1:{ports[1]}"\n')
    # What RuntimeDirectory= would make (no systemd here); spanflow.service's Group= owns it.
    created = not os.path.exists("/run/spanflow")
    run("install", "-d", "-o", "root", "-g", "spanflow", "-m", "0750", "/run/spanflow")
    try:
        yield ports[1]
    finally:
        os.unlink(path)
        if created:
            shutil.rmtree("/run/spanflow", ignore_errors=True)


@pytest.fixture
def units(local_config, sensor_ns, tmp_path):
    """Start both units' ExecStart in the sensor namespace, as their [Service] sections say."""
    procs = []
    for unit in UNITS:
        argv, umask = unitexec.command(unit)
        log = open(tmp_path / f"{unit}.log", "w")
        procs.append(sensor_ns.popen(*argv, umask=umask, stdout=log, stderr=subprocess.STDOUT))
    try:
        yield local_config, tmp_path
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()  # our own child, by its pid: a hung stop must not outlive the test
                proc.wait()
                raise


def stored_flow_files():
    """Return the closed flow files of the installed store that hold the test's flow."""
    found = []
    for path in sorted(glob.glob("/var/lib/spanflow/flows/**/nfcapd.2*", recursive=True)):
        out = run("nfdump", "-r", path, "-q", "-o", "csv", f"proto udp and dst port {DPORT}",
                  env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
        if "10.99.0.2" in out:
            found.append(path)
    return found


def fetch(sensor_ns, url):
    """Return (status, body) of a GET inside the sensor namespace; status 0 if unreachable."""
    got = python_in(sensor_ns, "import sys, urllib.request, urllib.error\n"
                    "try:\n r = urllib.request.urlopen(sys.argv[1], timeout=5)\n"
                    "except urllib.error.HTTPError as e:\n r = e\n"
                    "print(r.status); sys.stdout.write(r.read().decode())", url, check=False)
    status, _, body = got.stdout.partition("\n")
    return (int(status), body) if got.returncode == 0 else (0, got.stderr)


def web_flows(sensor_ns, port):
    url = f"http://127.0.0.1:{port}/api/flows?filter=proto+udp+and+dst+port+{DPORT}"
    status, body = fetch(sensor_ns, url)
    return body if status == 200 and "10.99.0.2" in body else None


def test_installed_units_capture_a_flow_the_web_api_shows(units, sensor_ns, injector_ns, mirror_link):
    port, logs = units

    def probe_running():
        try:
            with open("/run/spanflow/status.json") as f:
                return json.load(f)["probe"]["state"] == "running"
        except (OSError, ValueError, KeyError):
            return False

    sports = iter(range(40001, 41000))

    def flow_stored():
        # a new source port each time: a new flow that goes idle and is exported after [udp] 2 s
        python_in(injector_ns, SEND_ONE, mirror_link.feed, str(DPORT), str(next(sports)))
        return stored_flow_files()
    try:
        wait_until(probe_running, 30, what="spanflow run to report the probe running")
        files = wait_until(flow_stored, 30, interval=1, what="the flow in /var/lib/spanflow/flows")
        body = wait_until(lambda: web_flows(sensor_ns, port), 30, what="the flow in /api/flows")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; unit output:\n" + "".join(
            f"--- {p.name}\n{p.read_text()}" for p in sorted(logs.glob("*.log")))) from None
    # what debian/tests/services waits for on a machine with systemd
    status, state = fetch(sensor_ns, f"http://127.0.0.1:{port}/api/status")
    assert status == 200 and json.loads(state)["snapshot"]["probe"]["state"] == "running", state
    # the page itself renders from the installed templates, as user spanflow
    status, page = fetch(sensor_ns, f"http://127.0.0.1:{port}/")
    assert status == 200 and "</html>" in page.lower(), page[-2000:]
    # Group= in spanflow.service is what lets spanflow-web (user spanflow) read the flow files
    assert run("stat", "-c", "%G", files[0]).stdout.strip() == "spanflow"
    assert str(DPORT) in body


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
