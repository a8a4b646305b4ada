"""Wait on a condition with a deadline (the lab never sleeps blindly for a result)."""

import time

from .errors import LabError


def wait_for(condition, timeout, what, interval=0.2):
    """Poll condition() until truthy and return its value; raise LabError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise LabError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)
