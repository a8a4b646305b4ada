"""Write and read JSON state files atomically (tmp file + rename), so readers never see half."""

import json
import os
import tempfile


def write(path, data):
    """Replace path with data as JSON in one rename; readers see the old or the new file."""
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".snapshot-", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True, default=str)
        os.chmod(tmp, 0o644)  # the web process (another user) reads the snapshot
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
