"""Entry point of `spanflow`: parse, load config once, dispatch, map errors to exit codes."""

import argparse
import importlib
import logging
import os
import sys

from .. import __version__, config
from ..errors import SpanflowError
from .output import Parser

log = logging.getLogger(__name__)

# Each module defines register(subparsers, parent) and the functions it binds with set_defaults(func=...).
COMMAND_MODULES = ("configcmd", "runcmd", "statscmd", "flowscmd", "importcmd", "trendscmd",
                   "alertscmd", "webcmd", "fleetcmd")


def _common(default):
    """Options every subcommand takes, before or after its name."""
    common = Parser(add_help=False)
    common.add_argument("--config", action="append", metavar="PATH", default=default,
                        help="config file or folder of *.toml (repeatable; default: "
                             "/etc/spanflow/spanflow.toml and spanflow.d/)")
    common.add_argument("-v", "--verbose", action="store_true", default=default or False,
                        help="log debug messages")
    return common


def parser():
    # The subcommands' copies default to SUPPRESS so they never overwrite what was given before
    # the subcommand's name (argparse would reset it to None otherwise).
    common = _common(argparse.SUPPRESS)
    top = Parser(prog="spanflow", parents=[_common(None)],
                                  description="Network-flow sensor for a switch's SPAN port.")
    top.add_argument("--version", action="version", version=f"spanflow {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.{name}").register(sub, common)
    return top


def setup_logging(level, verbose):
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, level.upper()),
        format="%(name)s: %(levelname)s: %(message)s", stream=sys.stderr)


def main(argv=None):
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (2, one line: output.Parser), --help or --version
        return exc.code
    try:
        needs = getattr(args, "needs_config", True)
        needs = needs(args) if callable(needs) else needs
        cfg = config.load(args.config) if needs else None
        setup_logging(cfg.log.level if cfg else "info", args.verbose)
        return args.func(args, cfg) or 0
    except SpanflowError as exc:
        print(f"spanflow: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `spanflow flows | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug of ours: one line, the traceback with -v (tests fuzz for it)
        log.debug("internal error", exc_info=True)
        print(f"spanflow: internal error: {type(exc).__name__}: {exc} (run with -v for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
