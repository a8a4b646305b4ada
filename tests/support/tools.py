"""Marks for tests that need Debian's tools: skipped with the package to install, never in CI."""

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(*tools):
    """Return the tools (names or absolute paths) that are not installed here."""
    return [t for t in tools if not (os.access(t, os.X_OK) if os.path.isabs(t) else shutil.which(t))]


def needs(*tools, package):
    """Skip when a tool is missing, naming the Debian package; with CI=true run (and fail)."""
    absent = missing(*tools)
    # CI installs scripts/debian-packages.txt first: a missing tool there is a failure to see.
    return pytest.mark.skipif(bool(absent) and not IN_CI,
                              reason=f"needs {', '.join(absent)} (apt-get install {package})")


def require(*tools, package):
    """Inside a fixture or test: skip when a tool is missing, fail instead with CI=true."""
    absent = missing(*tools)
    if absent:
        reason = f"needs {', '.join(absent)} (apt-get install {package})"
        if IN_CI:
            pytest.fail(f"must run in CI but {reason}", pytrace=False)
        pytest.skip(reason)
