"""Build softflowd's command line and environment from the [probe] and [collector] config."""

from . import quietlink

SOFTFLOWD = "/usr/sbin/softflowd"
# softflowd -t names differ from our TOML keys only where TOML dislikes dots.
TIMEOUT_NAMES = {"general": "general", "tcp": "tcp", "tcp_rst": "tcp.rst", "tcp_fin": "tcp.fin",
                 "udp": "udp", "icmp": "icmp", "maxlife": "maxlife", "expint": "expint"}


def timeout_args(timeouts):
    """Return the -t NAME=SECONDS arguments for every timeout in the config."""
    args = []
    for key, name in TIMEOUT_NAMES.items():
        args += ["-t", f"{name}={getattr(timeouts, key)}"]
    return args


def softflowd_argv(probe, listen, interface, ctl, pid):
    """Return softflowd's argv: foreground, per-instance ctl/pid, export over loopback."""
    argv = [SOFTFLOWD, "-d", "-i", interface, "-n", listen,
            "-v", str(probe.export_version), "-m", str(probe.max_flows),
            "-c", ctl, "-p", pid]
    if probe.export_version == 10:
        # IPFIX with absolute millisecond times (pitfalls.md: relative times are wrong).
        argv += ["-A", "milli"]
    argv += timeout_args(probe.timeouts)
    if probe.bpf_filter:
        argv.append(probe.bpf_filter)
    return argv


def softflowd_command(cfg, paths, interface, library=None):
    """Return (argv, env additions) to run Debian's softflowd on interface with the quiet-link fix."""
    argv = softflowd_argv(cfg.probe, cfg.collector.listen, interface,
                          paths.softflowd_ctl, paths.softflowd_pid)
    mode = cfg.probe.quiet_link_fix
    if mode == "off":
        return argv, {}
    return argv, quietlink.preload_env(mode, library or quietlink.library_path())
