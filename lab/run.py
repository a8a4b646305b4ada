"""One lab run: network up, services, sensor, traffic, then the sent-vs-stored report."""

import os
import select
import subprocess
import sys
import time
import uuid

from . import alerts, daemons, mirror, report, rundata, state, stored, topo
from .agents import CLIENTS, SERVICES, Agents
from .errors import LabError
from .network import Network, started
from .sensor import PY, REPO, Sensor, child_env, write_run_config
from .traffic.ledger import read
from .traffic.catalog import SCENARIOS
from .waiting import wait_for


# Progress lines go to stdout, or to stderr when stdout carries --json.
PROGRESS = {"stream": None}


def say(msg):
    print(f"spanflow-lab: {msg}", flush=True, file=PROGRESS["stream"] or sys.stdout)


def passed(outcome, fault):
    """Tell whether a run went as it should; a broken mirror's counts are expected to differ."""
    if fault:
        return outcome["mirror"]["ok"] and not outcome["missing"]
    return not outcome["mismatch"] and not outcome["missing"]


class Run:
    """A lab run; start() then traffic(), and always close() in a finally."""

    def __init__(self, switch="lxbr", scenarios=(), seed=1, mirror_fault=None):
        self.id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:4]
        self.switch, self.scenarios, self.seed = switch, list(scenarios), seed
        self.run_dir = os.path.join(state.RUN_ROOT, self.id)
        self.data_dir = os.path.join(state.DATA_ROOT, self.id)
        self.state = {"owner": os.getpid(), "owner_started": started(os.getpid()),
                      "pids": {}}
        self.mirror_fault = mirror_fault
        self.network = Network(switch, "sfl" + uuid.uuid4().hex[:4], self._record, mirror_fault)
        self.sensor = self.agents = self.web = None
        self.daemons = []
        self.configs = None

    def _record(self, key, value):
        self.state[key] = value
        state.save(self.run_dir, self.state)

    def _record_pid(self, pid):
        self.state["pids"][str(pid)] = started(pid)
        state.save(self.run_dir, self.state)

    def start(self):
        """Bring up network, services and sensor; return when the sensor is capturing."""
        os.makedirs(self.run_dir, exist_ok=True)
        os.makedirs(self.data_dir, exist_ok=True)
        state.save(self.run_dir, self.state)
        say(f"run {self.id}: starting the office network ({self.switch} switch "
            f"{self.network.switch_name}, SPAN to the sensor)")
        net = self.network.start()
        self.configs = write_run_config(self.run_dir, self.data_dir)
        rundata.mark_latest(self.run_dir)
        self.sensor = Sensor(net.get(topo.SENSOR), self.configs)
        self.sensor.start()
        for proc in self.sensor.procs:
            self._record_pid(proc.pid)
        ctl = self.sensor.paths.softflowd_ctl
        logfile = os.path.join(self.sensor.paths.runtime, "sensor.log")
        wait_for(lambda: self.sensor.host.cmd(f"softflowctl -c {ctl} statistics 2>&1")
                 .startswith("softflowd"), 30, f"the probe to answer (see {logfile})")
        wait_for(self.sensor.closed_files, 4 * self.sensor.cfg.collector.rotate + 10,
                 f"the collector's first flow file (see {logfile})")
        say(f"sensor up in host 'sensor' (spanflow run), flows in {self.sensor.flows_dir}")
        self.daemons = []
        for host_name, name, argv in daemons.plan(self.run_dir,
                                                  lambda h: str(net.get(h).defaultIntf())):
            log = open(os.path.join(self.run_dir, "daemons", f"{host_name}-{name}.log"), "ab")
            proc = net.get(host_name).popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)
            self.daemons.append((f"{host_name}:{name}", proc))
            self._record_pid(proc.pid)
        self.agents = Agents(net, topo.all_hosts(), self.run_dir, self.seed, self._record_pid)
        for host, kinds in SERVICES.items():
            self.agents.start(host, kinds, "services")
        if "dns-tunnel" in self.scenarios:
            self.agents.start("br1", ["tunnel-server"], "services-tunnel")
        for host_name, port in (("srv", 22), ("br1", 22), ("srv", 23), (daemons.DNSMASQ_HOST, 53)):
            wait_for(lambda: net.get(host_name).cmd(f"ss -Hln 'sport = :{port}'").strip(), 20,
                     f"{host_name} to listen on port {port} (see {self.run_dir}/daemons/)")
        self._check_daemons()
        say("services up: sshd on srv and br1, telnetd and DNS on srv, dnsmasq on rtr, "
            "minidlna on iot, nmbd and avahi-daemon on the office hosts")

    def _check_daemons(self):
        dead = [name for name, proc in self.daemons if proc.poll() is not None]
        if dead:
            raise LabError(f"daemon {dead[0]} stopped; see {self.run_dir}/daemons/"
                           f"{dead[0].replace(':', '-')}.log")

    def start_web(self, listen=None):
        """Start `spanflow web` in the root namespace on listen (default: the config's address)."""
        argv = [PY, "-m", "appliance", "web", *(["--listen", listen] if listen else [])]
        for path in self.configs:
            argv += ["--config", path]
        self.web = subprocess.Popen(argv, cwd=REPO, env=child_env(), stdout=subprocess.PIPE,
                                    stderr=open(os.path.join(self.run_dir, "web.log"), "ab"))
        self._record_pid(self.web.pid)
        # `spanflow web` prints one line with the URL it really serves on.
        ready, _, _ = select.select([self.web.stdout], [], [], 30)
        line = self.web.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("serving on "):
            raise LabError(f"spanflow web did not start; see {self.run_dir}/web.log")
        return line[len("serving on "):]

    def traffic(self, duration):
        """Run the baseline and the scenarios for duration seconds (None: until Ctrl-C)."""
        for host, kinds in CLIENTS.items():
            self.agents.start(host, kinds, "clients")
        say("baseline traffic flowing: ssh (IPv4, IPv6, routed), dns, office dns and dhcp, "
            "mdns and ssdp discovery, netbios")
        begin = time.monotonic()
        pending = list(self.scenarios)
        next_progress = begin + 5
        while duration is None or time.monotonic() - begin < duration:
            now = time.monotonic()
            while pending and now - begin >= 2:  # all together, 2 s in (docs/lab.md)
                name = pending.pop(0)
                host, kind, _why = SCENARIOS[name]
                self.agents.start(host, [kind], f"scenario-{name}")
                say(f"scenario {name} started from {host}")
            if now >= next_progress:
                next_progress += 10
                say(f"{now - begin:5.0f}s: {self._sent_count()} packets/sessions sent, "
                    f"{len(self.sensor.closed_files())} flow files closed")
            if not self.sensor.alive():
                raise LabError(f"the sensor stopped; see {self.sensor.paths.runtime}/sensor.log")
            self._check_daemons()
            time.sleep(0.5)  # the pacing of this loop, not a wait for a result

    def _sent_count(self):
        return sum(len(read(p)) for p in self.agents.ledgers if os.path.exists(p))

    def settle(self):
        """Stop the traffic, let the probe export everything and the collector close it."""
        say("stopping traffic and flushing the sensor")
        self.agents.stop("clients")
        self.agents.finish(timeout=60)
        self.agents.stop()
        self.sensor.expire_all()
        if alerts.available() and not self.sensor.detected_all(timeout=30):
            say("detection did not handle the last flow file within 30 s (see sensor.log)")

    def compare(self):
        """Return the outcome: {"traffic": rows, "alerts": rows, "unexpected": alerts, ...}."""
        entries = [e for p in self.agents.ledgers if os.path.exists(p) for e in read(p)]
        recs = stored.rows(self.sensor.paths)
        ran = {n.split(":")[1][len("scenario-"):] for n, _p in self.agents.procs
               if n.split(":")[1].startswith("scenario-")}
        kinds = list(report.BASELINE) + [s for s in self.scenarios if s in ran]
        # the ARP sweep sends no IP packet: it has no traffic row, only its alert
        rows = report.compare(entries, stored.totals(recs), [k for k in kinds if k in report.CHECKS])
        found = alerts.raised(self.sensor.paths.database)
        alert_rows, unexpected = ([], []) if found is None else \
            alerts.compare([k for k in kinds if k in alerts.EXPECTED], found,
                           {k: self.agents.started.get(f"scenario-{k}") for k in kinds})
        return {"traffic": rows, "alerts": alert_rows, "unexpected": unexpected,
                "mirror": mirror.judge(self.mirror_fault, self.sensor.paths.status),
                "detection": found is not None,
                "mismatch": [r.kind for r in rows if not r.ok],
                "missing": [f"{rule} ({name})" for name, rule, _c, v, _d in alert_rows
                            if v == "MISSING"]}

    def render(self, outcome):
        """Return the report text of an outcome: the traffic table, then the alerts table."""
        text = report.render(outcome["traffic"])
        m = outcome["mirror"]
        text += (f"\n\nmirror: {m['verdict']}: {'; '.join(m['summary'])}\n"
                 f"  expected {m['expected']}: {'ok' if m['ok'] else 'NOT SEEN'}")
        if outcome["detection"]:
            text += "\n\n" + alerts.render(outcome["alerts"], outcome["unexpected"])
        return text

    def as_json(self, outcome):
        """Return an outcome as JSON-able data, with where the run's data is."""
        return {"run": self.id, "switch": self.switch, "scenarios": self.scenarios,
                "ok": passed(outcome, self.mirror_fault),
                "traffic": [r.as_dict() for r in outcome["traffic"]],
                "alerts": [dict(zip(("scenario", "rule", "raised", "result", "after_seconds"), r))
                           for r in outcome["alerts"]] if outcome["detection"] else None,
                "unexpected_alerts": [{k: a[k] for k in ("id", "rule", "key", "hosts", "summary")}
                                      for a in outcome["unexpected"]],
                "mismatch": outcome["mismatch"], "missing_alerts": outcome["missing"],
                "mirror": outcome["mirror"],
                "data": self.data()}

    def close(self):
        """Stop everything this run started, in reverse order; safe to call twice."""
        for proc in [self.web, *reversed([p for _n, p in self.daemons])]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self.agents is not None:
            self.agents.stop()
        if self.sensor is not None:
            self.sensor.stop()
        # What outlived its parent in a host (an scp, an sshd session child) would keep the
        # namespace alive: end it, but leave Mininet's host shells to net.stop().
        shells = {h.pid for h in self.network.net.hosts} if self.network.net else set()
        state.end(state.in_namespaces(self.state.get("netns", [])) - shells)
        try:
            self.network.stop()
        finally:
            # Kept under another name: what this run created, for checking nothing is left behind.
            if os.path.exists(state.path_of(self.run_dir)):
                os.replace(state.path_of(self.run_dir), os.path.join(self.run_dir, "state-closed.json"))

    def data(self):
        """Return where the run's data is and the commands that read it."""
        folder = rundata.config_dir(self.run_dir)
        return {"config": folder, "latest": rundata.LATEST, "flows": f"{self.data_dir}/flows",
                "run_dir": self.run_dir, "commands": rundata.commands(folder)}

    def where_to_look(self):
        """Return the lines telling the user where the run's data is and how to read it."""
        data = self.data()
        lines = [f"flows of this run: {data['flows']}",
                 f"its config (one --config reads this run; {data['latest']} the latest): "
                 f"{data['config']}"]
        lines += [f"  {c}" + ("   (the page, also after the lab)" if what == "web" else "")
                  for what, c in data["commands"].items()]
        lines += [f"  TZ=UTC nfdump -R {data['flows']} -o json 'port 22'",
                  f"run dir (ledgers, logs, ssh keys): {self.run_dir}"]
        return lines
