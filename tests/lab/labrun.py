"""Run `spanflow-lab run` as the README does and read its report and its run directory."""

import json
import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": ROOT}


class LabResult:
    def __init__(self, done, pid=None):
        self.pid = pid
        self.rc = done.returncode
        self.out = done.stdout
        self.err = done.stderr
        self.report = None  # the --json report, when asked for
        if self.out.lstrip().startswith("{"):
            self.report = json.loads(self.out)
        found = re.search(r"run (\S+): starting .* switch (\S+),", self.out + self.err)
        self.run_id = found.group(1) if found else None
        self.switch = found.group(2) if found else None
        self.rows = {}
        if self.report and "traffic" in self.report:
            self.rows = {r["kind"]: {"check": r["check"], "ok": r["ok"],
                                     **{c: [str(v) for v in r[c]] for c in
                                        ("flows", "packets", "bytes")}}
                         for r in self.report["traffic"]}
        for line in self.out.splitlines():
            cells = line.split()
            if len(cells) >= 6 and cells[5] in ("ok", "MISMATCH") and "/" in cells[2]:
                self.rows[cells[0]] = {"check": cells[1], "flows": cells[2].split("/"),
                                       "packets": cells[3].split("/"), "bytes": cells[4].split("/"),
                                       "ok": cells[5] == "ok"}

    @property
    def said(self):
        """The progress lines, wherever they went (stderr with --json)."""
        return self.err if self.report else self.out

    @property
    def run_dir(self):
        return os.path.join("/run/spanflow-lab", self.run_id)

    def remove(self):
        """Delete this run's data and run directories (the tests' runs only)."""
        if self.run_id:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            shutil.rmtree(os.path.join("/var/lib/spanflow-lab", self.run_id), ignore_errors=True)

    def closed_state(self):
        with open(os.path.join(self.run_dir, "state-closed.json")) as f:
            return json.load(f)


def lab(*args, timeout=240):
    """Run `python3 -m lab ARGS` and return its LabResult."""
    with subprocess.Popen(["/usr/bin/python3", "-m", "lab", *args], cwd=ROOT, env=ENV,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    return LabResult(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), proc.pid)


def runs_of(pid):
    """Return the run directories a spanflow-lab process (by PID) created: other suites on the
    same machine start runs of their own at the same time."""
    found = []
    root = "/run/spanflow-lab"
    for name in os.listdir(root) if os.path.isdir(root) else []:
        for record in ("state.json", "state-closed.json"):
            try:
                with open(os.path.join(root, name, record)) as f:
                    if json.load(f).get("owner") == pid:
                        found.append(name)
            except (OSError, ValueError):
                continue
    return found


def leftovers(state):
    """Return what a closed run recorded that still exists: live PIDs, links."""
    alive = []
    for pid, start in state.get("pids", {}).items():
        try:
            with open(f"/proc/{pid}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[19]) == start:
                    alive.append(f"pid {pid}")
        except OSError:
            pass
    spaces = set(state.get("netns", []))
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.readlink(f"/proc/{entry}/ns/net") in spaces:
                alive.append(f"pid {entry} in a lab namespace")
        except OSError:
            pass
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    names = {line.split()[0].split("@")[0] for line in links.splitlines() if line.strip()}
    return alive + [f"link {n}" for n in state.get("links", []) if n in names]
