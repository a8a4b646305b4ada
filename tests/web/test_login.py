"""The login form off loopback: session cookie flags, logout, CSRF, no open redirect, throttling."""

import re

import pytest
from werkzeug.security import generate_password_hash

from appliance.web import auth
from appliance.web.app import create_app

from .conftest import NOW


@pytest.fixture
def locked(state):
    cfg, paths = state(listen="192.0.2.10:8080", password_hash=generate_password_hash("s3cret"))
    return create_app(cfg, paths, {"CLOCK": lambda: NOW, "AUTH_REQUIRED": True,
                                   "SESSION_COOKIE_SECURE": True})


def token(client, url="/login"):
    page = client.get(url, base_url="https://localhost").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, password="s3cret", next_="/graphs"):
    return client.post("/login", base_url="https://localhost",
                       data={"csrf_token": token(client), "user": "admin", "password": password,
                             "next": next_})


def test_pages_send_to_the_form_and_apis_answer_401(locked):
    c = locked.test_client()
    r = c.get("/graphs?period=1d", base_url="https://localhost")
    assert r.status_code == 303 and "/login?next=%2Fgraphs%3Fperiod%3D1d" in r.headers["Location"]
    api = c.get("/api/status", base_url="https://localhost")
    assert api.status_code == 401 and "login required" in api.get_json()["error"]


def test_login_sets_a_secure_httponly_strict_cookie_and_logout_ends_it(locked):
    c = locked.test_client()
    r = log_in(c)
    assert r.status_code == 303 and r.headers["Location"].endswith("/graphs")
    cookie = r.headers["Set-Cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Strict"):
        assert flag in cookie, cookie
    assert c.get("/api/status", base_url="https://localhost").status_code == 200
    page = c.get("/", base_url="https://localhost").get_data(as_text=True)
    assert 'id="logout"' in page and "Log out admin" in page
    # a stolen copy of the cookie dies with the logout
    copied = next(ck.value for ck in c.cookie_jar if ck.name == "spanflow")
    out = c.post("/logout", base_url="https://localhost", data={"csrf_token": token(c, "/")})
    assert out.status_code == 303 and out.headers["Location"].endswith("/login")
    other = locked.test_client()
    other.set_cookie("localhost", "spanflow", copied)
    assert other.get("/api/status", base_url="https://localhost").status_code == 401


def test_wrong_password_and_missing_csrf_are_refused(locked):
    c = locked.test_client()
    assert log_in(c, password="nope").status_code == 401
    r = c.post("/login", base_url="https://localhost",
               data={"user": "admin", "password": "s3cret"})
    assert r.status_code == 400
    assert c.get("/api/status", base_url="https://localhost").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_no_open_redirect_after_login(locked, target):
    r = log_in(locked.test_client(), next_=target)
    assert r.status_code == 303 and r.headers["Location"] in ("/", "https://localhost/")


def test_form_logins_are_throttled(locked):
    c = locked.test_client()
    for _ in range(auth.MAX_FAILURES):
        assert log_in(c, password="guess").status_code == 401
    r = log_in(c)  # even the right password waits
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_sessions_expire_and_stay_bounded():
    now = [0.0]
    s = auth.Sessions(clock=lambda: now[0], hours=1, limit=2)
    a, b, c = s.start("admin"), s.start("admin"), s.start("admin")
    assert s.user(a) is None and s.user(b) == "admin" and s.user(c) == "admin"
    now[0] = 3601
    assert s.user(b) is None and s.user(None) is None and s.user(["x"]) is None


def test_on_loopback_there_is_no_login(client):
    assert client.get("/login").status_code == 303
    assert client.get("/").status_code == 200
