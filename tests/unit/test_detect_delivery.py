"""Alert delivery by e-mail (a local aiosmtpd sink with STARTTLS) and webhook (a local receiver).

Everything listens on loopback; a failed or slow delivery is counted and never holds up the
detector's thread.
"""

import threading

from appliance.detect import deliver
from appliance.detect.notify import Notifier
from support.receivers import Receiver, cert, free_tcp_port, smtp  # noqa: F401  (fixtures)
from support.wait import wait_until

def deliver_one(courier, until, what, timeout=20):
    """Start courier, queue ALERT, wait until until() holds, stop; return the courier's status."""
    courier.start()
    try:
        courier.put(ALERT)
        wait_until(until, timeout, what=what)
    finally:
        courier.stop()
    return courier.status()


ALERT = {"id": 7, "rule": "port_scan", "key": "10.66.0.10>10.66.0.20", "severity": "medium",
         "summary": "10.66.0.10 probed 943 ports of 10.66.0.20 in 5 min", "since": "x",
         "until": "y", "flows": 1, "packets": 2, "bytes": 3, "hosts": ["10.66.0.10"],
         "filter": "src ip 10.66.0.10 and dst ip 10.66.0.20"}


def test_mail_goes_out_over_starttls_with_a_login(smtp, cert, tmp_path):
    sink, server = smtp
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    courier = deliver.Courier(deliver.Mail(server, "sensor@example.org", ["ops@example.org"],
                                           user="spanflow", password_file=str(secret),
                                           ca_file=cert[0]))
    courier.start()
    try:
        assert courier.put(ALERT)
        wait_until(lambda: sink.messages, 20, what="the mail at the sink")
    finally:
        courier.stop()
    sender, to, text, tls = sink.messages[0]
    assert (sender, to, tls) == ("sensor@example.org", ["ops@example.org"], True)
    assert "Subject: [spanflow] medium port_scan: 10.66.0.10>10.66.0.20" in text
    assert "10.66.0.10 probed 943 ports" in text
    assert courier.status()["sent"] == 1 and courier.status()["failed"] == 0


def test_mail_to_a_server_with_an_untrusted_certificate_fails_and_is_counted(smtp):
    sink, server = smtp
    courier = deliver.Courier(deliver.Mail(server, "sensor@example.org", ["ops@example.org"]))
    st = deliver_one(courier, lambda: courier.status()["failed"], "the failure counted")
    assert sink.messages == [] and "CERTIFICATE_VERIFY_FAILED" in st["last_error"]


def test_webhook_posts_json_and_retries_a_server_error():
    rx = Receiver(codes=[500, 503])
    courier = deliver.Courier(deliver.Webhook(rx.url, timeout=5, retries=3, pause=0.05))
    try:
        st = deliver_one(courier, lambda: rx.got, "the webhook's POST")
    finally:
        rx.close()
    assert rx.got == [("/hook", "application/json", ALERT)]
    assert st["sent"] == 1 and st["failed"] == 0


def test_webhook_refused_by_the_receiver_is_not_retried():
    rx = Receiver(codes=[404, 404])
    courier = deliver.Courier(deliver.Webhook(rx.url, timeout=5, retries=3, pause=0.05))
    try:
        st = deliver_one(courier, lambda: courier.status()["failed"], "the failure counted")
    finally:
        rx.close()
    assert rx.codes == [404]  # one try: a 4xx is the receiver's answer, not an outage
    assert "HTTP 404" in st["last_error"]


def test_webhook_to_nothing_fails_after_its_retries():
    url = f"http://127.0.0.1:{free_tcp_port()}/hook"  # nobody listens
    courier = deliver.Courier(deliver.Webhook(url, timeout=2, retries=2, pause=0.01))
    st = deliver_one(courier, lambda: courier.status()["failed"], "the failure counted", 30)
    assert st["sent"] == 0 and "after 3 tries" in st["last_error"]


def test_a_stuck_receiver_never_blocks_the_sender_and_the_queue_is_bounded(tmp_path):
    hold = threading.Event()
    rx = Receiver(hold=hold)
    courier = deliver.Courier(deliver.Webhook(rx.url, timeout=30, retries=0), size=2)
    notifier = Notifier(str(tmp_path / "alerts.jsonl"), couriers=[courier])
    notifier.start()
    try:
        notifier.send({**ALERT, "id": 0})
        wait_until(lambda: courier.queue.empty(), 10, what="the first POST under way")
        for n in range(1, 10):  # returns at once each time although nothing can be delivered
            notifier.send({**ALERT, "id": n})
        assert notifier.sent == 10  # all in the log
        st = courier.status()
        # one in the stuck POST, two queued, the rest dropped and counted
        assert (st["dropped"], st["queued"], st["sent"]) == (7, 2, 0)
        hold.set()
        wait_until(lambda: courier.status()["sent"] == 3, 30, what="the held alerts sent")
    finally:
        notifier.stop()
        rx.close()
    assert [a["id"] for _p, _t, a in rx.got] == [0, 1, 2]


def test_rate_limit_counts_what_it_holds_back():
    now = [1000.0]
    limit = deliver.RateLimit(2, clock=lambda: now[0])
    assert [limit.allow() for _ in range(4)] == [True, True, False, False]
    now[0] += 30  # half a minute gives one send back
    assert [limit.allow(), limit.allow()] == [True, False]
    assert deliver.RateLimit(0).allow()  # 0: no limit

    courier = deliver.Courier(deliver.Webhook("http://127.0.0.1:9/x"), per_minute=2,
                              clock=lambda: now[0])
    for _ in range(5):
        courier.put(ALERT)
    assert courier.status()["rate_limited"] == 3 and courier.status()["queued"] == 2
