"""The dashboard's HTML kept for a second: the same bytes within TTL, fresh ones after, never
for a request that carries a query, a cookie or credentials, and never a non-200 answer."""

from appliance.web.pagecache import PageCache

from .conftest import NOW  # noqa: F401  (the web tier's fixtures)


def served(app, now, enabled=True):
    return PageCache(app.wsgi_app, enabled=lambda: enabled, clock=lambda: now[0])


def call(wsgi, path="/", **environ):
    out = {}

    def start(status, headers, exc_info=None):
        out["status"] = status
    body = b"".join(wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "x",
                          "SERVER_PORT": "80", "wsgi.url_scheme": "http", **environ}, start))
    return out["status"], body


def test_the_dashboard_is_kept_for_a_second(app, write_status):
    now = [0.0]
    wsgi = served(app, now)
    write_status(mirror={"state": "running", "interface": "eth1"})
    first = call(wsgi)
    write_status(mirror={"state": "running", "interface": "eth9"})
    assert call(wsgi) == first and wsgi.hits == 1  # within the second: the same bytes
    now[0] = 1.5
    status, body = call(wsgi)
    assert status.startswith("200") and b"eth9" in body  # then the new snapshot


def test_queries_cookies_credentials_and_other_paths_pass_through(app):
    now = [0.0]
    wsgi = served(app, now)
    call(wsgi)
    for extra in ({"QUERY_STRING": "x=1"}, {"HTTP_COOKIE": "spanflow=a"},
                  {"HTTP_AUTHORIZATION": "Basic eA=="}):
        call(wsgi, **extra)
    call(wsgi, "/api/status")
    assert wsgi.hits == 0
    off = served(app, now, enabled=False)
    call(off), call(off)
    assert off.hits == 0
