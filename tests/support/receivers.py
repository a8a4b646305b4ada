"""Local receivers of alert deliveries: an SMTP sink with STARTTLS (aiosmtpd) and an HTTP receiver.

Both listen on 127.0.0.1 only; the certificate is made when the test runs.
"""

import json
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from . import tools


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cert(tmp_path):
    """A self-signed certificate for 127.0.0.1 made now (no date baked into the test)."""
    tools.require("openssl", package="openssl")
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return str(crt), str(key)


class Sink:
    """aiosmtpd's handler: keep every message with its envelope and TLS state."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos,
                              envelope.content.decode(), session.ssl is not None))
        return "250 OK"


@pytest.fixture
def smtp(cert):
    """A local SMTP sink that requires STARTTLS and a login before it takes mail."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        tools.require("/nonexistent/python3-aiosmtpd", package="python3-aiosmtpd")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert)
    sink = Sink()

    def login(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"spanflow" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    port = free_tcp_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port, tls_context=ctx,
                     require_starttls=True, authenticator=login, auth_require_tls=True)
    ctl.start()
    try:
        yield sink, f"127.0.0.1:{port}"
    finally:
        ctl.stop()


class Receiver:
    """A local HTTP receiver; answers each POST with the next code of `codes` (then 200)."""

    def __init__(self, codes=(), hold=None):
        self.got, self.codes, self.hold = [], list(codes), hold
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.hold is not None:
                    outer.hold.wait(30)
                code = outer.codes.pop(0) if outer.codes else 200
                if code == 200:
                    outer.got.append((self.path, self.headers["Content-Type"], json.loads(data)))
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
