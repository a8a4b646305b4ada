"""`spanflow-lab check ANSWERS`: score answers against the flows a run really stored."""

import glob
import os
import tomllib

from appliance import config
from appliance.paths import Paths

from . import scoring, state, stored, truths
from .errors import LabError
from .sensor import BASE_CONFIG


def run_configs(run_id=None):
    """Return (run id, the --config list) of a run: the given one or the latest."""
    if run_id:
        run_toml = os.path.join(state.RUN_ROOT, run_id, "run.toml")
        if not os.path.exists(run_toml):
            raise LabError(f"no lab run {run_id!r} under {state.RUN_ROOT}; "
                           "use the id spanflow-lab printed")
    else:
        found = sorted(glob.glob(os.path.join(state.RUN_ROOT, "*", "run.toml")))
        if not found:
            raise LabError("no lab run found; start one with spanflow-lab train or run")
        run_toml = found[-1]
    return os.path.basename(os.path.dirname(run_toml)), [BASE_CONFIG, run_toml]


def load_answers(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise LabError(f"cannot read answers {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"answers {path} are not valid TOML: {exc}") from None


def render(results):
    lines = []
    for question, field, answer, truth, verdict in results:
        shown = truth.strftime("%H:%M:%S") if hasattr(truth, "strftime") else truth
        extra = f" (stored flows say: {shown})" if verdict == "wrong" else ""
        if verdict == "skipped":
            extra = " (not in this run)"
        lines.append(f"{verdict:7} {question}.{field} = {answer!r}{extra}")
    return lines


def check(answers_path, run_id=None):
    """Print the score of an answers file for a run; return 0 when every answer is right."""
    answers = load_answers(answers_path)
    run_id, configs = run_configs(run_id)
    rows = stored.rows(Paths.of(config.load(configs)))
    results = scoring.score(answers, truths.truths(rows))
    for line in render(results):
        print(line)
    right = sum(1 for r in results if r[4] == "right")
    asked = sum(1 for r in results if r[4] != "skipped")
    print(f"spanflow-lab: run {run_id}: {right} of {asked} answers right")
    return 0 if asked and right == asked else 1
