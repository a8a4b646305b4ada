"""Judge the fleet export's status part for the box's page (pure; shapes as web/health.py)."""

FACTS = ("sensor", "connected", "backlog_files", "lag_seconds", "files_done", "rows_sent",
         "files_skipped", "failures", "last_error", "alerts_sent")


def item(part, rotate):
    """Return the dashboard item {name, level, summary, facts, reason} of the fleet export."""
    facts = {k: part.get(k) for k in FACTS}

    def out(level, summary):
        return {"name": "fleet", "level": level, "summary": summary, "facts": facts,
                "reason": None}  # the cluster never empties the box's own graphs
    if part.get("state") != "running":
        return out("bad", f"fleet export is {part.get('state')}")
    backlog, lag = part.get("backlog_files") or 0, part.get("lag_seconds") or 0
    if backlog > 2 or lag > 3 * rotate + 5:
        why = f": {part['last_error']}" if part.get("last_error") else ""
        return out("warn", f"cluster is {backlog} flow files ({int(lag)} s) behind{why}")
    if part.get("files_skipped"):
        return out("warn", f"{part['files_skipped']} unreadable flow files were not exported")
    return out("ok", f"{part.get('files_done', 0)} files ({part.get('rows_sent', 0)} flows) in "
                     "the cluster")
