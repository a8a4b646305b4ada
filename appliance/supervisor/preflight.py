"""Checks `spanflow run` makes before it changes anything: interface, storage, port, tools."""

import errno
import os
import shutil
import socket
import tempfile

from ..collector.command import nfcapd_command
from ..config.checks import split_host_port
from ..config.validate import validate
from ..errors import InterfaceError, SpanflowError, ToolError
from ..mirror import helper
from ..probe.command import softflowd_command


def check_storage(*folders):
    """Create the storage folders and prove each is writable."""
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            raise SpanflowError(f"storage folder {folder} is not writable ({exc.strerror}); "
                                "fix its permissions or set [storage] dir/runtime_dir") from None


def check_port_free(listen):
    """Raise unless the collector's UDP listen address can be bound."""
    host, port_no = split_host_port(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.bind((host, port_no))
        except OSError as exc:
            what = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc})"
            raise ToolError(f"collector address {listen} (UDP) {what}; stop what listens there "
                            "or set [collector] listen") from None
        try:
            s.connect((host, port_no))
        except OSError as exc:
            # Seen in a fresh namespace: softflowd then dies at once with "Network is unreachable".
            raise ToolError(f"the probe cannot reach the collector at {listen} ({exc.strerror}); "
                            "bring loopback up (ip link set lo up)") from None


def check_tool(argv, package):
    """Raise unless the program of argv exists and is executable."""
    if not (os.access(argv[0], os.X_OK) or shutil.which(argv[0])):
        raise ToolError(f"{argv[0]} is missing; install the Debian package {package}")


def preflight(cfg, paths):
    """Check everything `run` needs before changing anything; return the config's warnings."""
    warnings = validate(cfg)  # the same checks as check-config: a bad rules file stops us here
    if not cfg.mirror.interface:
        raise InterfaceError("no mirror interface configured; set [mirror] interface")
    helper.call("check", cfg.mirror, paths.mirror_state)
    check_storage(paths.data, paths.flows, paths.runtime)
    check_port_free(cfg.collector.listen)
    check_tool(nfcapd_command(cfg, paths)[0], "nfdump")
    check_tool(softflowd_command(cfg, paths, cfg.mirror.interface)[0], "softflowd")
    return warnings
