"""Where a lab run keeps its data, and the commands that read it afterwards.

Each run writes one config folder (`<run dir>/config/`: the lab sensor's settings, then the run's
storage and rules), so one `--config` names a run; `/run/spanflow-lab/latest` names the newest.
"""

import glob
import os
import shlex
import shutil

from . import state
from .errors import UsageError

CONFIG = "config"
LATEST = os.path.join(state.RUN_ROOT, "latest")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_CONFIG = os.path.join(REPO, "lab", "configs", "sensor.toml")


def config_dir(run_dir):
    return os.path.join(run_dir, CONFIG)


def write(run_dir, data_dir, rules_dir=None):
    """Write the run's config folder (base, then storage and rules) and return [the folder]."""
    folder = config_dir(run_dir)
    os.makedirs(folder, exist_ok=True)
    shutil.copy(BASE_CONFIG, os.path.join(folder, "10-lab-sensor.toml"))
    lines = ["# this run's storage (and rules): read after 10-lab-sensor.toml", "[storage]",
             f'dir = "{data_dir}"', f'runtime_dir = "{run_dir}/sensor"']
    if rules_dir:
        lines += ["", "[detect]", f'rules_dir = "{rules_dir}"']
    with open(os.path.join(folder, "20-run.toml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return [folder]


def mark_latest(run_dir):
    """Point /run/spanflow-lab/latest at this run's config folder (atomically, by rename)."""
    tmp = f"{LATEST}.{os.getpid()}"
    os.symlink(os.path.relpath(config_dir(run_dir), state.RUN_ROOT), tmp)
    os.replace(tmp, LATEST)


def resolve(run_id=None):
    """Return (run id, config folder) of the named run, or of the newest run."""
    if run_id in (None, "", "latest"):
        found = sorted(glob.glob(os.path.join(state.RUN_ROOT, "*", CONFIG)))
        if not found:
            raise UsageError("no lab run found; start one with spanflow-lab run or train")
        folder = found[-1]
    else:
        folder = config_dir(os.path.join(state.RUN_ROOT, os.path.basename(run_id)))
        if not os.path.isdir(folder):
            raise UsageError(f"no lab run {run_id!r} under {state.RUN_ROOT}; "
                             "use the id spanflow-lab printed, or latest")
    return os.path.basename(os.path.dirname(folder)), folder


def installed():
    """Tell whether this lab runs from the Debian package (no source tree around it)."""
    return not os.path.exists(os.path.join(REPO, "pyproject.toml"))


def spanflow_command():
    """Return how to call spanflow: the installed command, or the source tree's module."""
    if installed() and shutil.which("spanflow"):
        return "spanflow"
    return f"PYTHONPATH={shlex.quote(REPO)} /usr/bin/python3 -m appliance"


def commands(folder):
    """Return {what: command line} reading a run's data through one --config option."""
    cfg = f"--config {shlex.quote(folder)}"
    spanflow = spanflow_command()
    out = {c.split()[0] if "'" not in c else "flows": f"{spanflow} {c} {cfg}"
           for c in ("status", "stats", "flows 'port 22'", "top", "alerts")}
    # the lab's own page stops with the lab; this serves the run's data again afterwards
    out["web"] = f"{spanflow} web {cfg}"
    return out
