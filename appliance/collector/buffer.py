"""Let nfcapd's -B receive buffer take effect by raising net.core.rmem_max when it is lower."""

import logging

log = logging.getLogger(__name__)

RMEM_MAX = "/proc/sys/net/core/rmem_max"


def read_rmem_max(path=RMEM_MAX):
    """Return the kernel's current net.core.rmem_max in bytes."""
    with open(path) as f:
        return int(f.read().split()[0])


def ensure_rmem(nbytes, path=RMEM_MAX):
    """Raise net.core.rmem_max to nbytes if lower; return True if it was changed."""
    # Without this the kernel silently caps SO_RCVBUF and a flow-table burst is lost
    # (pitfalls.md: 39% of flows stored with Debian defaults, 100% with 16 MiB).
    current = read_rmem_max(path)
    if current >= nbytes:
        log.debug("net.core.rmem_max is %s, enough for %s", current, nbytes)
        return False
    try:
        with open(path, "w") as f:
            f.write(f"{nbytes}\n")
    except OSError as exc:
        log.warning("cannot raise net.core.rmem_max from %s to %s (%s): bursts may lose flows",
                    current, nbytes, exc)
        return False
    log.info("raised net.core.rmem_max from %s to %s for the collector's receive buffer",
             current, nbytes)
    return True
