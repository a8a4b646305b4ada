"""Send new alerts out: a JSON line each to the alert log, RFC 5424 syslog, e-mail and webhook."""

import json
import logging
import os
import socket
from datetime import datetime, timezone

from ..errors import SpanflowError

log = logging.getLogger(__name__)

FACILITY = 16  # local0
LEVELS = {"high": 3, "medium": 4, "low": 5}  # err, warning, notice (RFC 5424 table 2)
SD_ID = "spanflow@32473"  # 32473: the enterprise number reserved for examples (RFC 5612)


def _sd_value(v):
    # RFC 5424 6.3.3: escape ", \ and ] inside PARAM-VALUE
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def syslog_message(alert, hostname, pid):
    """Return one RFC 5424 message (bytes) for an alert dict."""
    pri = FACILITY * 8 + LEVELS.get(alert["severity"], 4)
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    params = " ".join(f'{k}="{_sd_value(alert[k])}"' for k in
                      ("id", "rule", "key", "severity", "since", "until", "filter"))
    return f"<{pri}>1 {stamp} {hostname or '-'} spanflow {pid} alert [{SD_ID} {params}] " \
           f"\ufeff{alert['summary']}".encode("utf-8")


def parse_target(spec):
    """Return (family, address) for "udp:HOST:PORT" or "unix:/PATH"."""
    kind, _, rest = spec.partition(":")
    if kind == "unix" and rest.startswith("/"):
        return socket.AF_UNIX, rest
    host, _, port = rest.rpartition(":")
    if kind == "udp" and host and port.isdigit():
        return socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET, \
            (host.strip("[]"), int(port))
    raise SpanflowError(f"detect.syslog = {spec!r} is not udp:HOST:PORT or unix:/PATH")


class Notifier:
    """Append alerts to a JSON-lines file, send them to syslog, queue them for delivery.

    couriers (deliver.py) send e-mail and webhooks on their own threads; failures are counted.
    """

    def __init__(self, alert_log, syslog="", couriers=()):
        self.alert_log, self.target = alert_log, parse_target(syslog) if syslog else None
        self.couriers = list(couriers)
        self.sent, self.errors, self.last_error = 0, 0, None
        self.hostname, self.pid = socket.gethostname(), os.getpid()

    def send(self, alert):
        """Write one alert dict to every configured output."""
        try:
            os.makedirs(os.path.dirname(self.alert_log) or ".", exist_ok=True)
            with open(self.alert_log, "a", encoding="utf-8") as f:
                f.write(json.dumps(alert, sort_keys=True) + "\n")
            if self.target:
                family, addr = self.target
                with socket.socket(family, socket.SOCK_DGRAM) as s:
                    s.sendto(syslog_message(alert, self.hostname, self.pid), addr)
            self.sent += 1
        except OSError as exc:  # a full disk or a gone syslog must not stop detection
            self.errors += 1
            self.last_error = str(exc)
            log.warning("alert %s not sent: %s", alert.get("id"), exc)
        for courier in self.couriers:  # never waits: queued, or counted as not sent
            courier.put(alert)

    def start(self):
        for courier in self.couriers:
            courier.start()

    def stop(self):
        """Give queued deliveries a moment, then end their threads (twice is harmless)."""
        for courier in self.couriers:
            courier.stop()

    def delivery(self):
        """Return {channel: counters} of the e-mail and webhook couriers."""
        return {c.channel.name: c.status() for c in self.couriers}
