"""The quiet-link preload library, built as the package builds it, in real processes (no root)."""

import os
import subprocess

import pytest

from conftest import ROOT
from support import tools

# pcap_create + pcap_activate as softflowd calls them; activation of a missing device fails,
# but only after our wrapper has applied the mode (which is what we check).
ACTIVATE = r"""
import ctypes
ctypes.CDLL("libpcap.so.0.8", mode=ctypes.RTLD_GLOBAL)
main = ctypes.CDLL(None)
main.pcap_create.restype = ctypes.c_void_p
p = main.pcap_create(b"sfnope0", ctypes.create_string_buffer(256))
main.pcap_activate(ctypes.c_void_p(p))
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Build the library with the hardening flags of the Debian build (BIND_NOW)."""
    tools.require("cc", "make", package="gcc make")
    out = tmp_path_factory.mktemp("quietlink")
    subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "native"), f"OUT={out}",
                    "LDFLAGS=-Wl,-z,relro -Wl,-z,now"], check=True)
    return str(out / "libspanflow-quietlink.so")


def run_with(library, argv, **env):
    return subprocess.run(argv, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LD_PRELOAD": library, **env})


def test_loads_into_processes_without_libpcap(library):
    # `ip netns exec` and other helpers inherit LD_PRELOAD; they must not die at load.
    done = run_with(library, ["/bin/true"], SPANFLOW_QUIETLINK="timeout")
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("env, said", [
    ({"SPANFLOW_QUIETLINK": "timeout"}, "spanflow-quietlink: timeout 100 ms (rc 0)\n"),
    ({"SPANFLOW_QUIETLINK": "timeout", "SPANFLOW_QUIETLINK_TIMEOUT_MS": "250"},
     "spanflow-quietlink: timeout 250 ms (rc 0)\n"),
    ({"SPANFLOW_QUIETLINK": "timeout", "SPANFLOW_QUIETLINK_TIMEOUT_MS": "0"},
     "spanflow-quietlink: timeout 100 ms (rc 0)\n"),
    ({"SPANFLOW_QUIETLINK": "immediate"}, "spanflow-quietlink: immediate mode (rc 0)\n"),
    ({"SPANFLOW_QUIETLINK": "off"}, ""),
    ({}, ""),
    ({"SPANFLOW_QUIETLINK": "fast"}, 'spanflow-quietlink: unknown mode "fast", left off\n'),
])
def test_applies_the_mode_before_activation(library, env, said):
    done = run_with(library, ["/usr/bin/python3", "-c", ACTIVATE], **env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == said
