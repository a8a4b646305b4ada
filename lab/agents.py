"""Start and stop the traffic agents (lab.traffic.agent) inside the Mininet hosts."""

import json
import os
import select
import signal
import subprocess
import time

from . import topo
from .errors import LabError
from .sensor import PY, REPO, child_env

# Which host runs which baseline kinds: services first, then clients. The office's real daemons
# (lab/daemons.py) are started beside these; the crafted DNS server stays for its exact check.
SERVICES = {"srv": ["dns-server"]}
CLIENTS = {"ws1": ["ssh", "dns", "office-dns", "discovery", "netbios-lookup"],
           "ws2": ["ssh", "dns", "office-dns", "discovery"],
           "prn": ["dns", "dhcp"], "iot": ["dhcp", "office-dns"]}


class Agents:
    """The agent processes of one run; every one is ours, ended by its PID."""

    def __init__(self, net, hosts, run_dir, seed, record):
        self.net, self.hosts, self.run_dir, self.seed = net, hosts, run_dir, seed
        self.record = record
        self.procs = []  # (name, Popen)
        self.ledgers = []
        self.started = {}  # tag -> when its agent said ready (epoch seconds)

    def peers(self):
        return {name: [self.net.get(name).IP(), self.net.get(name).MAC(), topo.host_ip6(name)]
                for name in self.hosts}

    def start(self, host_name, kinds, tag):
        """Start one agent running kinds in a host; return its Popen once it says ready."""
        host = self.net.get(host_name)
        ledger = os.path.join(self.run_dir, f"ledger-{host_name}-{tag}.jsonl")
        self.ledgers.append(ledger)
        log = open(os.path.join(self.run_dir, f"agent-{host_name}-{tag}.log"), "ab")
        argv = [PY, "-m", "lab.traffic.agent", "--host", host_name, "--iface", str(host.defaultIntf()),
                "--ip", host.IP(), "--mac", host.MAC(), "--ip6", topo.host_ip6(host_name), "--peers", json.dumps(self.peers()),
                "--seed", str(self.seed), "--ledger", ledger, "--run-dir", self.run_dir, *kinds]
        proc = host.popen(argv, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=log)
        self.procs.append((f"{host_name}:{tag}", proc))
        self.record(proc.pid)
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        if not ready or proc.stdout.readline().strip() != b"ready":
            raise LabError(f"traffic agent {tag} in {host_name} did not start; "
                           f"see {self.run_dir}/agent-{host_name}-{tag}.log")
        self.started[tag] = time.time()
        return proc

    def finish(self, timeout):
        """Wait up to timeout seconds in all for the scenario agents, which end by themselves."""
        deadline = time.monotonic() + timeout
        for name, proc in self.procs:
            if name.split(":")[1].startswith("scenario-"):
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass

    def running(self):
        return [name for name, p in self.procs if p.poll() is None]

    def stop(self, tag=None):
        """Ask agents (all, or those started with tag) to stop, and wait for them."""
        chosen = [(n, p) for n, p in self.procs if tag is None or n.split(":")[1] == tag]
        for _n, proc in chosen:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _n, proc in chosen:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
