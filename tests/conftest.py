"""Test tiers: unit (no root), root (namespaces + real tools), lab (Mininet), browser, deb.

Outside CI a tier that cannot run here is skipped with its reason; with CI=true it must run,
so a missing prerequisite is a failure, never a silent skip.
"""

import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing_for(marker):
    if marker in ("root", "lab", "deb") and os.geteuid() != 0:
        return "needs root"
    if marker == "lab":
        try:
            import mininet.net  # noqa: F401
        except ImportError:
            return "needs Debian's mininet (python3 module mininet)"
    if marker == "browser":
        for tool in ("chromium", "chromedriver"):
            if not shutil.which(tool):
                return f"needs {tool} (Debian packages chromium, chromium-driver)"
    if marker == "deb" and not shutil.which("dpkg-buildpackage"):
        return "needs dpkg-buildpackage (Debian package dpkg-dev)"
    return None


def pytest_configure(config):
    # Debian's pytest-random-order 1.1.0 (`--random-order`, docs/development.md) reads the cache
    # plugin's --failed-first at every collection: with `-p no:cacheprovider` it stopped every
    # run with an INTERNALERROR (seen Dec 2). Without the cache plugin, nothing failed first.
    if not hasattr(config.option, "failedfirst"):
        config.option.failedfirst = False


def pytest_runtest_setup(item):
    for marker in ("root", "lab", "browser", "deb"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_for(marker)
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"{marker} tier must run in CI but {reason}", pytrace=False)
        pytest.skip(f"{marker} tier: {reason}")


@pytest.fixture
def fixture_path():
    """Path of a file under tests/fixtures."""
    return lambda *parts: os.path.join(ROOT, "tests", "fixtures", *parts)


from support.fixtures import sensor_ns, injector_ns, mirror_link  # noqa: E402,F401
