"""The status snapshot `spanflow run` writes every second: one state file, and when it is stale."""

from datetime import datetime, timezone

from ..statefile import read, write  # noqa: F401  (the snapshot is written and read as a state file)

# Seconds after which a snapshot means the run loop is gone. The loop writes every second, but a
# loaded box holds a poll for seconds (ingest's budget is 5 s): one value for the CLI and the page.
STALE_AFTER = 10


def age(data, now=None):
    """Return the snapshot's age in seconds, or None when its time is missing or unreadable."""
    now = now or datetime.now(timezone.utc)
    try:
        updated = datetime.fromisoformat(data["updated"])
    except (KeyError, TypeError, ValueError):
        return None
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=timezone.utc)
    return (now - updated).total_seconds()


def is_stale(data, now=None):
    """Return True when the snapshot is the stopped run's last one or older than STALE_AFTER."""
    seconds = age(data, now)
    return data.get("state") == "stopped" or seconds is None or seconds > STALE_AFTER
