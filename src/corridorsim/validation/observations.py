"""The versioned observations file: published figures the model is checked against.

``corridorsim/data/observations.csv`` holds one row per figure, each with its source id
(``Sxx``, the project fact sheet; ``T-xx``, its 2024–2026 addendum), year and role:
``validation`` (counted in the pass rate), ``calibration`` (a target a calibrated parameter
was fitted to; its residual is shown but never counted) or ``input`` (a figure the model takes
as an input; shown, never counted). Header lines start with ``#``; the first
names the file's version, which every row repeats in its ``version`` column.
"""

from __future__ import annotations

import io
import math
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from corridorsim.errors import ScenarioError

__all__ = ["COLUMNS", "KINDS", "ROLES", "ObservationError", "load_observations", "observations_path"]

COLUMNS = ("version", "id", "kind", "role", "quantity", "measure", "subject", "statistic", "observed",
           "low", "high", "tolerance", "unit", "condition", "source", "year", "note")
KINDS = ("component", "schedule")
ROLES = ("validation", "calibration", "input")
UNITS = ("h", "d", "TEU", "TEU/yr", "TEU/quarter", "km/h", "trains/day", "trains/week",
         "voyages/week", "wagons/day")
_SOURCE = re.compile(r"^(S\d+|T-[A-Z]+\d+)(\s*;\s*(S\d+|T-[A-Z]+\d+))*$")


class ObservationError(ScenarioError):
    """The observations file is malformed (a row without source or year, a bad band, ...)."""


def observations_path() -> Path:
    return Path(str(resources.files("corridorsim") / "data" / "observations.csv"))


def _header_version(text: str) -> int | None:
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = re.search(r"version\s+(\d+)", line)
        if m:
            return int(m.group(1))
    return None


def _check_row(row: pd.Series, where: str, version: int) -> None:
    """Raise :class:`ObservationError` at the first problem of one observation row."""
    from corridorsim.validation.measure import MEASURES

    if not row["id"]:
        raise ObservationError(f"{where}: id is empty")
    if not row["source"] or not _SOURCE.match(row["source"]):
        raise ObservationError(f"{where}: source must name fact-sheet ids like 'S12' or "
                               f"'S12; S13' or 'T-V5' (found {row['source']!r})")
    if not re.fullmatch(r"(19|20)\d\d", row["year"]):
        raise ObservationError(f"{where}: year must be a four-digit year (found {row['year']!r})")
    if row["version"] != str(version):
        raise ObservationError(f"{where}: version {row['version']!r} differs from the "
                               f"file's version {version}")
    for col, allowed in (("kind", KINDS), ("role", ROLES), ("unit", UNITS)):
        if row[col] not in allowed:
            raise ObservationError(f"{where}: {col} must be one of {', '.join(allowed)} "
                                   f"(found {row[col]!r})")
    if row["measure"] not in MEASURES:
        raise ObservationError(f"{where}: unknown measure {row['measure']!r}; known: "
                               f"{', '.join(sorted(MEASURES))}")
    try:
        obs, low, high, tol = (float(row[k]) for k in ("observed", "low", "high", "tolerance"))
    except ValueError as exc:
        raise ObservationError(f"{where}: observed, low, high and tolerance must be "
                               f"numbers ({exc})") from None
    if not all(math.isfinite(x) for x in (obs, low, high, tol)):
        raise ObservationError(f"{where}: observed, low, high, tolerance must be finite")
    if not (low <= high) or not (0 <= tol < 1):
        raise ObservationError(f"{where}: need low <= high and 0 <= tolerance < 1")
    if not (low <= obs <= high):
        raise ObservationError(f"{where}: observed {obs:g} lies outside its band "
                               f"[{low:g}, {high:g}]")


def load_observations(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the observations file; every row needs a source and a year.

    Raises :class:`ObservationError` naming the file, row id and field on any problem.
    """
    p = Path(path) if path is not None else observations_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ObservationError(f"{p}: cannot read ({exc.strerror})") from exc
    version = _header_version(text)
    if version is None:
        raise ObservationError(f"{p}: the first lines must name the version ('# ... version N')")
    raw = pd.read_csv(io.StringIO(text), comment="#", dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ObservationError(f"{p}: missing column(s) {', '.join(missing)}")
    df: pd.DataFrame = raw[list(COLUMNS)].apply(lambda s: s.str.strip())
    if df["id"].duplicated().any():
        dup = sorted(set(df.loc[df["id"].duplicated(), "id"]))
        raise ObservationError(f"{p}: duplicate id(s) {', '.join(dup)}")
    for i, (_, row) in enumerate(df.iterrows()):  # the index is 0, 1, ... (read_csv)
        _check_row(row, f"{p}: row {i + 1} ({row['id'] or 'no id'})", version)
    for col in ("observed", "low", "high", "tolerance"):
        df[col] = df[col].astype(float)
    df["year"] = df["year"].astype(int)
    df["version"] = df["version"].astype(int)
    df.attrs["version"] = version
    df.attrs["path"] = str(p)
    return df
