"""Write and read JSON state files atomically (tmp file + rename), so readers never see half.

The ground floor: it imports nothing of spanflow, so any layer may use it (the status snapshot,
the mirror port's undo record, the lab's record of what a run created).
"""

import json
import os
import tempfile


def write(path, data, mode=0o644):
    """Replace path with data as JSON in one rename; readers see the old or the new file."""
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True, default=str)
        os.chmod(tmp, mode)  # mkstemp makes 0600; the web process (another user) reads the status
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read(path):
    """Return the JSON data in path, or None when it does not exist."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
