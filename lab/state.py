"""What a run created, recorded in /run/spanflow-lab/<run>/state.json, so a crashed run's
leftovers are removed by the exact names it recorded (never by pattern, never `mn -c`)."""

import glob
import json
import logging
import os
import signal
import subprocess
import time

from appliance import statefile

log = logging.getLogger(__name__)

RUN_ROOT = "/run/spanflow-lab"
DATA_ROOT = "/var/lib/spanflow-lab"


def path_of(run_dir):
    return os.path.join(run_dir, "state.json")


def save(run_dir, state):
    """Write the state atomically (tmp + rename)."""
    statefile.write(path_of(run_dir), state, mode=0o600)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _started(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
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
        if _started(state.get("owner", 0)) != state.get("owner_started"):
            found.append((os.path.dirname(path), state))
    return found


def _netns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def in_namespaces(spaces):
    """Return the PIDs of every process inside the given network namespaces (never our own)."""
    spaces = set(spaces) - {None, _netns(os.getpid())}
    if not spaces:
        return set()
    return {int(e) for e in os.listdir("/proc") if e.isdigit() and _netns(int(e)) in spaces}


def _ours(state):
    """Return the PIDs a dead run left: recorded ones still running (same start time), and
    every process inside the network namespaces of its recorded Mininet hosts."""
    pids = {int(p) for p, start in state.get("pids", {}).items() if _started(int(p)) == start}
    return pids | in_namespaces(state.get("netns", []))


def end(pids):
    """SIGTERM (spanflow run then stops its own children), then SIGKILL what is left."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)  # polling the processes' exit, bounded by the deadline
    for pid in pids:
        if _alive(pid):
            log.info("killing leftover process %s", pid)
            os.kill(pid, signal.SIGKILL)


def remove(run_dir, state):
    """Remove exactly what a dead run recorded: its processes, interfaces and OVS bridge."""
    end(_ours(state))
    for bridge in state.get("ovs_bridges", [state["ovs_bridge"]] if state.get("ovs_bridge") else []):
        subprocess.run(["ovs-vsctl", "--if-exists", "del-br", bridge], capture_output=True)
    for name in state.get("links", []):
        done = subprocess.run(["ip", "link", "del", name], capture_output=True)
        if done.returncode == 0:
            log.info("removed leftover link %s", name)
    if state.get("ovs_started"):
        subprocess.run(["/usr/share/openvswitch/scripts/ovs-ctl", "stop"], capture_output=True)
    try:
        os.unlink(path_of(run_dir))
    except FileNotFoundError:
        pass  # another spanflow-lab starting at the same moment removed the same leftovers


def clean_leftovers():
    """Remove every dead run's leftovers; return how many runs were cleaned."""
    runs = leftovers()
    for run_dir, state in runs:
        print(f"spanflow-lab: removing leftovers of run {os.path.basename(run_dir)}", flush=True)
        remove(run_dir, state)
    return len(runs)
