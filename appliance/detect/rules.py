"""Load rule settings from rules.d/*.toml strictly: known rules, known keys, right types."""

import glob
import os
import tomllib

from ..errors import ConfigError
from . import cleartext, dns, scan, trend, volume

FAMILIES = (cleartext, dns, volume, scan, trend)
SEVERITIES = ("low", "medium", "high")
COMMON = {"enabled": True, "severity": "medium"}
# rules raised outside rules.d, through the detector, that detect.suppress may still name:
# detect/storage.py, collector/health.py, span/component.py
OUTSIDE = ("storage", "collector_health", "arp_sweep", "arp_change", "new_device")
CHOICES = {k: v for family in FAMILIES for k, v in getattr(family, "CHOICES", {}).items()}


def defaults():
    """Return {rule: {key: default}} for every rule the families define."""
    out = {}
    for family in FAMILIES:
        for name, params in family.RULES.items():
            out[name] = {**COMMON, **params}
    return out


def names(settings):
    """Return every rule name detect.suppress may name: the rules.d rules and OUTSIDE."""
    return set(settings) | set(OUTSIDE)


def _type_problem(default, value):
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        return None if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
            else "a whole number >= 0"
    if isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        return None if ok else "a number >= 0"
    if isinstance(default, str):
        return None if isinstance(value, str) else "a string"
    if isinstance(default, list):
        return None if isinstance(value, list) and all(
            isinstance(v, (int, str)) and not isinstance(v, bool) for v in value) \
            else "a list of ports, addresses or names"
    return "unsupported"


def merge(settings, data, source):
    """Merge one file's tables into settings; return the problems found (file, rule, key)."""
    problems = []
    for rule, table in data.items():
        if rule not in settings:
            problems.append(f"{source}: unknown rule [{rule}] (known: {', '.join(sorted(settings))})")
            continue
        if not isinstance(table, dict):
            problems.append(f"{source}: {rule} must be a table [{rule}]")
            continue
        for key, value in table.items():
            if key not in settings[rule]:
                problems.append(f"{source}: {rule}.{key} is not a setting of this rule "
                                f"(known: {', '.join(sorted(settings[rule]))})")
                continue
            want = _type_problem(settings[rule][key], value)
            if key == "severity" and value not in SEVERITIES:
                want = "one of " + ", ".join(SEVERITIES)
            allowed = CHOICES.get((rule, key))
            if allowed and not want and not set(value) <= set(allowed):
                want = "a list of " + ", ".join(allowed)
            if want:
                problems.append(f"{source}: {rule}.{key} = {value!r} must be {want}")
            else:
                settings[rule][key] = float(value) if isinstance(settings[rule][key], float) \
                    else value
    return problems


def load(rules_dir):
    """Return {rule: settings} from the code defaults and rules_dir/*.toml in name order."""
    if not os.path.isdir(rules_dir):
        raise ConfigError([f"rules folder {rules_dir} is missing: create it or set "
                           "detect.rules_dir"])
    settings, problems = defaults(), []
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.toml"))):
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        problems += merge(settings, data, path)
    if problems:
        raise ConfigError(problems)
    return settings
