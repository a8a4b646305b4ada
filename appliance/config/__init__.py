"""Typed configuration: defaults in code, TOML files merged on top, strict checks."""

from .loader import load, DEFAULT_PATHS
from .schema import Config

__all__ = ["load", "Config", "DEFAULT_PATHS"]
