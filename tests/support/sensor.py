"""`spanflow run` in a test's sensor namespace: its config, start, status, and stop by our PID."""

import os
import signal
import subprocess

from appliance.config import load
from appliance.paths import Paths
from appliance.supervisor import snapshot

from .netns import ROOT
from .wait import wait_until

# Short probe timeouts and a 2 s rotation (nfcapd's minimum): a flow is stored within seconds.
CONFIG = """
[mirror]
interface = "{iface}"
{mirror}
[probe]
{probe}
[probe.timeouts]
general = 3
tcp = 3
tcp_fin = 2
tcp_rst = 2
udp = 2
icmp = 2
expint = 1
[collector]
rotate = 2
[storage]
dir = "{folder}/data"
runtime_dir = "{folder}/run"
{extra}
"""


def write_config(folder, iface, mirror="", probe="", extra=""):
    """Write folder/spanflow.toml for iface with data and runtime under folder; return its path."""
    path = os.path.join(str(folder), "spanflow.toml")
    with open(path, "w") as f:
        f.write(CONFIG.format(iface=iface, folder=folder, mirror=mirror, probe=probe, extra=extra))
    return path


def shipped_config(folder, iface):
    """Write the shipped defaults with only the interface and the directories set; return it."""
    path = os.path.join(str(folder), "spanflow.toml")
    with open(path, "w") as f:
        f.write(f'[mirror]\ninterface = "{iface}"\n[storage]\ndir = "{folder}/data"\n'
                f'runtime_dir = "{folder}/run"\n[detect]\n'
                f'rules_dir = "{ROOT}/configs/rules.d"\n')
    return path


class SpanflowRun:
    """`spanflow run` started in ns with this tree's code; stop() signals our own process only."""

    def __init__(self, ns, config, env=None):
        self.ns, self.config = ns, config
        self.paths = Paths.of(load([config]))
        self.log = open(os.path.join(os.path.dirname(config), "run.log"), "w+")
        self.proc = ns.popen("/usr/bin/python3", "-m", "appliance", "run", "--config", config,
                             cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def status(self):
        return snapshot.read(self.paths.status) or {}

    def running(self, part="probe"):
        """Tell whether our run loop is running and so is its component part."""
        st = self.status()
        return (st.get("pid") == self.proc.pid and st.get("state") == "running"
                and st.get(part, {}).get("state") == "running")

    def wait_running(self, part="probe", timeout=30):
        """Wait until part runs; fail with the run's output if spanflow run exits first."""
        wait_until(lambda: self.running(part) or self.proc.poll() is not None, timeout,
                   what=f"spanflow run with {part} running")
        assert self.proc.poll() is None, self.output()
        return self

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self, timeout=30):
        """SIGTERM our own `spanflow run` and return its exit code; safe to call twice."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def close(self):
        """Stop the run if it still runs and close its log (fixture teardown)."""
        try:
            self.stop()
        finally:
            self.log.close()
