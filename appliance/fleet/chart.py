"""Draw trend series as a small inline SVG line chart (pure: numbers in, markup out)."""

from datetime import datetime, timezone
from html import escape

COLOURS = ("#222", "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")
W, H, PAD = 760, 220, 40
MARKED = 60  # up to this many buckets each one gets a dot


def _label(value):
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.0f}"


def svg(series, since, until, step, title):
    """Return an SVG chart of {name: [(epoch, value)]} per second over [since, until]."""
    t0, t1 = since.timestamp(), max(until.timestamp(), since.timestamp() + 1)
    top = max([v / step for pts in series.values() for _, v in pts] + [1])

    def x(t):
        return PAD + (t - t0) / (t1 - t0) * (W - 2 * PAD)

    def y(v):
        return H - PAD + 10 - (v / step) / top * (H - 2 * PAD)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'class="graph" role="img" aria-label="{escape(title)}">',
           f'<text x="{PAD}" y="14" font-size="12">{escape(title)} (per second)</text>',
           f'<line x1="{PAD}" y1="{H - PAD + 10}" x2="{W - PAD}" y2="{H - PAD + 10}" '
           'stroke="#999"/>',
           f'<text x="2" y="{PAD - 4}" font-size="10">{_label(top)}</text>']
    for t in (t0, t1):
        when = datetime.fromtimestamp(t, timezone.utc).strftime("%m-%d %H:%M")
        out.append(f'<text x="{x(t) - 30:.0f}" y="{H - 12}" font-size="10">{when}</text>')
    for i, (name, pts) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = [(x(t + step / 2), y(v)) for t, v in pts]
        if len(points) > 1:
            line = " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                       f'points="{line}"/>')
        if len(points) <= MARKED:  # a lone bucket has no line: its dot shows it
            out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}"/>'
                    for a, b in points]
        out.append(f'<text x="{W - PAD - 120}" y="{28 + 12 * i}" font-size="11" '
                   f'fill="{colour}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)
