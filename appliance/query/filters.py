"""Check an analyst's nfdump filter before it reaches nfdump."""

from ..errors import FilterError
from . import nfdump

MAX_LENGTH = 4096


def normalize(text):
    """Return the filter to pass to nfdump ("any" when empty), refusing option-like input."""
    text = (text or "").strip()
    if not text:
        return "any"
    if text.startswith("-"):
        raise FilterError(f"filter {text!r} starts with '-': give an nfdump filter such as "
                          "'proto tcp and port 22'")
    if len(text) > MAX_LENGTH or "\x00" in text:
        raise FilterError(f"filter is too long or has a NUL byte (at most {MAX_LENGTH} characters)")
    # nfdump 1.7.1's lexer silently drops some bytes outside ASCII ("é port 22" and "port 22 é"
    # both run as "port 22", measured) and has no quoted strings: refuse them all, name the first.
    odd = next((ch for ch in text if not (ch.isascii() and (ch.isprintable() or ch in "\t\n"))),
               None)
    if odd is not None:
        raise FilterError(f"filter has the character {odd!r} (U+{ord(odd):04X}) at position "
                          f"{text.index(odd) + 1}: nfdump filters are plain ASCII, such as "
                          "'proto tcp and port 22'")
    return text


def check(text, timeout=10):
    """Return the normalized filter, or raise FilterError with nfdump's own reason."""
    text = normalize(text)
    try:
        nfdump.run(["-Z", text], timeout)  # -Z: check the filter's syntax and exit
    except nfdump.NfdumpFailed as exc:
        raise FilterError(f"bad filter {text!r}: {exc.reason}") from None
    return text


def run_filtered(args, text, timeout):
    """Run nfdump with a normalized filter last; a failure caused by the filter is a FilterError.

    The filter is checked with -Z only when the query fails, which saves a process per query.
    """
    try:
        return nfdump.run([*args, text], timeout)
    except nfdump.NfdumpFailed:
        check(text, timeout=min(timeout, 10))
        raise
