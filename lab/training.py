"""`spanflow-lab train`: the office with background traffic, scenarios at seeded random moments,
and the Mininet CLI for the trainer."""

import logging
import random
import threading

from mininet.cli import CLI
from mininet.log import setLogLevel

from .traffic.catalog import SCENARIOS


def schedule(seed, names, earliest=20, latest=240):
    """Return [(delay seconds, scenario)] at seeded random moments, so 'when?' has an answer."""
    rng = random.Random(f"{seed}:train")
    return sorted((rng.uniform(earliest, latest), name) for name in names)


def train(run):
    """Run background traffic and scenarios while the trainer uses the Mininet CLI."""
    from .agents import CLIENTS
    from .run import say
    for host, kinds in CLIENTS.items():
        run.agents.start(host, kinds, "clients")
    timers = []
    for delay, name in schedule(run.seed, run.scenarios or list(SCENARIOS)):
        host, kind, _why = SCENARIOS[name]
        timer = threading.Timer(delay, run.agents.start, args=(host, [kind], f"scenario-{name}"))
        timer.daemon = True
        timer.start()
        timers.append(timer)
    say("training: background traffic flowing, suspicious scenarios will start within 4 minutes")
    say("exercises: lab/exercises/README.md; answers: copy lab/exercises/answers.toml, then "
        f"`spanflow-lab check ANSWERS --run {run.id}`")
    say("type 'exit' in the Mininet CLI to stop the lab")
    setLogLevel("output")  # the CLI prints command output through Mininet's log...
    logging.getLogger("mininet").propagate = False  # ...which must not print it twice via ours
    try:
        CLI(run.network.net)
    finally:
        setLogLevel("error")
        for timer in timers:
            timer.cancel()
