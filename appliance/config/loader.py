"""Read TOML files, merge them in order, and build a checked Config.

Order: the shipped file, then *.toml in its .d folder sorted by name; or the
paths given with --config (a file, or a folder whose *.toml are read sorted).
Every problem is collected and raised together as one ConfigError.
"""

import dataclasses
import ipaddress
import os
import tomllib
import typing

from ..errors import ConfigError
from .checks import split_host_port
from .schema import Config

DEFAULT_PATHS = ("/etc/spanflow/spanflow.toml", "/etc/spanflow/spanflow.d")
META = ("sources", "origins")  # Config fields that say where values came from, not values


def expand(paths):
    """Turn files and folders into the ordered list of TOML files to read."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".toml"))
        else:
            files.append(p)
    return files


def load(paths=None, required=True):
    """Load and check the configuration from paths (default: the shipped locations)."""
    given = paths is not None and len(paths) > 0
    paths = list(paths) if given else list(DEFAULT_PATHS)
    problems, layers = [], []
    for path in expand(paths):
        if not os.path.exists(path):
            if given or (required and path == DEFAULT_PATHS[0]):
                problems.append(f"{path}: no such file")
            continue
        try:
            with open(path, "rb") as fh:
                layers.append((path, tomllib.load(fh)))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
    if problems:
        raise ConfigError(problems)
    cfg = build(layers, problems)
    if problems:
        raise ConfigError(problems)
    return cfg


def build(layers, problems):
    """Merge (path, dict) layers onto the defaults; append problems found."""
    values, origin = {}, {}
    for path, data in layers:
        _merge(values, origin, data, path, (), Config, problems)
    sections = {}
    for f in dataclasses.fields(Config):
        if f.name in META:
            continue
        sections[f.name] = _make(f.type, values.get(f.name, {}), origin, (f.name,), problems)
    cfg = Config(**sections, sources=tuple(p for p, _ in layers), origins=origin)
    if not problems:
        _cross_checks(cfg, origin, problems)
    return cfg


def _cross_checks(cfg, origin, problems):
    """Append problems that involve more than one key."""
    host, _ = split_host_port(cfg.web.listen)
    if not ipaddress.ip_address(host).is_loopback and not cfg.web.password_hash:
        where = origin.get(("web", "listen"), "defaults")
        problems.append(f"{where}: web.listen = {cfg.web.listen!r} is off loopback: it needs "
                        "web.password_hash (or listen on 127.0.0.1)")
    if cfg.detect.smtp_server and not cfg.detect.smtp_to:
        where = origin.get(("detect", "smtp_server"), "defaults")
        problems.append(f"{where}: detect.smtp_server is set but detect.smtp_to is empty: "
                        "list who gets the alerts, or set smtp_server = \"\"")


def _hints(cls):
    return typing.get_type_hints(cls)


def _merge(values, origin, data, path, prefix, cls, problems):
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in META}
    hints = _hints(cls)
    for key, val in data.items():
        keypath = prefix + (key,)
        name = ".".join(keypath)
        if key not in fields:
            known = ", ".join(sorted(fields))
            problems.append(f"{path}: unknown key {name} (known keys here: {known})")
            continue
        sub = hints[key]
        if dataclasses.is_dataclass(sub):
            if not isinstance(val, dict):
                problems.append(f"{path}: {name} = {val!r}: must be a table [{name}]")
                continue
            _merge(values.setdefault(key, {}), origin, val, path, keypath, sub, problems)
        elif isinstance(val, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **val}  # named filters merge entry by entry
            origin[keypath] = path
        else:
            values[key] = val
            origin[keypath] = path


def _make(cls, values, origin, prefix, problems):
    kwargs = {}
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        keypath = prefix + (f.name,)
        sub = hints[f.name]
        if dataclasses.is_dataclass(sub):
            kwargs[f.name] = _make(sub, values.get(f.name, {}), origin, keypath, problems)
            continue
        if f.name not in values:
            continue
        val, check = values[f.name], f.metadata.get("check")
        want = check(val) if check else None
        if want:
            problems.append(f"{origin[keypath]}: {'.'.join(keypath)} = {val!r}: must be {want}")
        else:
            kwargs[f.name] = val
    return cls(**kwargs)


def to_dict(cfg):
    """The effective configuration as plain data (for dump-config)."""
    data = dataclasses.asdict(cfg)
    for key in META:
        data.pop(key, None)
    return data
