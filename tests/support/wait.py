"""Wait on a condition with a deadline: the only way tests wait."""

import time


def wait_until(condition, timeout, interval=0.1, what="condition"):
    """Poll condition() until it returns a truthy value; return it, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
