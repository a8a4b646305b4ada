"""Score a trainee's answers against a run's truths (pure logic)."""

from datetime import datetime, timezone

TIME_SLACK = 30  # seconds: a trainee reads times off a table, not a stopwatch


def _same_host(answer, truth):
    """Tell whether an answer names the host: its name or any of its addresses (IPv4, IPv6)."""
    from .truths import NAME_OF
    answer = str(answer).strip().lower()
    return answer == truth or NAME_OF.get(answer) == truth


def _same_time(answer, truth):
    text = str(answer).strip().replace("Z", "+00:00")
    try:
        if "T" in text or " " in text:
            when = datetime.fromisoformat(text)
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        else:  # HH:MM:SS on the run's day
            h, m, s = (int(x) for x in text.split(":"))
            when = truth.replace(hour=h, minute=m, second=s, microsecond=0)
    except ValueError:
        return False
    return abs((when - truth).total_seconds()) <= TIME_SLACK


def score_field(field, answer, truth):
    if field in ("host", "target"):
        return _same_host(answer, truth)
    if field == "time":
        return _same_time(answer, truth)
    if field == "port":
        return str(answer).strip() == str(truth)
    if field == "subnet":  # 10.0.1.0/24, or 10.0.1.0 without the length
        return str(answer).strip().split("/")[0] == truth.split("/")[0]
    return str(answer).strip() == str(truth)


def score(answers, truths):
    """Return [(question, field, answer, truth, verdict)] where verdict is right|wrong|skipped."""
    out = []
    for question, truth in truths.items():
        given = answers.get(question, {})
        for field in (truth or given or {}):
            answer = given.get(field, "")
            if truth is None:
                out.append((question, field, answer, None, "skipped"))
                continue
            right = answer != "" and score_field(field, answer, truth[field])
            out.append((question, field, answer, truth[field], "right" if right else "wrong"))
    return out
