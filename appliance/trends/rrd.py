"""RRD files of the trend series: schema, create, layout check/migration, update, fetch, graph.

The only module that calls rrdtool (python3-rrdtool). Each group has one file holding, per
series name, three ABSOLUTE data sources `<name>_f`, `<name>_p`, `<name>_b` (flows, packets,
bytes per interval; rrdtool turns them into rates per second).
"""

import logging
import math
import os
import re
import threading
import time

import rrdtool

from ..errors import SpanflowError, ToolError

log = logging.getLogger(__name__)

SUFFIX = {"flows": "f", "packets": "p", "bytes": "b"}
# (resolution in seconds, span in seconds): issue 4's minimum archives
ARCHIVES = ((60, 2 * 86400), (300, 14 * 86400), (3600, 93 * 86400), (86400, 732 * 86400))
FINE_SPAN = 6 * 3600  # extra step-resolution archive when the step is under a minute (lab, tests)
HW_GROUP = "total"  # Holt-Winters prediction lives on the main total series only
_TZ_LOCK = threading.Lock()
# python3-rrdtool 1.7.2 aborts the whole process in glibc on a fetch before about 1980, and reads
# a negative start as "now minus" (pitfalls.md): refuse such windows before the binding.
EARLIEST = 315532800  # 1980-01-01 UTC


def _check_window(path, start, end):
    if not EARLIEST <= int(start) < int(end):
        raise ToolError(f"cannot read {path} from {int(start)} to {int(end)}: the window must "
                        "start after 1980-01-01 and end after it starts")


class LayoutError(SpanflowError):
    """An RRD file does not match the layout the config asks for and cannot be migrated."""


def ds_names(names):
    """Return the data source names for series names, in file order."""
    return [f"{n}_{s}" for n in names for s in SUFFIX.values()]


def archives(step):
    """Return (cf, pdp_per_row, rows) of every archive for a step, finest first."""
    plan = [(step, FINE_SPAN)] if step < 60 else []
    plan += list(ARCHIVES)
    out, seen = [], set()
    for res, span in plan:
        pdp = max(1, res // step)
        if pdp in seen:
            continue
        seen.add(pdp)
        rows = math.ceil(span / (pdp * step))
        out += [("AVERAGE", pdp, rows), ("MAX", pdp, rows)]
    return out


def _create_args(group, names, step, start):
    args = ["--step", str(step), "--start", str(int(start))]
    args += [f"DS:{ds}:ABSOLUTE:{2 * step}:0:U" for ds in ds_names(names)]
    args += [f"RRA:{cf}:0.5:{pdp}:{rows}" for cf, pdp, rows in archives(step)]
    if group == HW_GROUP:
        season = max(2, 86400 // step)  # daily season; needs two seasons before FAILURES mean much
        keep = 7 if step >= 60 else 2  # a week of predictions; 2 days in the lab (18 MiB at 2 s)
        args.append(f"RRA:HWPREDICT:{season * keep}:0.1:0.0035:{season}")
    return args


def create(path, group, names, step, start):
    """Create the RRD file of a group with one ABSOLUTE DS per series and metric."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        rrdtool.create(path, *_create_args(group, names, step, start))
    except rrdtool.OperationalError as exc:
        raise ToolError(f"cannot create {path}: {exc}; check free space and that spanflow may "
                        "write [storage] dir") from None


def layout(path):
    """Return (step, ds names, [(cf, pdp, rows)]) of an existing RRD file."""
    info = rrdtool.info(path)
    ds = sorted({m.group(1) for k in info for m in [re.match(r"ds\[(\w+)\]\.type", k)] if m},
                key=lambda d: info[f"ds[{d}].index"])
    rras, i = [], 0
    while f"rra[{i}].cf" in info:
        cf = info[f"rra[{i}].cf"]
        if cf in ("AVERAGE", "MAX"):
            rras.append((cf, info[f"rra[{i}].pdp_per_row"], info[f"rra[{i}].rows"]))
        i += 1
    return info["step"], ds, rras


def ensure(path, group, names, step, start):
    """Create the file, or check its layout; add/remove series when only the names changed."""
    if not os.path.exists(path):
        create(path, group, names, step, start)
        return "created"
    have_step, have_ds, have_rras = layout(path)
    if have_step != step or have_rras != archives(step):
        raise LayoutError(
            f"{path} has step {have_step}s and {len(have_rras)} archives but collector.rotate="
            f"{step} needs step {step}s and {len(archives(step))} archives: move the file away "
            "(history is lost) or set collector.rotate back")
    want = ds_names(names)
    if have_ds == want:
        return "ok"
    gone = [d for d in have_ds if d not in want]
    new = [d for d in want if d not in have_ds]
    tune = [f"DEL:{d}" for d in gone] + [f"DS:{d}:ABSOLUTE:{2 * step}:0:U" for d in new]
    log.info("migrating %s: removing %s, adding %s", path, gone, new)
    try:
        rrdtool.tune(path, *tune)
    except rrdtool.OperationalError as exc:
        raise LayoutError(f"cannot migrate {path} to the configured series ({exc}): move the "
                          "file away (history is lost)") from None
    return "migrated"


def last(path):
    """Return the time of the last update of a file (0 if it does not exist)."""
    return rrdtool.last(path) if os.path.exists(path) else 0


def update(path, when, values):
    """Store per-interval counts {ds name: number} at time `when` (must be after the last update)."""
    names = list(values)
    try:
        rrdtool.update(path, "--template", ":".join(names),
                       f"{int(when)}:" + ":".join(str(int(values[n])) for n in names))
    except rrdtool.OperationalError as exc:
        raise ToolError(f"cannot update {path}: {exc}; an RRD file takes only times after its "
                        "last update: check the system clock") from None


def fetch(path, start, end, points=800, cf="AVERAGE"):
    """Return ((start, end, step), ds names, rows) of a CF at about `points` rows."""
    _check_window(path, start, end)
    res = max(1, int((end - start) // points))
    try:
        return rrdtool.fetch(path, cf, "-s", str(int(start)), "-e", str(int(end)),
                             "-r", str(res))
    except rrdtool.OperationalError as exc:
        raise ToolError(f"cannot read {path}: {exc}; move the damaged file away, ingest "
                        "recreates it") from None


def graph(path, lines, start, end, title, vlabel, width, height, tz, rules=()):
    """Render a stacked PNG; lines are (ds, legend, colour, scale[, file]), rules (epoch, colour, legend).

    A line's own file, when given, replaces path (the exporter group reads one file per source).
    """
    _check_window(path, start, end)
    args = ["-", "--start", str(int(start)), "--end", str(int(end)), "--width", str(width),
            "--height", str(height), "--title", title, "--vertical-label", vlabel,
            "--lower-limit", "0", "--imgformat", "PNG", "--slope-mode"]
    # rrdtool's %s prefix turns 0.0875 flows/s into "87.5m" (issue 14): SI prefixes for bits
    # only, where they go up (k, M, G); plain numbers with two decimals for the rest
    number = "%6.1lf %s" if vlabel.startswith("bits") else "%9.2lf"
    if not vlabel.startswith("bits"):
        args += ["--units-exponent", "0", "--left-axis-format", "%.2lf"]
    for i, (ds, legend, colour, scale, *own) in enumerate(lines):
        args.append(f"DEF:d{i}={own[0] if own else path}:{ds}:AVERAGE")
        args.append(f"CDEF:v{i}=d{i},{scale},*")
        args.append(f"{'AREA' if i == 0 else 'STACK'}:v{i}#{colour}:{legend:<10}")
        args.append(f"GPRINT:v{i}:AVERAGE:avg {number}")
        args.append(f"GPRINT:v{i}:MAX:max {number}\\l")
    # alert markers: legends come escaped from trends.markers (':' separates rrdtool fields)
    args += [f"VRULE:{int(t)}#{colour}:{legend}\\l" if legend else f"VRULE:{int(t)}#{colour}"
             for t, colour, legend in rules]
    # rrdtool draws the time axis in the process's local zone; switch it under a lock
    with _TZ_LOCK:
        old = os.environ.get("TZ")
        os.environ["TZ"] = tz
        time.tzset()
        try:
            return rrdtool.graphv(*args)["image"]
        except rrdtool.OperationalError as exc:
            raise ToolError(f"cannot draw {path}: {exc}") from None
        finally:
            if old is None:
                os.environ.pop("TZ", None)
            else:
                os.environ["TZ"] = old
            time.tzset()
