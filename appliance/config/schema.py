"""The configuration's shape, defaults and allowed values, section by section.

The shipped configs/spanflow.toml documents every key; keep the two in step
(tests/unit/test_config.py checks that every key here is documented there).
"""

from dataclasses import dataclass, field

from . import checks as c


def opt(default, check, factory=False):
    """A config field with its default and its value check."""
    if factory:
        return field(default_factory=default, metadata={"check": check})
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class Mirror:
    interface: str = opt("", c.string)
    allow_management: bool = opt(False, c.boolean)  # override the default-route/address refusal
    mtu: int = opt(0, c.int_range(0, 65535))  # 0 leaves the MTU alone
    disable_offloads: bool = opt(True, c.boolean)


@dataclass(frozen=True)
class ProbeTimeouts:
    # Real time: every flow is exported within maxlife + expint of its first packet, so it is
    # stored within one rotation (bench/timeouts.py and docs/accuracy.md give the cost).
    general: int = opt(15, c.int_range(1))
    tcp: int = opt(15, c.int_range(1))
    tcp_rst: int = opt(5, c.int_range(1))
    tcp_fin: int = opt(5, c.int_range(1))
    udp: int = opt(15, c.int_range(1))
    icmp: int = opt(15, c.int_range(1))
    maxlife: int = opt(60, c.int_range(1))
    expint: int = opt(5, c.int_range(1))


@dataclass(frozen=True)
class Probe:
    export_version: int = opt(10, c.one_of(5, 9, 10))
    max_flows: int = opt(65536, c.int_range(16, 16_000_000))
    sampling: int = opt(0, c.unsampled)  # refused: counts would be stored unscaled
    bpf_filter: str = opt("", c.string)
    quiet_link_fix: str = opt("timeout", c.one_of("timeout", "immediate", "off"))
    timeouts: ProbeTimeouts = opt(ProbeTimeouts, None, factory=True)


@dataclass(frozen=True)
class Retention:
    max_age: str = opt("90d", c.age)
    max_size: str = opt("20G", c.size)


@dataclass(frozen=True)
class Collector:
    listen: str = opt("127.0.0.1:9995", c.host_port)
    allowed_exporters: list = opt(list, c.addresses, factory=True)
    rotate: int = opt(60, c.int_range(2, 3600))
    receive_buffer: str = opt("16M", c.size)
    compression: str = opt("lz4", c.one_of("lz4", "lzo", "bz2", "none"))
    retention: Retention = opt(Retention, None, factory=True)


@dataclass(frozen=True)
class Storage:
    dir: str = opt("/var/lib/spanflow", c.string)
    runtime_dir: str = opt("/run/spanflow", c.string)


DEFAULT_SERVICES = {
    "ssh": "proto tcp and port 22",
    "telnet": "proto tcp and port 23",
    "dns": "port 53",
    "mdns": "proto udp and port 5353",
    "ssdp": "proto udp and port 1900",
    "netbios": "port in [137 138 139]",
    "http": "proto tcp and port in [80 8080]",
    "https": "port 443",
    "smb": "proto tcp and port 445",
    "rdp": "port 3389",
    "snmp": "proto udp and port in [161 162]",
    "ntp": "proto udp and port 123",
}


@dataclass(frozen=True)
class Ingest:
    services: dict = opt(lambda: dict(DEFAULT_SERVICES), c.filter_table, factory=True)
    channels: dict = opt(dict, c.filter_table, factory=True)
    top_n: int = opt(10, c.int_range(1, 1000))
    top_retention: str = opt("30d", c.age)


@dataclass(frozen=True)
class Web:
    listen: str = opt("127.0.0.1:8080", c.host_port)
    user: str = opt("admin", c.string)
    password_hash: str = opt("", c.string)  # werkzeug hash; required off loopback
    tls_certificate: str = opt("/etc/spanflow/tls/web.crt", c.string)  # HTTPS off loopback
    tls_key: str = opt("/etc/spanflow/tls/web.key", c.string)
    timezone: str = opt("UTC", c.string)
    query_timeout: int = opt(30, c.int_range(1, 600))
    max_rows: int = opt(10000, c.int_range(1, 1_000_000))


@dataclass(frozen=True)
class Detect:
    rules_dir: str = opt("/etc/spanflow/rules.d", c.string)
    alert_log: str = opt("", c.string)  # JSON lines file; "" = <storage.dir>/alerts.jsonl
    syslog: str = opt("", c.string)  # "" = off, else "udp:HOST:PORT" or "unix:/dev/log"
    cooldown: int = opt(900, c.int_range(0))
    suppress: list = opt(list, c.suppressions, factory=True)
    # delivery of new alerts beyond the log (appliance/detect/deliver.py)
    smtp_server: str = opt("", c.optional(c.endpoint))  # "" = no e-mail, else "HOST:PORT"
    smtp_starttls: bool = opt(True, c.boolean)
    smtp_from: str = opt("spanflow@localhost", c.email)
    smtp_to: list = opt(list, c.emails, factory=True)
    smtp_user: str = opt("", c.string)
    smtp_password_file: str = opt("", c.string)
    smtp_ca_file: str = opt("", c.string)
    webhook_url: str = opt("", c.optional(c.url))
    webhook_retries: int = opt(3, c.int_range(0, 10))
    delivery_timeout: int = opt(10, c.int_range(1, 300))
    delivery_per_minute: int = opt(10, c.int_range(0))
    delivery_queue: int = opt(100, c.int_range(1, 100000))


@dataclass(frozen=True)
class Fleet:
    endpoints: list = opt(list, c.endpoints, factory=True)  # ClickHouse native ports; [] = off
    database: str = opt("spanflow", c.identifier)
    user: str = opt("default", c.string)
    password: str = opt("", c.string)
    tls: bool = opt(False, c.boolean)
    tls_ca: str = opt("", c.string)  # CA file for tls; "" = the system's CAs
    export: bool = opt(True, c.boolean)  # false on a hub that only reads the cluster
    sensor: str = opt("", c.string)  # the name tagged on this sensor's rows; "" = host name
    cluster: str = opt("spanflow", c.identifier)  # remote_servers name, for `fleet init`
    retention: str = opt("90d", c.age)
    batch_rows: int = opt(50000, c.int_range(100, 1_000_000))
    timeout: int = opt(10, c.int_range(1, 600))


@dataclass(frozen=True)
class Span:
    enabled: bool = opt(True, c.boolean)
    budget: int = opt(1000, c.int_range(100, 1_000_000))  # frames analysed per second
    expected_subnets: list = opt(list, c.networks, factory=True)
    expected_vlans: list = opt(list, c.vlan_ids, factory=True)
    arp_sweep_hosts: int = opt(100, c.int_range(8, 65536))
    new_device_alert: bool = opt(False, c.boolean)


@dataclass(frozen=True)
class Log:
    level: str = opt("info", c.one_of("debug", "info", "warning", "error"))


@dataclass(frozen=True)
class Config:
    mirror: Mirror = field(default_factory=Mirror)
    probe: Probe = field(default_factory=Probe)
    collector: Collector = field(default_factory=Collector)
    storage: Storage = field(default_factory=Storage)
    ingest: Ingest = field(default_factory=Ingest)
    web: Web = field(default_factory=Web)
    detect: Detect = field(default_factory=Detect)
    fleet: Fleet = field(default_factory=Fleet)
    span: Span = field(default_factory=Span)
    log: Log = field(default_factory=Log)
    sources: tuple = ()  # the files this config was read from, in merge order
    # key path tuple -> the file that set it, so later checks (validate.py) name file and key
    origins: dict = field(default_factory=dict, compare=False, repr=False)
