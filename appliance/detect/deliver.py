"""Alert delivery beyond the log: e-mail (SMTP with STARTTLS) and a webhook (JSON POST).

Each channel has its own bounded queue and thread, so a slow or dead mail server never delays
detection or the other channel. Sends per channel are rate-limited (a burst of alerts must not
flood an inbox or a chat); what is not sent is counted (rate_limited, dropped, failed) and shown
in the status. The alert itself is always in the store and the JSON-lines log first.
"""

import json
import logging
import queue
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.request
from email.message import EmailMessage

log = logging.getLogger(__name__)

RETRY_PAUSE = 1.0  # seconds before a webhook's first retry; doubled each time


class RateLimit:
    """A token bucket: `per_minute` sends, refilled evenly; 0 means no limit."""

    def __init__(self, per_minute, clock=time.monotonic):
        self.rate, self.clock = per_minute, clock
        self.tokens, self.at = float(per_minute), clock()

    def allow(self):
        if not self.rate:
            return True
        now = self.clock()
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate / 60)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def subject(alert):
    """Return the mail subject of an alert."""
    return f"[spanflow] {alert['severity']} {alert['rule']}: {alert['key']}"


def body(alert):
    """Return the mail text of an alert: the summary, then every field."""
    lines = [alert["summary"], ""]
    lines += [f"{k}: {alert.get(k)}" for k in ("id", "rule", "key", "severity", "since", "until",
                                               "flows", "packets", "bytes", "hosts", "filter")]
    lines += ["", f"spanflow flows --since {alert.get('since')} --until {alert.get('until')} "
                  f"'{alert.get('filter')}'"]
    return "\n".join(lines) + "\n"


class Mail:
    """Send an alert as one e-mail through an SMTP server, upgrading with STARTTLS."""

    name = "email"

    def __init__(self, server, sender, to, starttls=True, user="", password_file="", ca_file="",
                 timeout=10):
        host, _, port = server.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self.sender, self.to, self.starttls = sender, list(to), starttls
        self.user, self.password_file, self.ca_file, self.timeout = user, password_file, \
            ca_file, timeout

    def _password(self):
        with open(self.password_file, encoding="utf-8") as f:
            return f.read().strip()

    def send(self, alert):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, ", ".join(self.to), subject(alert)
        msg.set_content(body(alert))
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                # verified against the system's CAs, or ca_file for a site's own CA
                ctx = ssl.create_default_context(cafile=self.ca_file or None)
                smtp.starttls(context=ctx)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self._password())
            smtp.send_message(msg)


class Webhook:
    """POST an alert as JSON; retry on network errors, 429 and 5xx, with a timeout per try."""

    name = "webhook"

    def __init__(self, url, timeout=5, retries=3, pause=RETRY_PAUSE, stopping=None):
        self.url, self.timeout, self.retries, self.pause = url, timeout, retries, pause
        self.stopping = stopping or threading.Event()

    def send(self, alert):
        data = json.dumps(alert, sort_keys=True).encode()
        wait = self.pause
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.url, data=data, method="POST", headers={
                "Content-Type": "application/json", "User-Agent": "spanflow"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    resp.read()
                return
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:  # the receiver refuses it: no retry helps
                    raise OSError(f"HTTP {exc.code} {exc.reason}") from None
                error = OSError(f"HTTP {exc.code} {exc.reason}")
            except (OSError, ValueError) as exc:  # refused, timed out, unreachable
                error = exc
            if attempt < self.retries and self.stopping.wait(wait):
                break  # shutting down: the alert is counted failed, not retried
            wait *= 2
        raise OSError(f"after {self.retries + 1} tries: {error}")


class Courier:
    """One channel's bounded queue and sending thread, with its counters."""

    def __init__(self, channel, per_minute=10, size=100, clock=time.monotonic):
        self.channel, self.limit = channel, RateLimit(per_minute, clock)
        self.queue = queue.Queue(maxsize=size)
        self.counters = {"sent": 0, "failed": 0, "rate_limited": 0, "dropped": 0}
        self.last_error, self.thread = None, None
        self.stopping = getattr(channel, "stopping", None) or threading.Event()

    def start(self):
        if self.thread is None:
            self.stopping.clear()
            self.thread = threading.Thread(target=self._run, name=f"deliver-{self.channel.name}",
                                           daemon=True)
            self.thread.start()

    def put(self, alert):
        """Queue an alert without waiting: over the rate or a full queue, count it and go on."""
        if not self.limit.allow():
            self.counters["rate_limited"] += 1
            return False
        try:
            self.queue.put_nowait(alert)
            return True
        except queue.Full:
            self.counters["dropped"] += 1
            return False

    def _run(self):
        while True:
            alert = self.queue.get()
            if alert is None:
                return
            try:
                self.channel.send(alert)
                self.counters["sent"] += 1
            except Exception as exc:  # any failure of the far side is counted, never raised
                self.counters["failed"] += 1
                self.last_error = f"alert {alert.get('id')}: {exc}"
                log.warning("%s delivery of alert %s failed: %s", self.channel.name,
                            alert.get("id"), exc)

    def stop(self, timeout=10):
        """Send what is queued within timeout, then end the thread; what is left is dropped."""
        if self.thread is None:
            return
        deadline = time.monotonic() + timeout
        while not self.queue.empty() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stopping.set()  # a retrying webhook gives up at once
        while True:
            try:
                self.queue.put_nowait(None)
                break
            except queue.Full:
                try:
                    self.queue.get_nowait()
                    self.counters["dropped"] += 1
                except queue.Empty:
                    pass
        self.thread.join(max(0.0, deadline - time.monotonic()) + 1)
        self.thread = None

    def status(self):
        return {**self.counters, "queued": self.queue.qsize(), "last_error": self.last_error}


def couriers(detect):
    """Return a Courier per channel configured in the [detect] section (none when all are off)."""
    out = []
    if detect.smtp_server:
        out.append(Courier(Mail(detect.smtp_server, detect.smtp_from, detect.smtp_to,
                                detect.smtp_starttls, detect.smtp_user, detect.smtp_password_file,
                                detect.smtp_ca_file, detect.delivery_timeout),
                           detect.delivery_per_minute, detect.delivery_queue))
    if detect.webhook_url:
        out.append(Courier(Webhook(detect.webhook_url, detect.delivery_timeout,
                                   detect.webhook_retries),
                           detect.delivery_per_minute, detect.delivery_queue))
    return out
