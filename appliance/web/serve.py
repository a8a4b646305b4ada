"""Serve the app: waitress on loopback, cheroot with TLS off it; connections capped per client.

The only waitress and cheroot user. Why two servers (measured in bench/web_server.py, see
docs/web.md): waitress has the best p99 and reads requests without holding a thread, but has no
TLS; of Debian's TLS servers, cheroot runs in-process (the client's address stays known to the
login throttle) and, with the two changes below, a flood of silent clients costs it no thread.
- cheroot 9.0 hands each new connection to a worker that waits up to `timeout` for a request, and
  its TLS adapter shakes hands inside the accept loop: here a new connection waits in the selector
  until it sends something, and the handshake runs in a worker on that first read.
- waitress stops accepting at `connection_limit` (100 by default: 110 idle clients locked everyone
  out, issue 14): here the limit is high and one address may hold only PER_CLIENT connections.
"""

import collections
import logging
import resource
import ssl
import threading

log = logging.getLogger(__name__)

PER_CLIENT = 64  # connections one address may hold at once (a browser opens about 6; wrk 50)
MAX_CONNECTIONS = 1000  # all clients together; the file limit is raised to fit
SILENT = 10  # seconds cheroot waits for a request; waitress closes idle channels after IDLE
IDLE = 30
THREADS = 8
LISTEN_BACKLOG = 128
MAX_HEADER = 16 * 1024
MAX_BODY = 64 * 1024  # the same bound as the app's MAX_CONTENT_LENGTH


def raise_file_limit(need=MAX_CONNECTIONS + 64):
    """Raise the soft open-files limit towards need (systemd's default soft limit is 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Caps:
    """Count open connections per address; refuse one past PER_CLIENT or MAX_CONNECTIONS."""

    def __init__(self, per_client=PER_CLIENT, total=MAX_CONNECTIONS):
        self.per_client, self.total = per_client, total
        self.open = collections.Counter()
        self.refused = 0
        self._lock = threading.Lock()

    def admit(self, addr):
        """Count a new connection from addr, or return False to refuse it."""
        with self._lock:
            if self.open[addr] >= self.per_client or sum(self.open.values()) >= self.total:
                self.refused += 1
                return False
            self.open[addr] += 1
            return True

    def release(self, addr):
        with self._lock:
            if self.open[addr] > 1:
                self.open[addr] -= 1
            else:
                self.open.pop(addr, None)

    def counters(self):
        with self._lock:
            return {"connections": sum(self.open.values()), "refused_connections": self.refused}


def _waitress(app, host, port, threads, caps):
    from waitress.adjustments import Adjustments
    from waitress.channel import HTTPChannel
    from waitress.server import TcpWSGIServer
    from waitress.task import ThreadedTaskDispatcher

    class Channel(HTTPChannel):
        def del_channel(self, map=None):
            if getattr(self, "_counted", False):
                self._counted = False
                caps.release(self.addr[0])
            super().del_channel(map)

    class Server(TcpWSGIServer):
        channel_class = Channel

        def handle_accept(self):
            try:
                pair = self.accept()
            except OSError:
                return
            if pair is None:
                return
            conn, addr = pair
            if not caps.admit(addr[0]):
                conn.close()
                return
            self.set_socket_options(conn)
            channel = self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
            channel._counted = True

    adj = Adjustments(host=host, port=port, threads=threads, ident="spanflow",
                      connection_limit=MAX_CONNECTIONS + 1, channel_timeout=IDLE,
                      cleanup_interval=5, backlog=LISTEN_BACKLOG,
                      max_request_header_size=MAX_HEADER, max_request_body_size=MAX_BODY)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    # waitress logs a warning for every request that waits for a thread: noise under load
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return Server(app, {}, True, None, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0])


def _cheroot(app, host, port, threads, caps, certificate, private_key):
    from cheroot import connections, wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    class LazyTLS(BuiltinSSLAdapter):
        """Wrap accepted sockets without the handshake: OpenSSL does it at the first read."""

        def __init__(self, cert, key):
            super().__init__(cert, key)
            self.context.minimum_version = ssl.TLSVersion.TLSv1_2

        def wrap(self, sock):
            s = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
            return s, self.get_environ(s)

        def get_environ(self, sock):  # the cipher is unknown before the handshake
            return {"wsgi.url_scheme": "https", "HTTPS": "on"}

    class Manager(connections.ConnectionManager):
        def _from_server_socket(self, server_socket):
            conn = super()._from_server_socket(server_socket)
            if conn is None:
                return None
            addr = getattr(conn, "remote_addr", None)
            if not caps.admit(addr):
                conn.close()
                return None
            close = conn.close

            def counted_close():
                conn.close = close  # once only
                caps.release(addr)
                close()
            conn.close, conn.fresh = counted_close, True
            return conn

    class Server(wsgi.Server):
        def prepare(self):
            super().prepare()
            if self.ready:  # swap in the counting manager before serve() selects
                plain, self._connections = self._connections, Manager(self)
                plain.close()

        def process_conn(self, conn):
            if getattr(conn, "fresh", False):  # wait in the selector, not in a thread
                conn.fresh = False
                self._connections.put(conn)
                return
            super().process_conn(conn)

    server = Server((host, port), app, numthreads=threads, server_name="spanflow",
                    timeout=SILENT, request_queue_size=LISTEN_BACKLOG)
    server.max_request_header_size, server.max_request_body_size = MAX_HEADER, MAX_BODY
    server.ssl_adapter = LazyTLS(certificate, private_key)
    return server


class Serving:
    """One started server: .port, .run() until stopped, .close(); .counters() for /metrics."""

    def __init__(self, app, host, port, threads=THREADS, certificate=None, private_key=None,
                 caps=None):
        self.caps = caps or Caps()
        self.tls = bool(certificate)
        raise_file_limit()
        if self.tls:
            self._server = _cheroot(app, host, port, threads, self.caps, certificate,
                                    private_key)
            self._server.prepare()
            self.port = self._server.bind_addr[1]
        else:
            self._server = _waitress(app, host, port, threads, self.caps)
            self.port = self._server.effective_port

    def run(self):
        if self.tls:
            self._server.serve()
        else:
            self._server.run()

    def close(self):
        if self.tls:
            self._server.stop()
        else:
            self._server.close()

    def counters(self):
        return self.caps.counters()
