"""The one exception family of spanflow; the CLI maps it to exit codes.

Exit codes (docs/operations.md, spanflow(1)): 0 ok, 1 failure at run time (SpanflowError),
2 usage (UsageError, and argparse's own), 78 configuration (ConfigError).
"""

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


class UsageError(SpanflowError):
    """A command-line argument or request parameter was refused (exit 2, as argparse does)."""

    exit_code = 2


class InterfaceError(SpanflowError):
    """The mirror interface is missing, refused, or cannot be configured."""


class ToolError(SpanflowError):
    """An outside tool (softflowd, nfcapd, nfdump, rrdtool) failed or is missing."""


class FilterError(UsageError):
    """An nfdump filter was refused; the message is nfdump's reason."""


class WindowError(UsageError):
    """A time window lies outside the years the tools can read."""


def require_root(what):
    """Raise a clear error unless running as root."""
    if os.geteuid() != 0:
        raise SpanflowError(f"{what} needs root (run it with sudo)")
