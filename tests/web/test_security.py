"""Security: headers, the loopback rule, credentials off loopback, throttling, CSRF."""

import base64

import pytest
from flask import Blueprint
from werkzeug.security import generate_password_hash

from appliance.errors import ConfigError
from appliance.web import auth, security
from appliance.web.app import create_app

from .conftest import NOW


def basic(user, password):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def locked(state):
    """An app as it runs off loopback: every route needs admin/s3cret."""
    cfg, paths = state(listen="192.0.2.10:8080", password_hash=generate_password_hash("s3cret"))
    return create_app(cfg, paths, {"CLOCK": lambda: NOW, "AUTH_REQUIRED": True})


def test_security_headers_on_every_response(client):
    for url in ("/", "/nosuch", "/static/spanflow.css", "/api/status"):
        r = client.get(url)
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"


def test_page_loads_nothing_from_outside(client):
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "127.0.0.2"])
def test_loopback_needs_no_password(host):
    security.check_bind(host, "")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_off_loopback_without_password_is_refused(host):
    with pytest.raises(ConfigError, match="password_hash"):
        security.check_bind(host, "")
    security.check_bind(host, generate_password_hash("x"))


def test_parse_listen_accepts_port_zero_and_refuses_junk():
    assert security.parse_listen("127.0.0.1:0") == ("127.0.0.1", 0)
    assert security.parse_listen("[::1]:8080") == ("::1", 8080)
    for bad in ("localhost:80", "127.0.0.1", "127.0.0.1:99999", "; rm -rf /:1"):
        with pytest.raises(ConfigError):
            security.parse_listen(bad)


@pytest.mark.parametrize("url", ["/", "/graphs", "/search", "/api/status", "/metrics",
                                 "/graphs/protocol/bits.png", "/search.csv?filter=any"])
def test_off_loopback_every_route_needs_credentials(locked, url):
    c = locked.test_client()
    r = c.get(url)
    if url.startswith(("/api/", "/metrics")) or url.endswith((".png", ".csv?filter=any")):
        assert r.status_code == 401 and "Basic" in r.headers["WWW-Authenticate"]
    else:  # a page: to the login form
        assert r.status_code == 303 and "/login?next=" in r.headers["Location"]
    assert c.get(url, headers=basic("admin", "wrong")).status_code == 401


def test_right_credentials_let_in(locked):
    r = locked.test_client().get("/api/status", headers=basic("admin", "s3cret"))
    assert r.status_code == 200


def test_failed_logins_are_throttled(locked):
    c = locked.test_client()
    for _ in range(auth.MAX_FAILURES):
        assert c.get("/", headers=basic("admin", "guess")).status_code == 401
    r = c.get("/", headers=basic("admin", "s3cret"))  # even the right password waits
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_throttle_forgets_after_window():
    now = [0.0]
    t = auth.Throttle(clock=lambda: now[0], limit=2, window=10)
    t.failed("a"), t.failed("a")
    assert t.blocked("a") > 0 and t.blocked("b") == 0
    now[0] = 11
    assert t.blocked("a") == 0


def test_throttle_keeps_a_blocked_client_under_a_spray_of_addresses():
    # issue 14: 10,001 failures from other addresses used to clear the whole table
    now = [0.0]
    t = auth.Throttle(clock=lambda: now[0])
    for _ in range(auth.MAX_FAILURES):
        t.failed("192.0.2.1")
    for i in range(auth.MAX_CLIENTS + 1):
        t.failed(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
    assert t.blocked("192.0.2.1") > 0
    assert len(t._fails) <= auth.MAX_CLIENTS + 1


def test_throttle_refuses_newcomers_when_every_remembered_client_is_blocked():
    now = [0.0]
    t = auth.Throttle(clock=lambda: now[0], limit=2, window=10, max_clients=3)
    for client in ("a", "b", "c", "d"):
        t.failed(client), t.failed(client)
    assert all(t.blocked(c) for c in "abcd") and t.blocked("new") > 0
    now[0] = 11
    assert t.blocked("a") == 0 and t.blocked("new") == 0


def test_csrf_guards_posts(state):
    cfg, paths = state()
    bp = Blueprint("probe_post", __name__)

    @bp.route("/form", methods=["GET", "POST"])
    @security.require_csrf
    def form():
        return security.csrf_token()

    app = create_app(cfg, paths)
    app.register_blueprint(bp)
    c = app.test_client()
    assert c.post("/form").status_code == 400
    token = c.get("/form").get_data(as_text=True)
    assert c.post("/form", data={"csrf_token": "forged"}).status_code == 400
    assert c.post("/form", data={"csrf_token": token}).status_code == 200
    assert c.post("/form", headers={"X-CSRF-Token": token}).status_code == 200


def test_huge_body_is_refused(client):
    # a route that reads its form: a small body gets as far as the CSRF check (400), a body over
    # MAX_CONTENT_LENGTH is refused for its size (413) before anything reads it
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/alerts/1/ack", data="csrf_token=x", headers=form).status_code == 400
    assert client.post("/alerts/1/ack", data="csrf_token=" + "x" * 200_000,
                       headers=form).status_code == 413


def test_templates_need_no_inline_code_under_the_csp():
    import glob
    import os

    import appliance.web
    folder = os.path.join(os.path.dirname(appliance.web.__file__), "templates")
    for path in glob.glob(os.path.join(folder, "*.html")):
        text = open(path).read()
        for banned in ("<script", "style=", "onclick=", "onload=", "javascript:", "http://",
                       "https://"):
            assert banned not in text, (path, banned)
