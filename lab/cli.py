"""`spanflow-lab run|train|check`: the lab's command line."""

import argparse
import logging
import signal
import sys

from appliance import config
from appliance.errors import SpanflowError

from . import state
from .sensor import BASE_CONFIG
from .traffic.catalog import SCENARIOS


def parser():
    top = argparse.ArgumentParser(prog="spanflow-lab",
                                  description="A Mininet office with a SPAN port feeding spanflow.")
    top.add_argument("-v", "--verbose", action="store_true")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, text in (("run", "run the lab, then report sent vs stored"),
                       ("train", "run the lab with the Mininet CLI and the exercises")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--switch", default="lxbr", help="lxbr (Linux bridge, default) or ovs")
        p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                       help=f"suspicious traffic to add (repeatable): {', '.join(SCENARIOS)}, or all")
        p.add_argument("--duration", type=float, help="seconds of traffic (default: until Ctrl-C)")
        p.add_argument("--web", action="store_true", help="serve the web page on 127.0.0.1")
        p.add_argument("--web-listen", metavar="127.0.0.1:PORT",
                       help="where --web serves the page (default: the lab config's, 127.0.0.1:8080)")
        p.add_argument("--seed", type=int, default=1, help="traffic seed (same seed, same traffic)")
    p = sub.add_parser("check", help="score exercise answers against a run's stored flows")
    p.add_argument("answers", help="the answers file (TOML, see lab/exercises/)")
    p.add_argument("--run", help="run id (default: the latest)")
    return top


def scenarios_of(args):
    names = []
    for name in args.scenario:
        names += list(SCENARIOS) if name == "all" else [name]
    return names


def cmd_run(args, train=False):
    from .preflight import preflight
    from .run import Run, say
    scenarios = scenarios_of(args)
    web_listen = (args.web_listen or config.load([BASE_CONFIG]).web.listen) if args.web else None
    preflight(args.switch, scenarios, web_listen)
    state.clean_leftovers()
    run = Run(args.switch, scenarios, args.seed)
    # Ctrl-C must reach the cleanup below, also while Mininet is busy.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    ok = False
    try:
        run.start()
        if args.web:
            url = run.start_web(web_listen)
            if url:
                say(f"web page: {url}")
        for line in run.where_to_look():
            say(line)
        if train:
            from .training import train as train_session
            try:
                train_session(run)
            except KeyboardInterrupt:
                say("interrupted: reporting what was sent so far")
        else:
            try:
                run.traffic(args.duration)
            except KeyboardInterrupt:
                say("interrupted: reporting what was sent so far")
        run.settle()
        text, bad, missing = run.compare()
        print(text, flush=True)
        say("all traffic stored as sent" if not bad else
            f"MISMATCH between sent and stored traffic: {', '.join(bad)}")
        if missing:
            say(f"MISSING alerts: {', '.join(missing)}")
        ok = not bad and not missing
        for line in run.where_to_look():
            say(line)
    finally:
        run.close()
    return 0 if ok else 1


def cmd_check(args):
    from .exercises_check import check
    return check(args.answers, args.run)


def main(argv=None):
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(name)s: %(levelname)s: %(message)s")
    try:
        if args.command == "check":
            return cmd_check(args)
        return cmd_run(args, train=args.command == "train")
    except SpanflowError as exc:
        print(f"spanflow-lab: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("spanflow-lab: interrupted; everything this run started was removed", file=sys.stderr)
        return 130
