"""Turn alerts into graph markers: a vertical rule at each alert's time with a short legend (pure)."""

# Colours no series uses (readers.COLOURS), the same on the page's one legend per page (CSS
# .marker-high etc.): an alert never reads as a series.
COLOURS = {"high": "ff0066", "medium": "000000", "low": "8800ff"}
OTHER = "00c8a0"
SHOWN = 8  # markers drawn on one graph; more would bury the series legends


def _escape(text):
    # rrdtool splits graph elements on ':' (IPv6 keys, host:port) and treats '\' as an escape
    return text.replace("\\", "\\\\").replace(":", "\\:")


def legend(alert):
    """Return the legend of one alert, e.g. 'alert: cleartext 10.0.0.5' (at most 60 characters)."""
    text = f"alert: {alert['rule']} {alert['key']}"
    return text if len(text) <= 60 else text[:57] + "..."


def drawn(alerts, start, end, limit=SHOWN):
    """Return (the alerts a graph of [start, end] marks, oldest first; how many were left out)."""
    inside = [a for a in alerts if a["start"] <= end and a["end"] >= start]
    inside.sort(key=lambda a: (a["start"], a.get("id", 0)))
    return (inside[-limit:] if limit else []), max(0, len(inside) - limit)


def rules(alerts, start, end, limit=SHOWN):
    """Return [(epoch, colour, legend)] for alerts {rule, key, severity, start, end} in [start, end].

    A rule stands at the alert's first time inside the window; the newest alerts win past limit
    and the last legend says how many were left out.
    """
    kept, left = drawn(alerts, start, end, limit)
    out = [(max(int(start), int(a["start"])), COLOURS.get(a.get("severity"), OTHER),
            _escape(legend(a))) for a in kept]
    if left and out:
        t, colour, text = out[0]
        out[0] = (t, colour, text + _escape(f" (+{left} earlier alerts)"))
    return out
