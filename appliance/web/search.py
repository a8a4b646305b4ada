"""Flow search: an nfdump filter plus a time window, paged, with CSV and JSON downloads."""

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..errors import FilterError, WindowError
from ..query import filters, view
from ..sources import UnknownSource
from . import inputs, sources, views

bp = Blueprint("search", __name__)

PAGE = 100
COLUMNS = ("first", "last", "duration", "proto_name", "src", "sport", "dst", "dport",
           "packets", "bytes", "exporter")


def params(c, args):
    """Return (filter, since, until) from the request, refusing bad input before nfdump."""
    text = args.get("filter", "")
    if len(text) > filters.MAX_LENGTH:
        raise FilterError(f"filter is longer than {filters.MAX_LENGTH} characters")
    # No span limit: files are bounded by retention, answers by rows and query_timeout.
    since, until, _ = inputs.window(args, c.tz, c.now, default="1d", max_span=None)
    return filters.normalize(text), since, until


def run(c, text, since, until, limit):
    """Run the search within the app's bounds (rows, seconds, concurrent searches)."""
    gate = current_app.extensions["spanflow_searches"]
    limit = min(limit, c.cfg.web.max_rows)
    exporter = request.args.get("exporter", "")[:inputs.MAX_PARAM] or None
    return gate.search(c.paths, text, since, until, limit, c.cfg.web.query_timeout, exporter)


@bp.get("/search")
def show():
    c = views.ctx()
    args = request.args
    form = {"filter": args.get("filter", "")[:filters.MAX_LENGTH],
            "start": args.get("start", "")[:inputs.MAX_PARAM],
            "end": args.get("end", "")[:inputs.MAX_PARAM],
            "exporter": args.get("exporter", "")[:inputs.MAX_PARAM]}
    page_max = max(1, c.cfg.web.max_rows // PAGE)
    page, result, error, rows = 1, None, None, []
    if "filter" in args:
        try:
            page = inputs.integer(args, "page", 1, 1, page_max)
            text, since, until = params(c, args)
            # every page reads the same bounded answer, newest first: the total does not grow
            # page by page ("100+", "200+": issue 14) and page 1 shows the latest flows
            result = run(c, text, since, until, c.cfg.web.max_rows)
            result.rows.sort(key=lambda r: (r["first"], r["last"]), reverse=True)
            rows = result.rows[(page - 1) * PAGE:page * PAGE]
            if not form["start"]:
                form["start"] = inputs.form_text(since, c.tz)
                form["end"] = form["end"] or inputs.form_text(until, c.tz)
        except (FilterError, WindowError, inputs.BadInput, UnknownSource) as exc:
            error = str(exc)
    status = 400 if error else 200
    return render_template("search.html", form=form, error=error, result=result, rows=rows,
                           columns=COLUMNS, page=page, page_max=page_max,
                           has_next=bool(result and page * PAGE < len(result.rows)),
                           pages=max(1, -(-len(result.rows) // PAGE)) if result else 1,
                           max_rows=c.cfg.web.max_rows,
                           tz=c.tz_name, exporters=sources.exporters(c.paths)), status


def download(c):
    text, since, until = params(c, request.args)
    return run(c, text, since, until, c.cfg.web.max_rows)


@bp.get("/search.json")
def as_json():
    result = download(views.ctx())
    return jsonify(view.result_doc(result))  # the same shape as `spanflow flows --json`


@bp.get("/search.csv")
def as_csv():
    result = download(views.ctx())
    out = view.as_csv(result.rows) + "\n"  # the same columns as `spanflow flows --format csv`
    headers = {"Content-Disposition": "attachment; filename=spanflow-flows.csv",
               "X-Spanflow-Truncated": "yes" if result.truncated else "no"}
    return Response(out, mimetype="text/csv", headers=headers)
