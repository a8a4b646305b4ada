"""Serve the dashboard's HTML from memory for a second at a time (a WSGI wrapper around the app).

Under 50 connections each dashboard request cost a full Flask render (about 1 ms of CPU on the
2-core box): p99 was 5.75x a bare waitress page (issue 14). The page shows a snapshot written
once a second, so the same bytes for up to TTL seconds lose nothing. Only anonymous GETs of the
plain dashboard are kept (on loopback: no login, no session cookie); everything else passes.
"""

import threading
import time

TTL = 1.0
PATHS = ("/",)


class PageCache:
    """Wrap a WSGI app; answer GET PATHS without a query from a copy at most TTL seconds old."""

    def __init__(self, app, enabled, clock=time.monotonic, ttl=TTL):
        self.app, self.enabled, self.clock, self.ttl = app, enabled, clock, ttl
        self._pages, self._lock = {}, threading.Lock()
        self.hits = 0

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not (self.enabled() and environ.get("REQUEST_METHOD") == "GET" and path in PATHS
                and not environ.get("QUERY_STRING") and not environ.get("HTTP_COOKIE")
                and not environ.get("HTTP_AUTHORIZATION")):
            return self.app(environ, start_response)
        now = self.clock()
        with self._lock:
            kept = self._pages.get(path)
        if kept and now - kept[0] < self.ttl:
            self.hits += 1
            start_response(kept[1], list(kept[2]))
            return [kept[3]]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)
        body = b"".join(self.app(environ, capture))
        if captured.get("status", "").startswith("200") and not any(
                name.lower() == "set-cookie" for name, _ in captured["headers"]):
            with self._lock:
                self._pages[path] = (now, captured["status"], tuple(captured["headers"]), body)
        return [body]
