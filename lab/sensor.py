"""Run the sensor inside the `sensor` host: the box's own `spanflow run` on the SPAN port."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys

from appliance import config
from appliance.collector.command import flow_dirs
from appliance.paths import Paths
from appliance.query.files import catalogue

from . import rundata
from .errors import LabError
from .rundata import BASE_CONFIG  # noqa: F401  (the lab sensor's settings)
from .waiting import wait_for

log = logging.getLogger(__name__)

PY = "/usr/bin/python3"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(REPO, "configs", "rules.d")
LAB_RULES = os.path.join(REPO, "lab", "configs", "rules.d")


def child_env():
    """Return the environment for appliance processes: this tree first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYENV")}
    env["PYTHONPATH"] = REPO
    env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
    return env


def write_run_config(run_dir, data_dir):
    """Write the run's config folder (storage dirs, rules) and return the --config list."""
    return rundata.write(run_dir, data_dir, run_rules(run_dir) if os.path.isdir(RULES) else None)


def run_rules(run_dir):
    """Copy the shipped rules, then the lab's overrides (read last), into the run's rules folder."""
    folder = os.path.join(run_dir, "rules.d")
    os.makedirs(folder, exist_ok=True)
    for source in (RULES, LAB_RULES):
        for name in sorted(os.listdir(source)):
            if name.endswith(".toml"):
                shutil.copy(os.path.join(source, name), folder)
    return folder


class Sensor:
    """The sensor's processes in the Mininet host; inert until start(), stop() is idempotent."""

    def __init__(self, host, configs):
        self.host = host
        self.configs = configs
        self.cfg = config.load(configs)
        self.paths = Paths.of(self.cfg)
        self.procs = []

    @property
    def flows_dir(self):
        return self.paths.flows

    def start(self):
        """Start `spanflow run` in the sensor host."""
        os.makedirs(self.paths.flows, exist_ok=True)
        os.makedirs(self.paths.runtime, exist_ok=True)
        logfile = open(os.path.join(self.paths.runtime, "sensor.log"), "ab")
        argv = [PY, "-m", "appliance", "run"]
        for path in self.configs:
            argv += ["--config", path]
        self.procs.append(self.host.popen(argv, cwd=REPO, env=child_env(),
                                          stdout=logfile, stderr=subprocess.STDOUT))
        log.info("sensor started (spanflow run)")

    def alive(self):
        """Tell whether every sensor process still runs."""
        return bool(self.procs) and all(p.poll() is None for p in self.procs)

    def expire_all(self):
        """Make softflowd export every flow it holds, then wait until nfcapd has closed a file."""
        before = set(self.closed_files())
        self.host.cmd(f"softflowctl -c {self.paths.softflowd_ctl} expire-all")
        wait_for(lambda: set(self.closed_files()) - before, 4 * self.cfg.collector.rotate + 5,
                 "a flow file closed after expire-all")
        # One more rotation: export packets received just before the rotation land in the next file.
        before = set(self.closed_files())
        wait_for(lambda: set(self.closed_files()) - before, 2 * self.cfg.collector.rotate + 5,
                 "one more closed flow file")

    def detected_all(self, timeout):
        """Wait until detection has handled the newest closed flow file; return whether it did."""
        newest = os.path.basename(self.closed_files()[-1]) if self.closed_files() else ""

        def caught_up():
            try:
                with open(self.paths.status) as f:
                    detect = json.load(f).get("detect") or {}
            except (OSError, ValueError):
                return False
            return (detect.get("last_interval") or "") >= newest
        try:
            wait_for(caught_up, timeout, "detection to handle the last flow file")
            return True
        except LabError:
            return False

    def closed_files(self):
        """Return the closed flow files of every flow directory (the product's catalogue)."""
        return sorted(os.path.join(d, n) for d in flow_dirs(self.cfg, self.paths)
                      for n in catalogue(d).names())

    def stop(self):
        """Stop the sensor's processes, newest first, and wait for them."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                print("spanflow-lab: sensor process did not stop, killing it", file=sys.stderr)
                proc.kill()
                proc.wait()
        self.procs = []
