"""Run an installed systemd unit's ExecStart without systemd, under the unit's own credentials.

PID 1 is not systemd on the test machines (pitfalls.md), so the package tier reads the shipped
unit and applies what it can of it with setpriv: User=, Group=, CapabilityBoundingSet=,
NoNewPrivileges= and UMask=. A command that needs a capability the unit does not grant fails here.
"""

import shlex

UNIT_DIR = "/lib/systemd/system"
UNITS = ("spanflow.service", "spanflow-web.service")


def service_section(unit):
    """Return the [Service] keys of an installed unit as a dict (last assignment wins)."""
    keys, section = {}, None
    with open(f"{UNIT_DIR}/{unit}") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                keys[key.strip()] = value.strip()
    return keys


def bounding_set(caps):
    """Turn CapabilityBoundingSet= into setpriv's --bounding-set argument."""
    names = [c.lower().removeprefix("cap_") for c in caps.split()]
    return ",".join(["-all"] + ["+" + n for n in names])


def command(unit):
    """Return (argv, umask) that start unit's ExecStart the way its [Service] section says."""
    keys = service_section(unit)
    argv = ["setpriv"]
    if keys.get("User"):
        argv += ["--reuid", keys["User"], "--init-groups"]
    else:
        argv += ["--clear-groups"]
    if keys.get("Group"):
        argv += ["--regid", keys["Group"]]
    if "CapabilityBoundingSet" in keys:
        argv += ["--bounding-set", bounding_set(keys["CapabilityBoundingSet"])]
    if keys.get("NoNewPrivileges") == "yes":
        argv += ["--no-new-privs"]
    exec_start = shlex.split(keys["ExecStart"].lstrip("-@+!:"))
    return argv + exec_start, int(keys.get("UMask", "0022"), 8)
