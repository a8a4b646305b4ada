"""`spanflow check-config` and `spanflow dump-config`."""

import json
import sys

from .. import config
from ..config.loader import to_dict
from ..config.validate import validate
from ..errors import EX_CONFIG, ConfigError, InterfaceError
from ..mirror import helper
from ..paths import Paths
from .output import add_json, emit


def register(sub, common):
    p = sub.add_parser("check-config", parents=[common],
                       help="check the configuration as `spanflow run` will; print OK or every error")
    add_json(p, 'the verdict as JSON ({"ok", "sources", "problems", "warnings"})')
    p.set_defaults(func=check, needs_config=False)
    p = sub.add_parser("dump-config", parents=[common], help="print the effective merged configuration")
    p.add_argument("--json", action="store_true", help="print JSON instead of TOML")
    p.set_defaults(func=dump)


def check(args, _cfg):
    doc = {"ok": True, "sources": [], "problems": [], "warnings": []}
    try:
        cfg = config.load(args.config)
        doc["sources"] = list(cfg.sources)
        doc["warnings"] = validate(cfg)
        check_host(cfg)
    except ConfigError as exc:
        doc.update(ok=False, problems=exc.problems)
    emit(doc, args.json, _verdict)
    return 0 if doc["ok"] else EX_CONFIG


def _verdict(doc):
    lines = doc["problems"] + [f"warning: {text}" for text in doc["warnings"]]
    if doc["ok"]:
        lines.append("OK (" + ", ".join(doc["sources"]) + ")")
    return "\n".join(lines)


def check_host(cfg):
    """Check the configured mirror interface on this machine, as `spanflow run` will."""
    if not cfg.mirror.interface:
        return  # the shipped file names none; `run` says so
    try:
        helper.call("check", cfg.mirror, Paths.of(cfg).mirror_state)
    except InterfaceError as exc:
        raise ConfigError([f"mirror.interface = {cfg.mirror.interface!r}: {exc}"]) from None


def dump(args, cfg):
    data = to_dict(cfg)
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        print()
        return 0
    print("# effective configuration from: " + ", ".join(cfg.sources))
    _toml(data, ())
    return 0


def _toml(table, prefix):
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if prefix:
        print(f"\n[{'.'.join(prefix)}]")
    for key, val in scalars.items():
        print(f"{key} = {_value(val)}")
    for key, val in table.items():
        if key not in scalars:
            _toml(val, prefix + (key,))


def _value(val):
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in val.items()) + " }"
    if isinstance(val, list):
        return "[" + ", ".join(_value(v) for v in val) + "]"
    return json.dumps(val) if isinstance(val, str) else str(val)
