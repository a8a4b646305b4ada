"""One grammar for durations, used by every CLI flag, config key and URL parameter.

A whole number and one unit: s (seconds), m (minutes, never months), h, d, w or y (365 days),
e.g. 30s, 15m, 12h, 90d, 2w, 1y. Pure and at the ground floor: it imports nothing of spanflow.
"""

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
# Far beyond any store or window, and small enough that now - duration stays a datetime.
MAX_SECONDS = 100 * UNITS["y"]
ALLOWED = "a whole number and a unit s, m (minutes), h, d, w or y, such as 30s, 15m, 12h, 90d or 1y"
_FORM = re.compile(r"^([0-9]{1,12})([smhdwy])$")


def seconds(text):
    """Return the seconds of a duration such as 15m, or raise ValueError saying what is allowed."""
    m = _FORM.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{str(text)[:40]!r} is not a duration: use {ALLOWED}")
    value = int(m.group(1)) * UNITS[m.group(2)]
    if not 0 < value <= MAX_SECONDS:
        raise ValueError(f"{text.strip()!r} is out of range: from 1s to 100y")
    return value


def delta(text):
    """Return a duration as a timedelta (see seconds)."""
    return timedelta(seconds=seconds(text))


def check(value):
    """Return None for a valid duration, else what is allowed (a config value check)."""
    try:
        seconds(value)
    except ValueError:
        return f"a duration: {ALLOWED}"
    return None
