"""Field mappings remembered per source, so a log opened once with ``--map`` (or
mapped in the app) opens the same way next time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from desktop.paths import config_dir

FILE_NAME = "mappings.json"


def _file() -> Path:
    return config_dir() / FILE_NAME


def _read() -> dict[str, Any]:
    try:
        data = orjson.loads(_file().read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _key(path: Path) -> str:
    return str(Path(path).expanduser().resolve())


def remember(paths: list[Path], mapping: dict[str, Any]) -> None:
    """Keep ``mapping`` for each of ``paths`` (written atomically)."""
    data = _read()
    for path in paths:
        data[_key(path)] = mapping
    target = _file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    tmp.replace(target)


def recall(paths: list[Path]) -> dict[str, Any] | None:
    """The mapping remembered for these paths, when they all share one."""
    data = _read()
    found = [data.get(_key(p)) for p in paths]
    if found and all(f is not None and f == found[0] for f in found):
        return found[0]
    return None


def forget(paths: list[Path]) -> None:
    data = _read()
    if any(data.pop(_key(p), None) is not None for p in paths):
        target = _file()
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        tmp.replace(target)
