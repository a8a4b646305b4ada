"""ClickHouse servers from Debian's package binary, as our own processes (no init script, no systemd).

Each server gets its own config, users file, ports and data directory under a test's folder and
listens only where it is told (loopback, or an address inside a test's own namespace). A Cluster
is N such servers as N one-replica shards of the cluster named "spanflow" (remote_servers).
"""

import os
import signal
import socket
import subprocess

import pytest

from . import tools
from .wait import wait_until

SERVER = "/usr/sbin/clickhouse-server"
CLIENT = "/usr/bin/clickhouse-client"
CLUSTER = "spanflow"
TOOLS = (SERVER, CLIENT)
PACKAGES = "clickhouse-server clickhouse-client python3-clickhouse-driver"

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>information</level><log>{folder}/server.log</log><errorlog>{folder}/error.log</errorlog>
    <size>10M</size><count>1</count></logger>
  <listen_host>{host}</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <path>{folder}/data/</path>
  <tmp_path>{folder}/tmp/</tmp_path>
  <format_schema_path>{folder}/format_schemas/</format_schema_path>
  <users_config>{folder}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <remote_servers><{cluster}>{shards}</{cluster}></remote_servers>
</yandex>
"""
SHARD = "<shard><replica><host>{host}</host><port>{port}</port></replica></shard>"
USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>::/0</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"""


def free_port(host="127.0.0.1"):
    """Return a TCP port free on host right now (ClickHouse needs numbers in its config)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """One clickhouse-server process, started and stopped by its own PID."""

    def __init__(self, folder, host, tcp, http, shards, ns=None):
        self.folder, self.host, self.tcp, self.http = folder, host, tcp, http
        self.ns, self.proc = ns, None
        os.makedirs(folder, exist_ok=True)
        self.config = os.path.join(folder, "config.xml")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(folder=folder, host=host, tcp=tcp, http=http, cluster=CLUSTER,
                                  shards="".join(SHARD.format(host=h, port=p) for h, p in shards)))
        with open(os.path.join(folder, "users.xml"), "w") as f:
            f.write(USERS)

    @property
    def endpoint(self):
        return f"{self.host}:{self.tcp}"

    def start(self, timeout=60):
        """Start the server and wait until its TCP port accepts connections."""
        self.log = open(os.path.join(self.folder, "stdout.log"), "a")
        argv = [SERVER, f"--config-file={self.config}"]
        popen = self.ns.popen if self.ns else lambda *a, **kw: subprocess.Popen(a, **kw)
        # `ip netns exec` execs the server: the PID we hold is the server's own
        self.proc = popen(*argv, stdout=self.log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
        wait_until(lambda: self.ready() or self.proc.poll() is not None, timeout,
                   what=f"clickhouse-server on {self.endpoint}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"clickhouse-server exited {self.proc.returncode}: "
                               + self.tail())
        return self

    def ready(self):
        """Tell whether the server answers HTTP /ping (its port is up and tables are loaded)."""
        if self.ns:
            done = self.ns.run(CLIENT, "--host", self.host, "--port", str(self.tcp), "-q",
                               "SELECT 1", check=False)
            return done.returncode == 0
        try:
            with socket.create_connection((self.host, self.http), timeout=1) as s:
                s.sendall(b"GET /ping HTTP/1.0\r\n\r\n")
                return b"Ok." in s.recv(4096)
        except OSError:
            return False

    def tail(self):
        try:
            with open(os.path.join(self.folder, "error.log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self, timeout=60):
        """SIGTERM our own server and wait for it; safe to call twice."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()
        self.proc = None

    def rss_kib(self):
        """Return the server's resident memory in KiB (VmRSS), or None."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            return None
        return None


class Cluster:
    """N servers, each a one-replica shard of cluster "spanflow", sharing one host address
    (loopback, or an address of the namespace ns they then run in)."""

    def __init__(self, folder, shards=2, host="127.0.0.1", ns=None):
        # in a test's own namespace every port is free: only loopback ports need looking for
        ports = ([(free_port(), free_port()) for _ in range(shards)] if ns is None else
                 [(9000 + i, 8123 + i) for i in range(shards)])
        self.servers = [Server(os.path.join(str(folder), f"ch{i}"), host, tcp, http,
                               [(host, t) for t, _ in ports], ns=ns)
                        for i, (tcp, http) in enumerate(ports)]

    @property
    def endpoints(self):
        return [s.endpoint for s in self.servers]

    def start(self):
        for s in self.servers:
            s.start()
        return self

    def stop(self):
        for s in reversed(self.servers):
            s.stop()

    def disk_bytes(self):
        """Return the bytes the servers' data directories take."""
        total = 0
        for s in self.servers:
            for base, _, names in os.walk(os.path.join(s.folder, "data")):
                for n in names:
                    try:
                        total += os.lstat(os.path.join(base, n)).st_size
                    except OSError:
                        pass
        return total


@pytest.fixture(scope="module")
def loopback_cluster(tmp_path_factory):
    """A two-shard cluster on 127.0.0.1 for one test module (import it into the module)."""
    tools.require(*TOOLS, package=PACKAGES)
    cluster = Cluster(tmp_path_factory.mktemp("clickhouse"))
    try:
        yield cluster.start()
    finally:
        cluster.stop()
