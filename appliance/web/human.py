"""Numbers as people read them: sizes, rates, counts and ages with units (pure)."""

SIZE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
RATE_UNITS = ("", "k", "M", "G", "T")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def size(n):
    """Return bytes as '184 KiB' (binary units, 3 significant digits)."""
    if not _number(n):
        return "?"
    n, unit = float(n), 0
    while abs(n) >= 1024 and unit < len(SIZE_UNITS) - 1:
        n, unit = n / 1024, unit + 1
    return f"{int(n)} B" if unit == 0 else f"{_digits(n)} {SIZE_UNITS[unit]}"


def _digits(x):
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"


def count(n):
    """Return a count as '713', '1.23 k', '4.5 M' (SI steps of 1000)."""
    if not _number(n):
        return "?"
    x, step = float(n), 0
    while abs(x) >= 1000 and step < len(RATE_UNITS) - 1:
        x, step = x / 1000, step + 1
    if step == 0:
        return f"{int(x)}" if x.is_integer() else _digits(x)
    return f"{_digits(x)} {RATE_UNITS[step]}"


def rate(n, unit):
    """Return a per-second rate: rate(87500, 'bit/s') -> '87.5 kbit/s', rate(0.0875, 'flows/s')."""
    if not _number(n):
        return "?"
    if 0 < abs(n) < 1:
        return f"{n * 60:.2g} {unit.replace('/s', '/min')}"  # never "87.5m flows/s"
    x, step = float(n), 0
    while abs(x) >= 1000 and step < len(RATE_UNITS) - 1:
        x, step = x / 1000, step + 1
    return f"{_digits(x) if x != int(x) else int(x)} {RATE_UNITS[step]}{unit}"


def age(seconds):
    """Return seconds as '52 s', '3 min 4 s', '2 h 5 min', '3 d 4 h'."""
    if not _number(seconds):
        return "?"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s" if s % 60 else f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"
