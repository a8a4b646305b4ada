"""Run nfdump (and nfexpire): argv lists, TZ=UTC, a deadline; the only subprocess user for them."""

import logging
import subprocess

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


def _run(binary, args, timeout):
    argv = [binary, *args]
    log.debug("running %s", argv)
    try:
        proc = subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=timeout,
                              errors="replace")
    except FileNotFoundError:
        raise ToolError(f"{binary} is missing: install the Debian package nfdump") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"{binary} took longer than {timeout}s: narrow the filter or the "
                        "time range") from None
    if proc.returncode != 0:
        reason = proc.stderr.strip().splitlines()
        raise NfdumpFailed(reason[-1] if reason else "no message", proc.returncode)
    return proc.stdout


def run(args, timeout):
    """Run nfdump with args (a list, never a shell) and return its standard output."""
    return _run(NFDUMP, list(args), timeout)


def run_expire(args, timeout):
    """Run nfexpire with args and return its standard output."""
    return _run(NFEXPIRE, list(args), timeout)
