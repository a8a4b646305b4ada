"""Change the mirror port in a short-lived child process, so `spanflow run` never loads pyroute2.

`python3 -m appliance.mirror.helper ACTION MIRROR_JSON RECORD` runs port.check/apply/restore and
prints {"result": ...} or {"error": "one line"} as JSON; call() is the supervisor's side of it.
"""

import dataclasses
import json
import logging
import os
import subprocess
import sys

from ..errors import InterfaceError

log = logging.getLogger(__name__)

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 60


def call(action, mirror, record_path):
    """Run port.<action> in a helper process; return its result or raise InterfaceError."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", __name__, action,
            json.dumps(dataclasses.asdict(mirror)), record_path]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterfaceError(f"mirror helper ({action} {mirror.interface}) did not run "
                             f"({exc}); check that {sys.executable} and the Debian package "
                             "python3-pyroute2 are installed") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise InterfaceError(f"mirror helper ({action} {mirror.interface}) failed: {last}") from None
    for line in done.stderr.splitlines():  # the helper's warnings, e.g. a setting not restored
        log.warning("%s", line)
    if "error" in answer:
        raise InterfaceError(answer["error"])
    return answer["result"]


def main(argv):
    """Do one action on the mirror port and print its JSON answer."""
    from ..config.schema import Mirror
    from . import port

    action, mirror_json, record_path = argv
    mirror = Mirror(**json.loads(mirror_json))
    actions = {"check": lambda: port.check(mirror),
               "apply": lambda: port.apply(mirror, record_path),
               "restore": lambda: port.restore(record_path)}
    try:
        answer = {"result": actions[action]()}
    except InterfaceError as exc:
        answer = {"error": str(exc)}
    print(json.dumps(answer))


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    main(sys.argv[1:])
