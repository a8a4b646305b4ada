"""`spanflow-lab check ANSWERS`: score answers against the flows a run really stored."""

import json
import tomllib

from appliance import config
from appliance.paths import Paths

from . import rundata, scoring, stored, truths
from .errors import LabError


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


def check(answers_path, run_id=None, as_json=False):
    """Print the score of an answers file for a run; return 0 when every answer is right."""
    answers = load_answers(answers_path)
    run_id, folder = rundata.resolve(run_id)
    rows = stored.rows(Paths.of(config.load([folder])))
    results = scoring.score(answers, truths.truths(rows))
    right = sum(1 for r in results if r[4] == "right")
    asked = sum(1 for r in results if r[4] != "skipped")
    if as_json:
        print(json.dumps({"run": run_id, "right": right, "asked": asked, "answers": [
            {"question": q, "field": f, "answer": a, "verdict": v,
             "truth": t.isoformat() if hasattr(t, "isoformat") else t}
            for q, f, a, t, v in results]}, indent=1))
    else:
        for line in render(results):
            print(line)
        print(f"spanflow-lab: run {run_id}: {right} of {asked} answers right")
    return 0 if asked and right == asked else 1
