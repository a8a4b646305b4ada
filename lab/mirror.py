"""The sensor's verdict on the lab's SPAN session, against what a broken session should get."""

import json

from . import topo

# fault -> (what the trainee should read, a test of the side capture's report)
EXPECTED = {
    None: ("a healthy mirror", lambda r: r["verdict"] in ("ok", "unknown")),
    "doubled": ("packets seen twice: counts doubled",
                lambda r: "counts are doubled" in " ".join(r["summary"])),
    "one-way": ("conversations seen in one direction only",
                lambda r: "one direction only" in " ".join(r["summary"])),
    "partial": (f"the branch subnet {topo.BRANCH_SUBNET} missing",
                lambda r: topo.BRANCH_SUBNET in r["coverage"]["missing_subnets"]),
}


def report(status_path):
    """Return the side capture's last report from the sensor's status snapshot, or None."""
    try:
        with open(status_path) as f:
            part = json.load(f).get("span") or {}
    except (OSError, ValueError):
        return None
    r = part.get("report")
    return r if isinstance(r, dict) and "verdict" in r else None


def judge(fault, status_path):
    """Return {"fault", "expected", "verdict", "summary", "ok"} for the run's mirror."""
    want, test = EXPECTED[fault]
    r = report(status_path)
    if r is None:
        return {"fault": fault, "expected": want, "verdict": None, "ok": False,
                "summary": ["the sensor's side capture wrote no report"]}
    return {"fault": fault, "expected": want, "verdict": r["verdict"], "summary": r["summary"],
            "ok": bool(test(r))}
