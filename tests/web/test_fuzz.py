"""Property-based fuzzing of every route and parameter: never a 5xx, always within the timeout.

In-process over the real readers on a real store (many examples, fast), and against a real
served `spanflow web` process (fewer examples: the point is that the process stays up, e.g. past
python3-rrdtool's abort on early windows that would also kill an in-process test run).
Bounded: about a minute in all on a loaded 2-core machine.
"""

import http.client
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from support import tools

from .server import Server, write_config

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                         package="softflowd nfdump")
QUERY_TIMEOUT = 10  # [web] query_timeout for these apps: every answer must come within it
SETTINGS = dict(deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Values a parameter may take: well-formed, near the edges, and anything at all.
DIGITS = st.text(alphabet=st.characters(whitelist_categories=("Nd", "No")), min_size=1, max_size=30)
NUMBERS = st.one_of(st.integers(-10**30, 10**30).map(str), DIGITS, st.sampled_from(
    ["0", "1", "100", "101", "2000", "99999999999999999999999999", "-1", "1e3", " 5", "²"]))
DATES = st.one_of(
    st.datetimes().map(lambda d: f"{d.year:04d}-{d:%m-%d %H:%M}"),
    st.dates().map(str),
    st.sampled_from(["1970-01-01", "0001-01-01", "9999-12-31 23:59", "1979-12-31 23:59",
                     "2038-01-19 03:14", "2023-11-14", "2026-02-30", "2026-13-01", ""]),
    st.text(max_size=40))
FILTERS = st.one_of(st.text(max_size=80), st.sampled_from(
    ["any", "proto tcp and port 22", "é port 22", "port 22 é", "\u2212r /etc/passwd",
     "-r /etc/passwd", "host 10.0.0.1", "port port", "net 10.0.0.0/8 and not port 53",
     "a" * 5000, "\x00", "'; rm -rf / #", "$(reboot)", "port 22\n"]))
WORDS = st.one_of(st.text(max_size=30), st.sampled_from(
    ["1h", "6h", "1d", "1w", "1m", "1y", "hosts", "ports", "conversations", "1", "forever"]))
PARAMS = {"period": WORDS, "start": DATES, "end": DATES, "n": NUMBERS, "kind": WORDS,
          "page": NUMBERS, "width": NUMBERS, "height": NUMBERS, "filter": FILTERS, "all": WORDS,
          "next": st.text(max_size=40)}
SEGMENT = st.one_of(st.text(min_size=1, max_size=40), NUMBERS, st.sampled_from(
    ["total", "protocol", "service", "bits", "packets", "flows", "..", "%2e%2e", "..%2f..%2fetc"]))
QUERIES = st.dictionaries(st.sampled_from(sorted(PARAMS)), st.just(None), max_size=6).flatmap(
    lambda keys: st.fixed_dictionaries({k: PARAMS[k] for k in keys}))


def routes(app):
    """Return (method, rule, converter names) for every route of the app."""
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule.rule, sorted(rule.arguments)))
    return sorted(out)


def fill(rule, values):
    path = rule
    for name, value in values.items():
        quoted = urllib.parse.quote(value, safe="")
        path = path.replace(f"<int:{name}>", quoted).replace(f"<path:{name}>", quoted)
        path = path.replace(f"<{name}>", quoted)
    return path


def request_strategy(app):
    def build(route):
        method, rule, names = route
        return st.tuples(st.just(method), st.fixed_dictionaries({n: SEGMENT for n in names})
                         .map(lambda v: fill(rule, v)), QUERIES)
    return st.sampled_from(routes(app)).flatmap(build)


@pytest.fixture(scope="module")
def fuzz_app(ingested_store):
    import dataclasses

    from appliance.config.schema import Config, Storage, Web
    from appliance.paths import Paths
    from appliance.web.app import create_app
    cfg = dataclasses.replace(Config(), storage=Storage(dir=str(ingested_store),
                                                        runtime_dir=str(ingested_store)),
                              web=Web(timezone="Europe/Madrid", query_timeout=QUERY_TIMEOUT))
    return create_app(cfg, Paths.of(cfg), {"TESTING": False})


def test_every_route_is_listed(fuzz_app):
    rules = {rule for _m, rule, _n in routes(fuzz_app)}
    for expected in ("/", "/graphs", "/graphs/<group>/<metric>.png", "/top", "/search",
                     "/search.json", "/search.csv", "/alerts", "/alerts/<int:alert_id>",
                     "/api/series/<group>/<metric>", "/metrics", "/login"):
        assert expected in rules


def test_no_route_answers_5xx_in_process(fuzz_app):
    client = fuzz_app.test_client()

    @settings(max_examples=400, **SETTINGS)
    @given(request_strategy(fuzz_app))
    def check(req):
        method, path, query = req
        t = time.monotonic()
        r = client.open(path, method=method, query_string=query,
                        data=query if method == "POST" else None)
        took = time.monotonic() - t
        # 503 is the answer for "busy" and "no data source yet", never an internal error
        assert r.status_code < 500 or r.status_code == 503, (method, path, query, r.status_code,
                                                             r.get_data()[:300])
        assert b"Traceback" not in r.get_data()
        assert took < QUERY_TIMEOUT, (method, path, query, took)
    check()


def test_the_served_process_stays_up(ingested_store, tmp_path, fuzz_app):
    config = write_config(str(tmp_path / "spanflow.toml"), str(ingested_store),
                          timezone="Asia/Tokyo", query_timeout=QUERY_TIMEOUT)
    srv = Server(config)
    host, port = srv.url.split("//")[1].rsplit(":", 1)
    try:
        @settings(max_examples=150, **SETTINGS)
        @given(request_strategy(fuzz_app))
        def check(req):
            method, path, query = req
            target = path + ("?" + urllib.parse.urlencode(query) if query else "")
            conn = http.client.HTTPConnection(host, int(port), timeout=QUERY_TIMEOUT + 5)
            t = time.monotonic()
            try:
                body = urllib.parse.urlencode(query) if method == "POST" else None
                headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
                conn.request(method, target, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
            finally:
                conn.close()
            took = time.monotonic() - t
            assert srv.proc.poll() is None, ("spanflow web died", method, target)
            assert r.status < 500 or r.status == 503, (method, target, r.status)
            assert took < QUERY_TIMEOUT, (method, target, took)
        check()
    finally:
        srv.stop()
