"""A switch with a SPAN port into the booted box, two hosts behind it, and the wire's truth.

    client ns (10.77.0.1) --- switch ns: bridge, tc mirred of both ports --- server ns (10.77.0.2)
                                   |
                               span port ====veth====> eth1 inside the box (the mirror NIC)

The mirror is the lab's own (lab.span.lxbr_span, run inside the switch namespace); truth is a
tcpdump on the client's interface. Only the namespaces made here are deleted.
"""

import os
import signal
import struct
import subprocess
import time

from support.netns import ROOT, Netns, ip, unique
from support.wait import wait_until

CLIENT, SERVER = "10.77.0.1", "10.77.0.2"
MIRROR_NIC = "eth1"  # what README.md's local.toml names

# each test host's NIC, inside the namespace this module made for it (never the machine's own)
HOST_NIC = "lan0"


def _py(ns, code, *args):
    """Run Python inside ns with the checkout importable (the lab's pyroute2 helpers)."""
    return ns.run("/usr/bin/python3", "-c", code, *args, cwd=ROOT)


class Span:
    """The namespaces, bridge and SPAN session, with the span port's far end inside the box."""

    def __init__(self, box_pid):
        self.switch, self.client, self.server = Netns("sfsw"), Netns("sfcl"), Netns("sfsv")
        try:
            self._build(box_pid)
        except BaseException:
            self.close()
            raise

    def _build(self, box_pid):
        for ns in (self.switch, self.client, self.server):
            # no IPv6: its DAD and router solicitations would be flows nobody sent
            ns.run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        ports = []
        for host, addr in ((self.client, CLIENT), (self.server, SERVER)):
            port, nic = unique("sfp"), unique("sfh")
            ip("link", "add", port, "type", "veth", "peer", "name", nic)
            ip("link", "set", port, "netns", self.switch.name)
            ip("link", "set", nic, "netns", host.name)
            host.run("ip", "link", "set", nic, "name", HOST_NIC)
            host.run("ip", "addr", "add", f"{addr}/24", "dev", HOST_NIC)
            host.run("ip", "link", "set", HOST_NIC, "up")
            # wire-like packets: with TSO/GSO on, the mirror counts super-packets (pitfalls.md)
            _py(host, f"import lab.offload as o; o.disable_offloads('{HOST_NIC}')")
            ports.append(port)
        self.switch.run("ip", "link", "add", "br0", "type", "bridge")
        for port in ports:
            self.switch.run("ip", "link", "set", port, "master", "br0")
            self.switch.run("ip", "link", "set", port, "up")
        self.switch.run("ip", "link", "set", "br0", "up")
        span, far = unique("sfs"), unique("sfb")
        ip("link", "add", span, "type", "veth", "peer", "name", far)
        ip("link", "set", span, "netns", self.switch.name)
        # --network-interface= fails without udev on the host: move the NIC in by the init's pid
        ip("link", "set", far, "netns", str(box_pid))
        subprocess.run(["nsenter", "-t", str(box_pid), "-n", "ip", "link", "set", far, "name",
                        MIRROR_NIC], check=True)
        _py(self.switch, "import sys, lab.span as s; s.lxbr_span(sys.argv[1:3], sys.argv[3])",
            *ports, span)

    def close(self):
        """Delete the namespaces made here (their veths go with them)."""
        for ns in (self.switch, self.client, self.server):
            ns.delete()


class Capture:
    """tcpdump on a host's NIC for one TCP port, written to a pcap: the wire's truth."""

    def __init__(self, ns, port, path):
        self.path = path
        # -Z root: tcpdump would drop to user tcpdump and could not write the test's file;
        # --immediate-mode: else a stop right after the traffic loses the last block (pitfalls.md)
        self.proc = ns.popen("tcpdump", "-i", HOST_NIC, "-n", "-U", "--immediate-mode", "-Z", "root",
                             "-w", path, f"tcp port {port}", stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        assert "listening on" in line, line

    def stop(self):
        """Stop tcpdump (our own pid) and return the packets it saw."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)
        return read_pcap(self.path)


def read_pcap(path):
    """Return [(time, src, dst, sport, dport, ip_bytes)] of the IPv4 TCP packets in a pcap."""
    out = []
    with open(path, "rb") as f:
        head = f.read(24)
        endian = "<" if head[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        while rec := f.read(16):
            sec, usec, caplen, _ = struct.unpack(endian + "IIII", rec)
            frame = f.read(caplen)
            if frame[12:14] != b"\x08\x00" or frame[23] != 6:
                continue
            iplen = struct.unpack("!H", frame[16:18])[0]
            ihl = (frame[14] & 15) * 4
            sport, dport = struct.unpack("!HH", frame[14 + ihl:18 + ihl])
            src, dst = (".".join(map(str, frame[a:a + 4])) for a in (26, 30))
            out.append((sec + usec / 1e6, src, dst, sport, dport, iplen))
    return out


STREAM_SERVER = r"""
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
while conn.recv(65536):
    pass
conn.close()
"""
STREAM_CLIENT = r"""
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
seconds, chunk = float(sys.argv[3]), bytes(int(sys.argv[4]))
start = time.time()
n = 0
while time.time() - start < seconds:
    s.sendall(chunk)
    n += 1
    time.sleep(max(0.0, start + n * 0.1 - time.time()))
s.shutdown(socket.SHUT_WR)
s.recv(1)
s.close()
"""


class Stream:
    """One real TCP connection from client to server sending a chunk every 100 ms."""

    def __init__(self, span, port, seconds, chunk=1000):
        self.server = span.server.popen("/usr/bin/python3", "-c", STREAM_SERVER, SERVER, str(port),
                                        stdout=subprocess.PIPE, text=True)
        assert self.server.stdout.readline().strip() == "ready"
        self.started = time.time()
        self.client = span.client.popen("/usr/bin/python3", "-c", STREAM_CLIENT, SERVER, str(port),
                                        str(seconds), str(chunk))

    def running(self):
        return self.client.poll() is None

    def wait(self, timeout):
        """Wait for the stream to end; return when it ended."""
        assert self.client.wait(timeout=timeout) == 0
        self.server.wait(timeout=30)
        return time.time()

    def stop(self):
        for proc in (self.client, self.server):
            if proc.poll() is None:
                proc.kill()  # our own children, by pid
                proc.wait()


LOGIN_STUB = """#!/bin/sh
# what telnetd -E runs instead of login(1): a console that asks for credentials and echoes commands
printf 'Office switch console\\r\\nlogin: '
read user
printf 'Password: '
read pass
printf 'Welcome %s\\r\\n$ ' "$user"
while read cmd; do
    [ "$cmd" = exit ] && { printf 'bye\\r\\n'; exit 0; }
    printf '%s: ok\\r\\n$ ' "$cmd"
done
"""


class Telnetd:
    """inetutils-telnetd under inetutils-inetd in the server namespace, with a login stub."""

    def __init__(self, span, folder):
        stub = os.path.join(folder, "login-stub")
        with open(stub, "w") as f:
            f.write(LOGIN_STUB)
        os.chmod(stub, 0o755)
        conf = os.path.join(folder, "inetd.conf")
        with open(conf, "w") as f:
            f.write(f"telnet stream tcp nowait root /usr/sbin/telnetd telnetd -E {stub}\n")
        # -d: foreground (pitfalls.md); it binds port 23 in the server namespace only
        self.proc = span.server.popen("/usr/sbin/inetutils-inetd", "-d", conf,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: ":0017 " in span.server.run("cat", "/proc/net/tcp").stdout, 15,
                   what="inetd listening on port 23")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


def telnet_session(span, lines, pause=1.0):
    """Log in with the real telnet client, typing lines with pauses; return (start, end)."""
    start = time.time()
    proc = span.client.popen("telnet", SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    try:
        for line in lines:
            time.sleep(pause)  # a person typing: the session must last, that is the scenario
            # from a pipe telnet sends what it reads: "\n", not "\r\n" (pitfalls.md)
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return start, time.time(), out.decode(errors="replace")
