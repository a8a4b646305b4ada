"""Turn benchmark outputs into docs/performance.md and its PNG plots (no benchmark runs here).

Each bench prints its own table with the bare tools beside spanflow; this module keeps those
tables verbatim, pulls numbers out of the ones it knows to plot them, and reads any
`FIGURES {json}` line a bench prints.
"""

import json
import os
import re

# name -> (title, y label, regex of one row: label then numbers, which number to plot)
TABLES = {
    "idle": ("idle memory (RSS MB)", "MB", re.compile(r"^(\S.{0,25}?)\s+([\d.]+)\s+([\d.]+)\s+"
                                                      r"([\d.]+)$", re.M), 1),
    "offline": ("offline replay: packets stored (% of truth)", "%",
                re.compile(r"^(\S.{0,11}?)\s+\d+\s+\d+ \(\s*([\d.]+)%\)\s+\d+ \(\s*([\d.]+)%\)",
                           re.M), 2),
    "web": ("web p95 (ms)", "ms", re.compile(r"^(\S.{0,33}?)\s+([\d.]+)\s+150$", re.M), 1),
    "latency": ("lone packet to stored flow / graph (s)", "seconds",
                re.compile(r"^((?:bare|spanflow)[^:]+):\s+([\d.]+)", re.M), 1),
    "ingest": ("one flow file: bare nfdump vs spanflow ingest (+ detection), wall s", "seconds",
               re.compile(r"^(nfdump [^:]+|spanflow ingest[^:]*):\s+([\d.]+)\s+([\d.]+)$",
                          re.M), 1),
}
RATIO = re.compile(r"ratio|[\d.]+x\b|x of bare|x bare|\(x[\d.]+", re.I)


def figures(text):
    """Return the merged JSON of every `FIGURES {json}` line in a bench's output."""
    out = {}
    for line in text.splitlines():
        if line.startswith("FIGURES "):
            out.update(json.loads(line[len("FIGURES "):]))
    return out


def table_rows(name, text):
    """Return [(label, value)] of the rows of a known bench table, for a plot."""
    if name == "web_load":
        rows = figures(text).get("web_load", {}).get("rows", [])
        out = [(f"spanflow {r['path']}", r["spanflow"].get("p99", 0)) for r in rows]
        return out + ([("bare waitress", rows[0]["bare"].get("p99", 0))] if rows else [])
    if name == "probe_live":
        return loss_free(text)
    if name not in TABLES:
        return []
    _, _, pattern, col = TABLES[name]
    return [(m.group(1).strip(), float(m.group(1 + col))) for m in pattern.finditer(text)]


def loss_free(text):
    """Return [(config, highest achieved packets/s with nothing lost)] from probe_live's rows."""
    best = {}
    for line in text.splitlines():
        if line.startswith("{") and '"achieved_pps"' in line:
            row = json.loads(line)
            if row.get("lost") == 0 and not row.get("pcap_dropped"):
                best[row["config"]] = max(best.get(row["config"], 0), row["achieved_pps"])
    return list(best.items())


def ratio_lines(text):
    """Return the lines where a bench compares spanflow with the bare tools."""
    load = figures(text).get("web_load")
    if load:
        return [f"wrk {load['connections']} connections {load['seconds']} s on {r['path']}: "
                f"{r['spanflow']['errors']} errors, {r['spanflow']['rps']:.0f} req/s, p99 "
                f"{r['spanflow'].get('p99', 0):.1f} ms = "
                f"{r['spanflow'].get('p99', 0) / max(r['bare'].get('p99', 0), 1e-3):.2f}x bare "
                f"waitress ({r['bare'].get('p99', 0):.1f} ms)" for r in load["rows"]]
    return [line.strip() for line in text.splitlines()
            if RATIO.search(line) and not line.startswith("FIGURES ")]


def plot(name, rows, imgdir):
    """Write a bar chart of rows as imgdir/NAME.png; return its file name (None: nothing)."""
    if not rows:
        return None
    import matplotlib
    matplotlib.use("Agg")  # no display on a sensor or in CI
    import matplotlib.pyplot as plt
    title, unit = {"web_load": ("wrk 50 connections: p99 latency (ms)", "ms"),
                   "probe_live": ("live replay: highest loss-free rate", "packets/s")}.get(
                       name) or TABLES[name][:2]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(rows)))
    labels, values = zip(*rows)
    colours = ["#7f7f7f" if "bare" in lab.lower() else "#1f77b4" for lab in labels]
    ax.barh(range(len(rows)), values, color=colours)
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_title(title)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:g}", va="center")
    fig.tight_layout()
    os.makedirs(imgdir, exist_ok=True)
    fig.savefig(os.path.join(imgdir, f"{name}.png"), dpi=80)
    plt.close(fig)
    return f"{name}.png"


def machine_md(machine):
    lines = ["| | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in machine.items()]
    return "\n".join(lines)


def markdown(machine, runs, images, when):
    """Return the report: machine, a summary of ratio lines, then each bench's table and plot."""
    out = ["# Performance", "",
           f"Written by `bench/run` ({'./tasks bench'}) on {when}. Every figure below was taken in "
           "this one run, spanflow beside the bare tools (softflowd, nfcapd/nfdump, waitress) on "
           "the same machine; ratios are spanflow / bare.", "",
           "## Machine", "", machine_md(machine), "", "## Summary: spanflow against the bare tools",
           "", "| bench | comparison |", "| --- | --- |"]
    for run in runs:
        for line in ratio_lines(run["output"]) or ["(no ratio printed)"]:
            out.append(f"| {run['name']} | {line.replace('|', '/')} |")
    for run in runs:
        state = "ok" if run["returncode"] == 0 else f"FAILED (exit {run['returncode']})"
        out += ["", f"## {run['name']}", "",
                f"`{' '.join(run['argv'])}` — {run['seconds']:.0f} s, {state}", ""]
        if images.get(run["name"]):
            out += [f"![{run['name']}](img/{images[run['name']]})", ""]
        text = "\n".join(line for line in run["output"].splitlines()
                         if not line.startswith("FIGURES "))
        out += ["```", text.strip() or "(no output)", "```"]
    return "\n".join(out) + "\n"
