"""Run the real `spanflow web` (waitress) on a free loopback port; the caller stops it."""

import os
import re
import subprocess
import tempfile
import urllib.request

from support.wait import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
URL = re.compile(r"serving on (http://\S+)")


def write_config(path, data_dir, **web):
    """Write a spanflow.toml pointing storage at data_dir, with [web] keys."""
    lines = ["[storage]", f'dir = "{data_dir}"', f'runtime_dir = "{data_dir}"', "[web]"]
    lines += [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in web.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def make_cert(folder, address):
    """Write a self-signed cert.pem/key.pem for address (as the package's postinst does)."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={address}", "-addext", f"subjectAltName=IP:{address}",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


def spki_hash(cert):
    """Return the base64 SHA-256 of cert's public key (Chromium's certificate pin)."""
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         check=True, capture_output=True).stdout
    import base64
    import hashlib
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def command(config, *extra):
    return ["/usr/bin/python3", "-m", "appliance", "web", "--config", config, *extra]


class Server:
    """`spanflow web --listen 127.0.0.1:0` as a child; .url once it listens."""

    def __init__(self, config):
        # stderr goes to a file: under load waitress logs every queued request, and a pipe nobody
        # reads would fill up and stall the server.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(command(config, "--listen", "127.0.0.1:0"), cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()  # the first line names the port (or EOF on failure)
        match = URL.search(line)
        if not match:
            self.proc.wait(timeout=10)
            self.log.seek(0)
            why = self.log.read()
            self.stop()
            raise AssertionError(f"spanflow web did not start: {line!r} {why}")
        self.url = match.group(1).rstrip("/")
        wait_until(self.answers, 10, what="spanflow web to answer")

    def answers(self):
        try:
            with urllib.request.urlopen(self.url + "/api/status", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
