"""Throw-away network namespaces and veth pairs with unique names, removed exactly.

A MirrorLink is a veth pair: `mirror` lives in the sensor namespace (spanflow watches it) and
`feed` in an injector namespace (tests send packets into it). Nothing touches the root
namespace's interfaces or routes.
"""

import os
import subprocess
import uuid


def unique(prefix):
    """A short unique name (interface names are limited to 15 characters)."""
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


class Netns:
    def __init__(self, prefix="sf", lo_up=True):
        self.name = unique(prefix)
        ip("netns", "add", self.name)
        if lo_up:  # a fresh namespace's lo is down: nothing reaches 127.0.0.1
            self.run("ip", "link", "set", "lo", "up")

    def run(self, *argv, check=True, **kw):
        """Run argv inside the namespace and wait for it."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(["ip", "netns", "exec", self.name, *argv], check=check, **kw)

    def popen(self, *argv, **kw):
        """Start argv inside the namespace; the caller owns (and must end) the process."""
        return subprocess.Popen(["ip", "netns", "exec", self.name, *argv], **kw)

    def delete(self):
        ip("netns", "del", self.name, check=False)


class MirrorLink:
    """A veth pair from an injector namespace into a sensor namespace."""

    def __init__(self, sensor: Netns, injector: Netns):
        self.mirror = unique("sfm")
        self.feed = unique("sff")
        ip("link", "add", self.mirror, "type", "veth", "peer", "name", self.feed)
        ip("link", "set", self.mirror, "netns", sensor.name)
        ip("link", "set", self.feed, "netns", injector.name)
        injector.run("ip", "link", "set", self.feed, "up")
        # No IPv6 on the feed: else its DAD/MLD/router solicitations reach the mirror port
        # and add flows the tests did not send (exact-count tests compare against ground truth).
        injector.run("sysctl", "-qw", f"net.ipv6.conf.{self.feed}.disable_ipv6=1", check=False)


def python_in(ns: Netns, script, *args, **kw):
    """Run a Python snippet with Debian's interpreter inside ns."""
    return ns.run("/usr/bin/python3", "-c", script, *args, **kw)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
