"""Where Spendtrail keeps its own files (never next to the user's logs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "spendtrail"


def cache_dir() -> Path:
    """Working stores and the demo data: safe to delete at any time."""
    override = os.environ.get("SPENDTRAIL_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / APP / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / APP


def config_dir() -> Path:
    """The user's own settings and prices: kept safe, written atomically."""
    override = os.environ.get("SPENDTRAIL_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return base / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / APP
