"""Let nfcapd's -B receive buffer take effect by raising net.core.rmem_max when it is lower."""

import logging

log = logging.getLogger(__name__)

RMEM_MAX = "/proc/sys/net/core/rmem_max"


def read_rmem_max(path=RMEM_MAX):
    """Return the kernel's current net.core.rmem_max in bytes."""
    with open(path) as f:
        return int(f.read().split()[0])


def ensure_rmem(nbytes, path=RMEM_MAX):
    """Raise net.core.rmem_max to nbytes if lower; return the value before when it was changed."""
    # Without this the kernel silently caps SO_RCVBUF and a flow-table burst is lost
    # (pitfalls.md: 39% of flows stored with Debian defaults, 100% with 16 MiB).
    current = read_rmem_max(path)
    if current >= nbytes:
        log.debug("net.core.rmem_max is %s, enough for %s", current, nbytes)
        return None
    try:
        with open(path, "w") as f:
            f.write(f"{nbytes}\n")
    except OSError as exc:
        log.warning("cannot raise net.core.rmem_max from %s to %s (%s): bursts may lose flows",
                    current, nbytes, exc)
        return None
    log.info("raised net.core.rmem_max from %s to %s for the collector's receive buffer",
             current, nbytes)
    return current


class RaisedRmem:
    """net.core.rmem_max raised while a collector runs, and put back as it was after it stops.

    The sysctl is global to the host: left raised, it changes every later socket's limit (a test
    suite's results came to depend on which test ran first, issue 15).
    """

    def __init__(self, nbytes, path=RMEM_MAX):
        self.nbytes, self.path, self.before = nbytes, path, None

    def ensure(self):
        """Raise the limit if lower (at each start: once raised, it stays until restore)."""
        before = ensure_rmem(self.nbytes, self.path)
        if self.before is None:
            self.before = before

    def restore(self):
        """Put back the value found before, unless someone changed it since; safe to call twice."""
        before, self.before = self.before, None
        if before is None:
            return
        try:
            if read_rmem_max(self.path) != self.nbytes:
                log.info("net.core.rmem_max was changed by another since we raised it: left as is")
                return
            with open(self.path, "w") as f:
                f.write(f"{before}\n")
        except OSError as exc:
            log.warning("cannot restore net.core.rmem_max to %s: %s", before, exc)
            return
        log.info("restored net.core.rmem_max to %s", before)
