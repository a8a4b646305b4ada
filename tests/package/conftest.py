"""Fixtures of the package tier: one build and one installation per module, units started as shipped."""

import glob
import os
import random
import shutil
import subprocess
import time
from dataclasses import dataclass

import pytest

import deb_units
from deb_host import APT_ENV, OUT, installed, purge, run
from support.netns import ROOT


@dataclass
class Build:
    debs: dict  # package name -> .deb path
    started: float  # files of the tree changed after this may be in flux (engineers write it)


@pytest.fixture(scope="module")
def build():
    """Build the packages with the project's one command."""
    started = time.time()
    # the build runs the unit tier (about 400 tests): 1-2 min, 3+ on a loaded 2-core machine
    built = run(os.path.join(ROOT, "scripts", "build-deb"), timeout=600)
    assert built.returncode == 0, built.stderr
    debs = {os.path.basename(d).split("_")[0]: d for d in glob.glob(os.path.join(OUT, "*.deb"))}
    return Build(debs, started)


@pytest.fixture(scope="module")
def installation(build):
    """Install the packages with apt; purge them afterwards, whatever happened."""
    assert not installed("spanflow"), "spanflow is already installed here; purge it first"
    got = run("apt-get", "install", "-y", *build.debs.values(), env=APT_ENV, timeout=300)
    try:
        assert got.returncode == 0, got.stdout[-2000:] + got.stderr
        yield build
    finally:
        purge()


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
    """Start both units' ExecStart in the sensor namespace as their [Service] sections say."""
    procs = []
    for unit in deb_units.UNITS:
        argv, umask = deb_units.command(unit)
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
