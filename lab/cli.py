"""`spanflow-lab run|train|check`: the lab's command line."""

import argparse
import json
import logging
import signal
import sys

from appliance import config
from appliance.errors import SpanflowError

from . import state
from .sensor import BASE_CONFIG
from .errors import UsageError
from .traffic.catalog import MIRROR_FAULTS, SCENARIOS


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit 2), like every other refusal of ours."""

    def error(self, message):
        self.exit(2, f"spanflow-lab: {message} (see {self.prog} --help)\n")


def seconds(text):
    """Return a positive number of seconds, or refuse it as a usage error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 10 ** 7:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def parser():
    top = Parser(prog="spanflow-lab",
                 description="A Mininet office with a SPAN port feeding spanflow.")
    top.add_argument("-v", "--verbose", action="store_true")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True,
                             parser_class=Parser)
    for name, text in (("run", "run the lab, then report sent vs stored"),
                       ("train", "run the lab with the Mininet CLI and the exercises")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--switch", default="lxbr", help="lxbr (Linux bridge, default) or ovs")
        p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                       help=f"suspicious traffic to add (repeatable): {', '.join(SCENARIOS)}, or all")
        p.add_argument("--duration", type=seconds,
                       help="seconds of traffic (default: until Ctrl-C; train: until the CLI ends)")
        p.add_argument("--web", action="store_true", help="serve the web page on 127.0.0.1")
        p.add_argument("--web-listen", metavar="127.0.0.1:PORT",
                       help="where --web serves the page (default: the lab config's, 127.0.0.1:8080)")
        p.add_argument("--seed", type=int, default=1, help="traffic seed (same seed, same traffic)")
        p.add_argument("--mirror-fault", choices=MIRROR_FAULTS,
                       help="break the SPAN session as switches do (Linux bridge switch only): "
                            "doubled (rx and tx of every port), one-way (only what the server's and "
                            "the router's ports received), partial (the router's port left out)")
        p.add_argument("--json", action="store_true",
                       help="print the report as JSON on stdout (progress goes to stderr)")
    p = sub.add_parser("check", help="score exercise answers against a run's stored flows")
    p.add_argument("answers", help="the answers file (TOML, see lab/exercises/)")
    p.add_argument("--run", help="run id, or latest (the default)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    return top


def scenarios_of(args):
    names = []
    for name in args.scenario:
        names += list(SCENARIOS) if name == "all" else [name]
    return names


def cmd_run(args, train=False):
    from .preflight import preflight
    from .run import PROGRESS, Run, passed, say
    if args.json:
        PROGRESS["stream"] = sys.stderr
    scenarios = scenarios_of(args)
    if train and not scenarios:
        scenarios = list(SCENARIOS)  # a training session has them all, at random moments
    web_listen = (args.web_listen or config.load([BASE_CONFIG]).web.listen) if args.web else None
    if args.mirror_fault and args.switch != "lxbr":
        raise UsageError("--mirror-fault needs the Linux bridge switch (--switch lxbr): OVS "
                         "mirrors each packet once whatever its session covers")
    preflight(args.switch, scenarios, web_listen)
    state.clean_leftovers()
    run = Run(args.switch, scenarios, args.seed, args.mirror_fault)
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
        try:
            if train:
                from .training import train as train_session
                train_session(run, args.duration)
            else:
                run.traffic(args.duration)
        except KeyboardInterrupt:
            say("interrupted: reporting what was sent so far")
        run.settle()
        outcome = run.compare()
        if args.json:
            print(json.dumps(run.as_json(outcome), indent=1, default=str), flush=True)
        else:
            print(run.render(outcome), flush=True)
        say("all traffic stored as sent" if not outcome["mismatch"] else
            f"MISMATCH between sent and stored traffic: {', '.join(outcome['mismatch'])}"
            + (f" (expected: the mirror is {args.mirror_fault})" if args.mirror_fault else ""))
        m = outcome["mirror"]
        say(f"mirror verdict: {'; '.join(m['summary'])}"
            + ("" if m["ok"] else f" (NOT the expected {m['expected']})"))
        if outcome["missing"]:
            say(f"MISSING alerts: {', '.join(outcome['missing'])}")
        ok = passed(outcome, args.mirror_fault)
        for line in run.where_to_look():
            say(line)
    finally:
        run.close()
    return 0 if ok else 1


def cmd_check(args):
    from .exercises_check import check
    return check(args.answers, args.run, as_json=args.json)


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
