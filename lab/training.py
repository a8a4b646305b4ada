"""`spanflow-lab train`: the office with background traffic, scenarios at seeded random moments,
and the Mininet CLI for the trainer."""

import logging
import os
import random
import sys
import threading
import time

from mininet.cli import CLI
from mininet.log import setLogLevel

from .traffic.catalog import SCENARIOS

EARLIEST, LATEST = 20, 240  # seconds after the start: scenarios happen at unannounced moments


def schedule(seed, names, duration=None):
    """Return [(delay seconds, scenario)] at seeded random moments, so 'when?' has an answer.

    With a duration, every scenario starts in its first 60% so it ends before the report.
    """
    latest = LATEST if duration is None else min(LATEST, 0.6 * duration)
    earliest = min(EARLIEST, latest / 4)
    rng = random.Random(f"{seed}:train")
    return sorted((rng.uniform(earliest, latest), name) for name in names)


def interactive(stdin):
    try:
        return os.isatty(stdin.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def train(run, duration=None, stdin=None):
    """Run background traffic and scenarios while the trainer uses the Mininet CLI.

    From a terminal the session ends when the trainer leaves the CLI; from a
    pipe or file the CLI runs the given commands, then the lab goes on until duration, or until
    every scheduled scenario has run, so a scripted session reports a whole run.
    """
    from .agents import CLIENTS
    from .run import say
    stdin = stdin or sys.stdin
    begin = time.monotonic()
    for host, kinds in CLIENTS.items():
        run.agents.start(host, kinds, "clients")
    plan = schedule(run.seed, run.scenarios or list(SCENARIOS), duration)
    run.scenarios = [name for _d, name in plan]
    timers = []
    for delay, name in plan:
        host, kind, _why = SCENARIOS[name]
        timer = threading.Timer(delay, run.agents.start, args=(host, [kind], f"scenario-{name}"))
        timer.daemon = True
        timer.start()
        timers.append(timer)
    last = plan[-1][0] if plan else 0
    say(f"training: background traffic flowing, suspicious scenarios will start within "
        f"{last:.0f} s")
    say("exercises: lab/exercises/README.md; answers: copy lab/exercises/answers.toml, then "
        f"`spanflow-lab check ANSWERS --run {run.id}`")
    tty = interactive(stdin)
    say("type 'exit' in the Mininet CLI to stop the lab" if tty else
        "stdin is not a terminal: running its commands, then the whole schedule")
    setLogLevel("output")  # the CLI prints command output through Mininet's log...
    logging.getLogger("mininet").propagate = False  # ...which must not print it twice via ours
    try:
        CLI(run.network.net, stdin=stdin)
        if not tty:
            end = begin + (duration if duration is not None else last + 5)
            while time.monotonic() < end or any(t.is_alive() for t in timers):
                if not run.sensor.alive():
                    break
                time.sleep(0.5)  # the pacing of this loop, not a wait for a result
    finally:
        setLogLevel("error")
        for timer in timers:
            timer.cancel()
