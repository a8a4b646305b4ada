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


def stays_false(condition, duration, interval=0.1, what="condition"):
    """Poll condition() for duration seconds; fail at once if it ever returns a truthy value."""
    deadline = time.monotonic() + duration
    while time.monotonic() <= deadline:
        value = condition()
        if value:
            raise AssertionError(f"{what} happened: {value!r}")
        time.sleep(interval)
