"""Top talkers, ports and conversations for a window; each row links to a pre-filled search."""

from flask import Blueprint, render_template, request

from . import inputs, sources, views
from .graphs import window_args

bp = Blueprint("top", __name__)


def rows(c, args):
    """Return (kind, n, start, end, label, rows) for the request's window."""
    kind = inputs.choice(args, "kind", sources.TOP_KINDS, "hosts")
    n = inputs.integer(args, "n", 10, 1, 100)
    start, end, label = inputs.window(args, c.tz, c.now)
    return kind, n, start, end, label, sources.top(c.cfg, c.paths, kind, start, end, n)


@bp.get("/top")
def show():
    c = views.ctx()
    note = None
    try:
        kind, n, start, end, label, found = rows(c, request.args)
    except sources.Unavailable as exc:
        note, found = str(exc), []
        kind = inputs.choice(request.args, "kind", sources.TOP_KINDS, "hosts")
        n = inputs.integer(request.args, "n", 10, 1, 100)
        start, end, label = inputs.window(request.args, c.tz, c.now)
    columns = [k for k in (found[0] if found else {}) if k != "filter"]
    return render_template("top.html", kind=kind, kinds=sources.TOP_KINDS, n=n, rows=found,
                           columns=columns, note=note, label=label, periods=inputs.PERIODS,
                           window=window_args(request.args, start, end, label),
                           search_start=inputs.form_text(start, c.tz),
                           start_form=inputs.form_text(start, c.tz),
                           end_form=inputs.form_text(end, c.tz),
                           search_end=inputs.form_text(end, c.tz),
                           start=inputs.local_text(start, c.tz), end=inputs.local_text(end, c.tz),
                           tz=c.tz_name)
