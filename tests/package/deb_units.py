"""Run an installed systemd unit's ExecStart without systemd, under the unit's own credentials.

PID 1 is not systemd on the test machines (pitfalls.md), so the package tier reads the shipped
unit and applies what it can of it: User=, Group=, CapabilityBoundingSet=, NoNewPrivileges= and
UMask= with setpriv; ProtectSystem=strict, ReadWritePaths= and PrivateTmp= with a private mount
namespace where / is read-only. A command that needs a capability or a writable path the unit does
not grant fails here as it would under systemd.
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


def confinement(keys):
    """Return the argv prefix that makes the file system as read-only as ProtectSystem=strict."""
    if keys.get("ProtectSystem") != "strict":
        return []
    steps = ["set -e"]
    if keys.get("PrivateTmp") == "yes":
        steps += [f"mount -t tmpfs -o mode=1777 tmpfs {d}" for d in ("/tmp", "/var/tmp")]
    # each writable path becomes its own mount first, so the read-only remount of / spares it
    steps += [f"mount --bind {p} {p}" for p in keys.get("ReadWritePaths", "").split()]
    steps += ["mount -o remount,bind,ro /", 'exec "$@"']
    # the mounts need CAP_SYS_ADMIN, so they happen before setpriv drops it
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "; ".join(steps), "sh"]


def command(unit):
    """Return (argv, umask) that start unit's ExecStart the way its [Service] section says."""
    keys = service_section(unit)
    argv = confinement(keys) + ["setpriv"]
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
