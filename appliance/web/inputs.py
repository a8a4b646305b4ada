"""Check the page's query parameters: periods, dates, numbers (pure: no Flask, no I/O)."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import durations
from ..errors import SpanflowError

# The period buttons; ?period= takes any duration of the one grammar ("1m" is a minute there).
PERIODS = ("1h", "6h", "1d", "1w", "31d", "1y")
MAX_SPAN = timedelta(days=2 * 366)  # RRD keeps 2 years of daily points (issue 4)
MAX_PARAM = 64  # longest date/number parameter accepted; the filter has its own bound
DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y-%m-%d")
_DATE_CHARS = re.compile(r"^[0-9T:\- ]+$")
# python3-rrdtool aborts the whole process on a fetch before about 1980 and nfdump 1.7.1 silently
# ignores -t outside 1970-2038 (pitfalls.md): every window must lie within both.
EARLIEST = datetime(1980, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2038, 1, 1, tzinfo=timezone.utc)
YEARS = f"{EARLIEST.year} to {LATEST.year - 1}"


class BadInput(SpanflowError):
    """A query parameter was refused; the message says which and what is allowed."""

    exit_code = 2


def zone(name):
    """Return the ZoneInfo for name, refusing unknown zones clearly."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {name!r} in [web] timezone: use e.g. 'UTC' or "
                       "'Europe/Madrid'") from None


def parse_date(name, text, tz):
    """Parse a local date/time (YYYY-MM-DD[ HH:MM[:SS]]) in tz and return it in UTC."""
    text = (text or "").strip()
    if len(text) > MAX_PARAM or not _DATE_CHARS.match(text):
        raise BadInput(f"{name}: {text[:MAX_PARAM]!r} is not a date; use YYYY-MM-DD HH:MM")
    for fmt in DATE_FORMATS:
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not EARLIEST.year <= local.year < LATEST.year:  # before converting: it may overflow
            raise BadInput(f"{name}: {text!r} is outside the years {YEARS} the sensor can read")
        return local.replace(tzinfo=tz).astimezone(timezone.utc)
    raise BadInput(f"{name}: {text!r} is not a date; use YYYY-MM-DD HH:MM")


def window(args, tz, now, default="1h", max_span=MAX_SPAN):
    """Return (start, end, label) in UTC from ?period= or ?start=&end= (custom range)."""
    if args.get("start") or args.get("end"):
        end = parse_date("end", args.get("end"), tz) if args.get("end") else now
        start = parse_date("start", args.get("start"), tz) if args.get("start") \
            else end - durations.delta(default)
        if start >= end:
            raise BadInput("start must be before end")
        if start < EARLIEST or end > LATEST:
            raise BadInput(f"the range must lie within the years {YEARS} the sensor can read")
        if max_span is not None and end - start > max_span:
            raise BadInput("the range is longer than 2 years: narrow it")
        return start, end, "custom"
    period = (args.get("period") or default)[:MAX_PARAM]
    try:
        span = durations.delta(period)
    except ValueError as exc:
        raise BadInput(f"period: {exc}") from None
    if (max_span is not None and span > max_span) or now - span < EARLIEST:
        raise BadInput(f"period: {period!r} reaches back past what the sensor keeps: narrow it")
    return now - span, now, period


def integer(args, name, default, lo, hi):
    """Return ?name= as an int within [lo, hi], or default when absent."""
    text = args.get(name)
    if text is None or text == "":
        return default
    # isascii: "²" and "٣" are digits to str.isdigit() but not to int()
    if len(text) > MAX_PARAM or not (text.isascii() and text.isdigit()):
        raise BadInput(f"{name}: {text[:MAX_PARAM]!r} is not a whole number")
    value = int(text)
    if not lo <= value <= hi:
        raise BadInput(f"{name}: {value} is out of range ({lo} to {hi})")
    return value


def choice(args, name, allowed, default):
    """Return ?name= if it is one of allowed, else refuse it."""
    value = args.get(name) or default
    if value not in allowed:
        raise BadInput(f"{name}: {value[:MAX_PARAM]!r} is not one of {', '.join(allowed)}")
    return value


def local_text(dt, tz):
    """Format a UTC datetime for display in tz, with the zone's abbreviation."""
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def form_text(dt, tz):
    """Format a UTC datetime as the search form's input value in tz."""
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M")
