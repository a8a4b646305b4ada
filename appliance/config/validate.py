"""One validation of a loaded config, by check-config and by `spanflow run` before it changes
anything: what needs the tools or other files (nfdump filters, rules.d, suppress names, the time
zone), beyond the per-key checks the loader makes. Every problem names its file and key.
"""

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError, FilterError
from . import checks


def where(cfg, *keypath):
    """Return the file that set keypath (or its nearest table), else "defaults"."""
    for n in range(len(keypath), 0, -1):
        if keypath[:n] in cfg.origins:
            return cfg.origins[keypath[:n]]
    return "defaults"


def filter_problems(cfg):
    """Return a problem for each ingest service or channel filter nfdump refuses."""
    from ..query import filters  # runs nfdump: loaded only when a config is validated
    problems = []
    for section in ("services", "channels"):
        for name, text in getattr(cfg.ingest, section).items():
            try:
                filters.check(text)
            except FilterError as exc:
                problems.append(f"{where(cfg, 'ingest', section, name)}: ingest.{section}.{name} "
                                f"= {text!r}: nfdump refuses it: {exc}")
    return problems


def rule_problems(cfg):
    """Return (rule names, problems) from detect.rules_dir, as the detector will load them."""
    from ..detect import rules  # the detector's own loader: one reading of rules.d
    folder = cfg.detect.rules_dir
    if not os.path.isdir(folder):  # the detector runs on its defaults then, and says so
        return rules.names(rules.defaults()), []
    try:
        return rules.names(rules.load(folder)), []
    except ConfigError as exc:
        return rules.names(rules.defaults()), exc.problems


def suppress_problems(cfg, names):
    """Return a problem when detect.suppress names a rule that does not exist (a silent typo)."""
    from ..detect.suppress import unknown_rules  # the detector's own check, at start too
    problem = unknown_rules(cfg.detect.suppress, names)
    return [f"{where(cfg, 'detect', 'suppress')}: {problem}"] if problem else []


def zone_problems(cfg):
    """Return a problem when web.timezone is no IANA zone on this box."""
    try:
        ZoneInfo(cfg.web.timezone)
        return []
    except (ZoneInfoNotFoundError, ValueError):
        return [f"{where(cfg, 'web', 'timezone')}: web.timezone = {cfg.web.timezone!r}: must be "
                "an IANA time zone such as 'UTC' or 'Europe/Madrid'"]


def validate(cfg):
    """Raise ConfigError with every problem of cfg; return the warnings (allowed, but unwise)."""
    names, problems = rule_problems(cfg)
    problems += suppress_problems(cfg, names) + zone_problems(cfg) + filter_problems(cfg)
    if problems:
        raise ConfigError(problems)
    lag = checks.rotation_lag(cfg.probe.timeouts, cfg.collector.rotate)
    return [lag] if lag else []
