"""The office's real daemons, each in its Mininet host with its own config under the run dir.

avahi-daemon (mDNS) on the workstations, server and devices, nmbd (NetBIOS) on the Windows-like
hosts, minidlna (SSDP/UPnP) on the camera, dnsmasq (DNS and DHCP) on the router, OpenSSH's sshd on
the server and the branch server, inetutils-telnetd (under inetutils-inetd) on the server.
Every function here is pure: it writes config files and returns argv; lab/run.py starts them.
"""

import os

from . import topo
from .traffic import ssh

AVAHI_HOSTS = ("srv", "ws1", "ws2", "prn", "iot")
NMBD_HOSTS = ("srv", "ws1", "ws2")
DLNA_HOST = "iot"
DNSMASQ_HOST = topo.ROUTER
SSHD_HOSTS = ("srv", "br1")
TELNETD_HOST = "srv"
OFFICE_NAMES = ("intranet", "mail", "printer", "fileserver", "wiki", "git", "time", "proxy")
DHCP_RANGE = ("10.0.0.100", "10.0.0.150")
WORKGROUP = "OFFICE"
TELNET_PORT = 23


def _dir(run_dir, host, name):
    d = os.path.join(run_dir, "daemons", f"{host}-{name}")
    os.makedirs(d, exist_ok=True)
    return d


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def avahi(run_dir, host, intf):
    """avahi-daemon without D-Bus (pitfalls.md): it announces and answers, nobody browses it."""
    d = _dir(run_dir, host, "avahi")
    conf = _write(os.path.join(d, "avahi-daemon.conf"), f"""[server]
host-name={host}
domain-name=local
use-ipv4=yes
use-ipv6=yes
allow-interfaces={intf}
enable-dbus=no
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-addresses=yes
publish-hinfo=no
publish-workstation=yes

[reflector]
enable-reflector=no
""")
    # /run/avahi-daemon (its pid file and socket) is private to each host (topo.PRIVATE_DIRS)
    return ["avahi-daemon", "-f", conf, "--no-drop-root", "--no-chroot", "--no-rlimits",
            "--no-proc-title"]


def smb_conf(run_dir, host, intf):
    """Write a host's samba config (every state dir under the run) and return its path."""
    d = _dir(run_dir, host, "samba")
    return _write(os.path.join(d, "smb.conf"), f"""[global]
netbios name = {host.upper()}
workgroup = {WORKGROUP}
interfaces = {intf}
bind interfaces only = yes
disable netbios = no
local master = {"yes" if host == "srv" else "no"}
preferred master = {"yes" if host == "srv" else "no"}
pid directory = {d}
lock directory = {d}
state directory = {d}
cache directory = {d}
private dir = {d}
ncalrpc dir = {d}/ncalrpc
log file = {d}/log.%m
""")


def nmbd(run_dir, host, intf):
    """nmbd: registers the host's names by broadcast and answers name queries (137/138)."""
    return ["nmbd", "--foreground", "--no-process-group", "--debug-stdout",
            "-s", smb_conf(run_dir, host, intf)]


def minidlna(run_dir, host, intf):
    """minidlnad -S (foreground): SSDP NOTIFY, answers to M-SEARCH, its description on tcp/8200."""
    d = _dir(run_dir, host, "minidlna")
    media = os.path.join(d, "media")
    os.makedirs(media, exist_ok=True)
    conf = _write(os.path.join(d, "minidlna.conf"), f"""media_dir=V,{media}
db_dir={d}/db
log_dir={d}
network_interface={intf}
port=8200
friendly_name={host} camera
inotify=no
notify_interval=30
""")
    return ["minidlnad", "-S", "-f", conf, "-P", os.path.join(d, "minidlna.pid")]


def dnsmasq(run_dir, host, intf):
    """dnsmasq on the router: the office's names (DNS over IPv4 and IPv6) and DHCP leases."""
    d = _dir(run_dir, host, "dnsmasq")
    lines = []
    for name in OFFICE_NAMES:
        lines.append(f"{topo.HOSTS['srv']} {name}.office.lab")
    for name in topo.all_hosts():
        lines.append(f"{topo.host_ip(name)} {name}.office.lab")
        lines.append(f"{topo.host_ip6(name)} {name}.office.lab")
    hosts = _write(os.path.join(d, "hosts"), "\n".join(lines) + "\n")
    # No upstream (--no-resolv, --local): nothing is forwarded anywhere, the lab stays closed.
    return ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--user=root",
            f"--pid-file={d}/dnsmasq.pid", f"--dhcp-leasefile={d}/leases",
            f"--interface={intf}", "--bind-interfaces", "--no-resolv", "--no-hosts",
            f"--addn-hosts={hosts}", "--local=/office.lab/", "--domain=office.lab",
            f"--dhcp-range={DHCP_RANGE[0]},{DHCP_RANGE[1]},1h", "--dhcp-authoritative",
            "--log-facility=-"]


def telnetd(run_dir, host):
    """inetutils-inetd in the foreground starting inetutils-telnetd with a login stub (-E)."""
    d = _dir(run_dir, host, "telnetd")
    # The stub stands in for login(1): no system account with a known password (pitfalls.md).
    stub = _write(os.path.join(d, "login-stub"), """#!/bin/sh
printf 'Office switch console\\r\\nlogin: '
read -r user
printf 'Password: '
read -r _password
printf '\\r\\nWelcome %s\\r\\n$ ' "$user"
while read -r cmd; do
    case "$cmd" in exit*|logout*) printf 'bye\\r\\n'; exit 0 ;; esac
    printf '%s: ok\\r\\n$ ' "$cmd"
done
""")
    os.chmod(stub, 0o755)
    conf = _write(os.path.join(d, "inetd.conf"),
                  f"{TELNET_PORT} stream tcp nowait root /usr/sbin/telnetd telnetd -E {stub}\n")
    return ["inetutils-inetd", "-d", conf]


def sshd(run_dir, host):
    """OpenSSH's sshd listening on the host's IPv4 and ULA addresses (keys made per run)."""
    return ssh.prepare(run_dir, [topo.host_ip(host), topo.host_ip6(host)], name=host)


def plan(run_dir, intf_of):
    """Return [(host, name, argv)] of every daemon in start order; intf_of(host) names its port."""
    out = [(h, "sshd", sshd(run_dir, h)) for h in SSHD_HOSTS]
    out.append((TELNETD_HOST, "telnetd", telnetd(run_dir, TELNETD_HOST)))
    out.append((DNSMASQ_HOST, "dnsmasq", dnsmasq(run_dir, DNSMASQ_HOST, intf_of(DNSMASQ_HOST))))
    out.append((DLNA_HOST, "minidlna", minidlna(run_dir, DLNA_HOST, intf_of(DLNA_HOST))))
    out += [(h, "nmbd", nmbd(run_dir, h, intf_of(h))) for h in NMBD_HOSTS]
    out += [(h, "avahi", avahi(run_dir, h, intf_of(h))) for h in AVAHI_HOSTS]
    return out
