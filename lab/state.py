"""What a run created, recorded in /run/spanflow-lab/<run>/state.json, so a crashed run's
leftovers are removed by the exact names it recorded (never by pattern, never `mn -c`)."""

import glob
import json
import logging
import os
import signal
import subprocess

log = logging.getLogger(__name__)

RUN_ROOT = "/run/spanflow-lab"
DATA_ROOT = "/var/lib/spanflow-lab"


def path_of(run_dir):
    return os.path.join(run_dir, "state.json")


def save(run_dir, state):
    """Write the state atomically (tmp + rename)."""
    tmp = path_of(run_dir) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path_of(run_dir))


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def leftovers():
    """Return (run_dir, state) of recorded runs whose owning spanflow-lab process is gone."""
    found = []
    for path in sorted(glob.glob(os.path.join(RUN_ROOT, "*", "state.json"))):
        try:
            with open(path) as f:
                state = json.load(f)
        except (OSError, ValueError):
            continue
        if not _alive(state.get("owner", 0)) or _cmdline(state["owner"]) != state.get("owner_cmd"):
            found.append((os.path.dirname(path), state))
    return found


def remove(run_dir, state):
    """Remove exactly what a dead run recorded: its processes, interfaces and OVS bridge."""
    for pid, cmd in state.get("pids", {}).items():
        pid = int(pid)
        # Only if the PID still runs the command we started (PIDs get reused).
        if _alive(pid) and _cmdline(pid) == cmd:
            log.info("killing leftover process %s (%s)", pid, cmd[:60])
            os.kill(pid, signal.SIGKILL)
    if state.get("ovs_bridge"):
        subprocess.run(["ovs-vsctl", "--if-exists", "del-br", state["ovs_bridge"]],
                       capture_output=True)
    for name in state.get("links", []):
        done = subprocess.run(["ip", "link", "del", name], capture_output=True)
        if done.returncode == 0:
            log.info("removed leftover link %s", name)
    if state.get("ovs_started"):
        subprocess.run(["/usr/share/openvswitch/scripts/ovs-ctl", "stop"], capture_output=True)
    os.unlink(path_of(run_dir))


def clean_leftovers():
    """Remove every dead run's leftovers; return how many runs were cleaned."""
    runs = leftovers()
    for run_dir, state in runs:
        print(f"spanflow-lab: removing leftovers of run {os.path.basename(run_dir)}", flush=True)
        remove(run_dir, state)
    return len(runs)
