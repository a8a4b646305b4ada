"""`spanflow web`: serve the read-only page (waitress on loopback, HTTPS off it: web/serve.py)."""

import json
import logging

from ..imports import store
from ..paths import Paths
from .output import add_json, whole

log = logging.getLogger(__name__)


def register(sub, common):
    p = sub.add_parser("web", parents=[common], help="serve the web page (read-only)")
    p.add_argument("--listen", metavar="ADDR:PORT",
                   help="override [web] listen; port 0 picks a free port")
    p.add_argument("--threads", type=whole(1, 256), default=8,
                   help="worker threads, 1 to 256 (default 8)")
    p.add_argument("--store", metavar="DIR",
                   help="serve a store made by `spanflow import --into DIR` (no config needed)")
    p.add_argument("--fleet", action="store_true",
                   help="add the fleet's central pages (every sensor in [fleet]'s cluster)")
    add_json(p, 'the address served on as one JSON line ({"url": ...})')
    p.set_defaults(func=serve, needs_config=lambda args: not args.store)


def serve(args, cfg):
    # Imported here: every other subcommand, `spanflow run` above all, stays free of Flask
    # (about 15 MB of resident memory, docs/operations.md).
    from ..web import security
    from ..web.app import create_app
    from ..web.pagecache import PageCache
    from ..web.serve import Serving

    extra, paths = {}, None
    if args.store:
        cfg, paths, end = store.view(args.store)
        extra["CLOCK"] = lambda: end  # the page opens on the capture's own last hour
    host, port = security.parse_listen(args.listen or cfg.web.listen)
    security.check_bind(host, cfg.web.password_hash)
    remote = not security.is_loopback(host)
    cert, key = security.check_tls(cfg.web) if remote else (None, None)
    app = create_app(cfg, paths or Paths.of(cfg),
                     {"AUTH_REQUIRED": remote, "SESSION_COOKIE_SECURE": remote, **extra})
    if args.fleet:
        from ..web import fleet
        fleet.attach(app)
    # the dashboard's bytes for a second at a time on loopback (no login there): web/pagecache.py
    app.wsgi_app = PageCache(app.wsgi_app, enabled=lambda: not remote)
    server = Serving(app, host, port, args.threads, cert, key)
    app.extensions["spanflow_server"] = server
    shown = f"[{host}]" if ":" in host else host
    # One line on stdout with the real port, so scripts and tests using port 0 can find it.
    url = f"{'https' if remote else 'http'}://{shown}:{server.port}/"
    print(json.dumps({"url": url}) if args.json else f"serving on {url}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
