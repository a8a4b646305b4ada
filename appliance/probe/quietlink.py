"""Locate the quiet-link preload library and build the environment that selects its mode."""

import os

from ..errors import ToolError

LIBRARY = "libspanflow-quietlink.so"
INSTALLED = os.path.join("/usr/lib/spanflow", LIBRARY)
REPO_BUILD = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "build", LIBRARY)
# Lets tests and benches point at another build; the package relies on INSTALLED.
OVERRIDE_ENV = "SPANFLOW_QUIETLINK_LIBRARY"
MODE_ENV = "SPANFLOW_QUIETLINK"
TIMEOUT_ENV = "SPANFLOW_QUIETLINK_TIMEOUT_MS"
# Bounded capture timeout of "timeout" mode: the worst extra latency of a lone packet.
TIMEOUT_MS = 100


def candidates(environ=os.environ):
    """Return the places the library may live, in the order they are tried."""
    override = environ.get(OVERRIDE_ENV, "")
    return [override] if override else [INSTALLED, REPO_BUILD]


def library_path(environ=os.environ, exists=os.path.exists):
    """Return the path of the preload library, or raise ToolError naming where it was looked for."""
    places = candidates(environ)
    for place in places:
        if exists(place):
            return place
    raise ToolError(f"quiet-link library {LIBRARY} not found (looked in {', '.join(places)}); "
                    "build it with ./tasks build, or set [probe] quiet_link_fix = \"off\"")


def preload_env(mode, library, environ=os.environ):
    """Return the environment additions that load library in mode ("timeout" or "immediate")."""
    preload = " ".join(p for p in (library, environ.get("LD_PRELOAD", "")) if p)
    env = {"LD_PRELOAD": preload, MODE_ENV: mode}
    if mode == "timeout":
        env[TIMEOUT_ENV] = str(TIMEOUT_MS)
    return env
