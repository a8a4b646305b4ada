"""Talk to a running softflowd through softflowctl (the only softflowctl user)."""

import logging
import subprocess

from ..errors import ToolError
from . import stats

log = logging.getLogger(__name__)

SOFTFLOWCTL = "/usr/sbin/softflowctl"


def run(paths, command, timeout=5):
    """Run one softflowctl command against this instance's control socket and return its text."""
    argv = [SOFTFLOWCTL, "-c", paths.softflowd_ctl, command]
    log.debug("running %s", argv)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise ToolError(f"{SOFTFLOWCTL} is missing; install the Debian package softflowd") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"softflowctl {command} got no answer in {timeout}s "
                        f"from {paths.softflowd_ctl}; is softflowd hung?") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ToolError(f"softflowctl {command} failed on {paths.softflowd_ctl} "
                        f"({reason[-1] if reason else 'exit %d' % done.returncode}); "
                        "is the probe running (spanflow run)?")
    return done.stdout


def statistics(paths):
    """Return softflowd's statistics, parsed (see stats.parse)."""
    return stats.parse(run(paths, "statistics"))


def shutdown(paths):
    """Ask softflowd to export every flow and exit."""
    run(paths, "shutdown")


def expire_all(paths):
    """Ask softflowd to expire and export every flow now."""
    run(paths, "expire-all")
