"""Parameter paths into a scenario: ``"demand[0].teu_per_week"`` → ``["demand", 0, ...]``.

A sweep names the scenario values it varies by dotted paths (``[i]`` indexes a list); these
functions read and set them in a scenario's plain-data form (``model_dump(mode="json")``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["PATH_HELP", "get_path", "parse_path", "set_path"]

PATH_HELP = ("expected a dotted path such as services.caspian_feeder.fleet or "
             "demand[0].teu_per_week")
_TOKEN = re.compile(r"([A-Za-z0-9_\-]+)|\[(\d+)\]")
_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\[\d+\])*(\.[A-Za-z0-9_\-]+(\[\d+\])*)*$")


def parse_path(path: object) -> list[str | int]:
    """``"demand[0].teu_per_week"`` → ``["demand", 0, "teu_per_week"]``."""
    if not isinstance(path, str) or not _PATH.match(path):
        raise ValueError(PATH_HELP)
    return [tok if tok else int(idx) for tok, idx in _TOKEN.findall(path)]


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``, or ``None`` where the path leads nowhere."""
    cur = data
    for tok in parse_path(path):
        if isinstance(tok, int):
            if not isinstance(cur, list) or tok >= len(cur):
                return None
            cur = cur[tok]
        else:
            if not isinstance(cur, dict) or tok not in cur:
                return None
            cur = cur[tok]
    return cur


def _shown(toks: list[str | int]) -> str:
    return "".join(f"[{t}]" if isinstance(t, int) else (f".{t}" if i else t)
                   for i, t in enumerate(toks))


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``data`` (in place); missing mapping keys are created."""
    toks = parse_path(path)
    cur: Any = data
    for n, tok in enumerate(toks):
        last = n == len(toks) - 1
        where = _shown(toks[:n + 1])
        if isinstance(tok, int):
            if not isinstance(cur, list):
                raise ValueError(f"{where}: the scenario has no list here")
            if tok >= len(cur):
                raise ValueError(f"{where}: index out of range (the list has {len(cur)} "
                                 "item(s))")
        elif not isinstance(cur, dict):
            raise ValueError(f"{where}: the scenario has no mapping here")
        if last:
            cur[tok] = value
        elif isinstance(tok, int):
            cur = cur[tok]
        else:
            if cur.get(tok) is None:
                cur[tok] = [] if isinstance(toks[n + 1], int) else {}
            cur = cur[tok]
