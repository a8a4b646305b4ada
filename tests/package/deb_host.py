"""Commands on the machine's package system for the package tier (apt, dpkg), and where it builds."""

import os
import subprocess

from support.netns import ROOT

OUT = os.path.join(ROOT, "build", "deb")
PACKAGES = ("spanflow", "spanflow-lab")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def run(*argv, **kw):
    """Run argv and return the completed process with its text output."""
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def installed(pkg):
    """Tell whether dpkg has pkg installed (not merely its conffiles left)."""
    return run("dpkg-query", "-W", "-f=${Status}", pkg).stdout.endswith(" installed")


def tree_files():
    """Return the files of appliance/ and lab/ that build-deb copies (git's view, ignored excluded)."""
    listed = run("git", "-C", ROOT, "ls-files", "--cached", "--others", "--exclude-standard",
                 "appliance", "lab").stdout.split()
    return [rel for rel in listed if os.path.isfile(os.path.join(ROOT, rel))]


def purge():
    """Purge both packages whatever state they are in."""
    # dpkg, not apt: apt no longer knows a removed local .deb without conffiles (spanflow-lab)
    return run("dpkg", "--purge", *reversed(PACKAGES), timeout=300)
