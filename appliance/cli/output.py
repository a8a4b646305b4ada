"""Print a command's result as JSON (--json) or as readable text; argument types and usage errors."""

import argparse
import json
import sys

INT64 = (1 << 63) - 1  # SQLite's largest INTEGER: alert ids and counts beyond it are refused


def emit(data, as_json, render):
    """Print data as indented JSON when as_json, else render(data)."""
    if as_json:
        json.dump(data, sys.stdout, indent=2, default=str)
        print()
    else:
        print(render(data))
    return 0


def add_json(parser, what="JSON instead of text"):
    """Give a subcommand the --json flag every printing command has."""
    parser.add_argument("--json", action="store_true", help=f"print {what}")


def whole(lo=1, hi=INT64):
    """Return an argparse type for a whole number from lo to hi."""
    def convert(text):
        text = text.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 40:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
        value = int(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({lo} to {hi})")
        return value
    convert.__name__ = "whole number"
    return convert


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message.splitlines()[0]} (see {self.prog} --help)\n")
