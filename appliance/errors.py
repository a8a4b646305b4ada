"""The one exception family of spanflow; the CLI maps it to exit codes."""

import os

EX_CONFIG = 78  # sysexits EX_CONFIG: systemd units do not restart-loop on it


class SpanflowError(Exception):
    """An error the user can act on: printed as one line, no traceback."""

    exit_code = 1


class ConfigError(SpanflowError):
    """Bad configuration; carries every problem found, not just the first."""

    exit_code = EX_CONFIG

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class InterfaceError(SpanflowError):
    """The mirror interface is missing, refused, or cannot be configured."""


class ToolError(SpanflowError):
    """An outside tool (softflowd, nfcapd, nfdump, rrdtool) failed or is missing."""


class FilterError(SpanflowError):
    """An nfdump filter was refused; the message is nfdump's reason."""

    exit_code = 2


class WindowError(SpanflowError):
    """A time window lies outside the years the tools can read."""

    exit_code = 2


def require_root(what):
    """Raise a clear error unless running as root."""
    if os.geteuid() != 0:
        raise SpanflowError(f"{what} needs root (run it with sudo)")
