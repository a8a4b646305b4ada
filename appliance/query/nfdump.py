"""Run nfdump (and nfexpire): argv lists, TZ=UTC, a deadline; the only subprocess user for them."""

import logging
import subprocess
import threading

from ..errors import ToolError

log = logging.getLogger(__name__)

NFDUMP = "/usr/bin/nfdump"
NFEXPIRE = "/usr/bin/nfexpire"

# TZ=UTC: without it glibc re-reads /etc/localtime per timestamp (pitfalls.md: 40 s vs 15 s).
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC", "LC_ALL": "C"}


class NfdumpFailed(ToolError):
    """nfdump exited non-zero; .reason holds its own message."""

    def __init__(self, reason, returncode):
        self.reason = reason
        self.returncode = returncode
        super().__init__(f"nfdump failed (exit {returncode}): {reason}")


def _communicate(argv, timeout):
    """Run argv to its end and return (returncode, stdout, stderr), killing it at the deadline."""
    proc = subprocess.Popen(argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    expired = []

    def kill():
        expired.append(True)
        proc.kill()  # our own child, by its Popen (PID)

    # A timer rather than communicate(timeout=): with a timeout, Popen.wait polls with sleeps
    # from 0.5 ms up, which cost about 1 ms of a 13 ms search (docs/flows.md).
    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    try:
        out, err = proc.communicate()
    except BaseException:  # as subprocess.run does: never leave our child behind
        proc.kill()
        proc.wait()
        raise
    finally:
        timer.cancel()
    if expired:
        return None, "", ""
    return (proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def _run(binary, args, timeout):
    argv = [binary, *args]
    log.debug("running %s", argv)
    try:
        returncode, out, err = _communicate(argv, timeout)
    except FileNotFoundError:
        raise ToolError(f"{binary} is missing: install the Debian package nfdump") from None
    if returncode is None:
        raise ToolError(f"{binary} took longer than {timeout}s: narrow the filter or the "
                        "time range")
    if returncode != 0:
        reason = err.strip().splitlines()
        raise NfdumpFailed(reason[-1] if reason else "no message", returncode)
    return out


def run(args, timeout):
    """Run nfdump with args (a list, never a shell) and return its standard output."""
    return _run(NFDUMP, list(args), timeout)


def run_expire(args, timeout):
    """Run nfexpire with args and return its standard output."""
    return _run(NFEXPIRE, list(args), timeout)
