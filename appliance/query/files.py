"""Find the closed flow files of a store (nfcapd.YYYYMMDDhhmm[ss]; never nfcapd.current.*)."""

import os
import re
from datetime import datetime, timezone

CLOSED = re.compile(r"^nfcapd\.(\d{12}(?:\d{2})?)$")


def file_start(name):
    """Return the UTC start of a closed file's interval, or None for any other name."""
    m = CLOSED.match(name)
    if not m:
        return None
    stamp = m.group(1)
    fmt = "%Y%m%d%H%M%S" if len(stamp) == 14 else "%Y%m%d%H%M"
    return datetime.strptime(stamp, fmt).replace(tzinfo=timezone.utc)


def closed_files(flowdir):
    """Return [(start, name)] of the closed files in flowdir, oldest first."""
    try:
        names = os.listdir(flowdir)
    except FileNotFoundError:
        return []
    found = [(file_start(n), n) for n in names]
    return sorted((s, n) for s, n in found if s is not None)


def since_files(files, since):
    """Keep the files that may hold flows ending at or after since."""
    if since is None:
        return files
    # A file starting at S holds flows exported (so ended) from S on: the last file starting
    # at or before since may still hold flows ending after it.
    keep = [i for i, (start, _) in enumerate(files) if start > since]
    first = max(0, (keep[0] if keep else len(files)) - 1)
    return files[first:]
