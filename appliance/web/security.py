"""Security headers, CSRF tokens for POSTs, and the bind rule (loopback, or a password)."""

import functools
import hmac
import ipaddress
import secrets

from flask import abort, request, session

from ..config.checks import split_host_port
from ..errors import ConfigError

# Everything is served from this box (no CDN: it has no internet); inline code is not needed.
CSP = ("default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"  # only on HTTPS responses


def is_loopback(host):
    """Tell whether host is a loopback address (only then may the page run without a login)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_listen(text):
    """Return (host, port) from ADDR:PORT; port 0 asks the kernel for a free port."""
    if isinstance(text, str) and text.endswith(":0"):
        host, _ = split_host_port(text[:-1] + "1")
        return host, 0
    try:
        return split_host_port(text)
    except ValueError:
        raise ConfigError([f"web listen {text!r}: want an address and port such as "
                           "127.0.0.1:8080"]) from None


def check_bind(host, password_hash):
    """Refuse to listen off loopback without [web] password_hash."""
    if not is_loopback(host) and not password_hash:
        raise ConfigError([f"[web] listen on {host} is off loopback but [web] password_hash is "
                           "empty: set a werkzeug password hash or listen on 127.0.0.1"])


def check_tls(web):
    """Return (certificate, key) for HTTPS off loopback, refusing a pair that cannot be loaded."""
    import ssl
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(web.tls_certificate, web.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError([f"[web] tls_certificate {web.tls_certificate!r} / tls_key "
                           f"{web.tls_key!r}: cannot load them ({exc}); off loopback the page "
                           "needs HTTPS: give a PEM certificate and key, or listen on "
                           "127.0.0.1"]) from None
    return web.tls_certificate, web.tls_key


def add_headers(response):
    """Add the security headers to every response."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.scheme == "https":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def csrf_token():
    """Return this session's CSRF token (for a hidden form field named csrf_token)."""
    token = session.get("csrf_token")
    if not token:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return token


def check_csrf():
    """Abort with 400 unless the request carries this session's CSRF token."""
    expected = session.get("csrf_token")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(expected, given):
        abort(400, description="missing or wrong CSRF token: reload the page and try again")


def require_csrf(view):
    """Decorate a POST view so that it runs only with a valid CSRF token."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            check_csrf()
        return view(*args, **kwargs)
    return wrapped
