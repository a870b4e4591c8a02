"""The result store: one small JSON file per finished task, keyed by scenario hash and seed.

A file appears (atomically, by rename) as soon as its task finishes, so a sweep that is
interrupted or crashes keeps everything it had computed; the next run skips those tasks.
The key depends only on what is simulated (the scenario's canonical hash and the seed),
never on the variant's number or the sweep file's layout.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from corridorsim.errors import OutputError

__all__ = ["ResultStore", "task_key"]


def task_key(scenario_hash: str, seed: int) -> str:
    return f"{scenario_hash}-{int(seed)}"


class ResultStore:
    """A folder of ``<scenario hash>-<seed>.json`` files."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot create the result store "
                              f"({exc.strerror})") from exc

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.json"))

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record, or None when absent or unreadable (it is then recomputed)."""
        p = self.path(key)
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return rec if isinstance(rec, dict) and rec.get("key") == key and "rows" in rec else None

    def put(self, key: str, record: dict[str, Any]) -> Path:
        record = {**record, "key": key}
        text = json.dumps(record, allow_nan=True)  # key order kept: it is the column order
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            os.replace(tmp, self.path(key))
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise OutputError(f"{self.path(key)}: cannot write ({exc.strerror})") from exc
        return self.path(key)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()
