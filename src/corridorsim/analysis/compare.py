"""Compare two run folders (a delta table per route instance, B − A) or two scenarios
(paired differences over replications with common random numbers, and the parameters that
differ)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridorsim.outputs import read_summary

if TYPE_CHECKING:
    from corridorsim.experiments.paired import PairedRuns
    from corridorsim.network import Network
    from corridorsim.scenario.model import Scenario

__all__ = ["KPIS", "ScenarioComparison", "compare_runs", "compare_scenarios", "delta_table",
           "parameter_diff"]

KPIS = ["teu_delivered", "transit_days_mean", "transit_days_p50", "transit_days_p90",
        "on_time_share", "co2e_wtw_kg_per_teu", "cost_usd_per_teu"]
INSTANCE = ["route", "origin", "destination"]
#: left out of the parameter diff: labels, and the seed (both scenarios run with A's seeds)
NOT_PARAMETERS = ("name", "description", "provenance", "seed")
ABSENT = "—"


def delta_table(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """One row per route instance present in either run: each KPI in A, in B and B − A.

    Rows are matched on ``route``, ``origin`` and ``destination``; on ``route`` alone when
    one of the summaries has no origin/destination (written by an older corridorsim).
    """
    keys = [c for c in INSTANCE if c in a.columns and c in b.columns]
    cols = [k for k in KPIS if k in a.columns or k in b.columns]
    left = a[[*keys, *[c for c in cols if c in a.columns]]]
    right = b[[*keys, *[c for c in cols if c in b.columns]]]
    m = left.merge(right, on=keys, how="outer", suffixes=("_a", "_b")).set_index(keys)
    out = pd.DataFrame(index=m.index)
    for c in cols:
        ca, cb = f"{c}_a", f"{c}_b"
        if ca in m and cb in m:
            out[ca], out[cb] = m[ca], m[cb]
            out[f"{c}_delta"] = m[cb] - m[ca]
    return out.reset_index().round(3)


def _out_dir(out: Path) -> Path:
    from corridorsim.errors import OutputError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create folder ({exc.strerror})") from exc
    return out


def compare_runs(run_a: Path, run_b: Path, *, out: Path | None = None) -> tuple[pd.DataFrame, list[Path]]:
    table = delta_table(read_summary(run_a), read_summary(run_b))
    paths: list[Path] = []
    if out is not None:
        _out_dir(out)
        table.to_csv(out / "compare.csv", index=False)
        paths.append(out / "compare.csv")
        try:
            from corridorsim.viz import write_compare_report
        except ImportError:
            pass
        else:
            paths += write_compare_report(run_a, run_b, table, out)
    return table, paths


# ------------------------------------------------------------------------------ parameters
_MISSING = object()


def _text(v: Any) -> str:
    if v is _MISSING or v is None:  # absent and unset (null) read alike: not set
        return ABSENT
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))


def _is_map(v: Any) -> bool:
    return isinstance(v, dict) or v is _MISSING


def _is_records(v: Any) -> bool:
    return (isinstance(v, list) and all(isinstance(x, dict) for x in v)) or v is _MISSING


def _walk(a: Any, b: Any, path: str, out: list[tuple[str, str, str]]) -> None:
    if a is not _MISSING and b is not _MISSING and type(a) is type(b) and a == b:
        return
    if _is_map(a) and _is_map(b):
        da: dict[str, Any] = {} if a is _MISSING else a
        db: dict[str, Any] = {} if b is _MISSING else b
        for k in [*da, *(k for k in db if k not in da)]:
            _walk(da.get(k, _MISSING), db.get(k, _MISSING), f"{path}.{k}" if path else k, out)
    elif _is_records(a) and _is_records(b) and (a or b):
        la: list[Any] = [] if a is _MISSING else a
        lb: list[Any] = [] if b is _MISSING else b
        for i in range(max(len(la), len(lb))):
            _walk(la[i] if i < len(la) else _MISSING, lb[i] if i < len(lb) else _MISSING,
                  f"{path}[{i}]", out)
    elif _text(a) != _text(b):
        out.append((path, _text(a), _text(b)))


def parameter_diff(a: Scenario, b: Scenario) -> pd.DataFrame:
    """The scenario values that differ between A and B: ``parameter`` (a dotted path, as in
    sweep files, e.g. ``disruptions[0].target``), ``a`` and ``b`` (``—`` where a scenario
    has no such value or leaves it unset), from both scenarios' canonical dumps; name, description, sources
    and seed are left out."""
    da = a.model_dump(mode="json", exclude=set(NOT_PARAMETERS))
    db = b.model_dump(mode="json", exclude=set(NOT_PARAMETERS))
    rows: list[tuple[str, str, str]] = []
    _walk(da, db, "", rows)
    return pd.DataFrame(rows, columns=["parameter", "a", "b"])


# ------------------------------------------------------------------------------ scenarios
@dataclass(frozen=True)
class ScenarioComparison:
    """Two scenarios compared over paired replications."""

    runs: PairedRuns
    table: pd.DataFrame       # paired differences per route instance and KPI
    parameters: pd.DataFrame  # parameter, a, b

    def replications_table(self) -> pd.DataFrame:
        """Every replication's summary rows of A then B, with ``side`` and ``scenario``."""
        parts = [df.assign(side=side, scenario=scn.name)
                 for side, scn, df in (("A", self.runs.a, self.runs.rep_a),
                                       ("B", self.runs.b, self.runs.rep_b))]
        both = pd.concat(parts, ignore_index=True)
        first = ["side", "scenario", "replication", "seed"]
        return both[[*first, *(c for c in both.columns if c not in first)]]


def compare_scenarios(a: Scenario, b: Scenario, net: Network | None = None, *,
                      replications: int, seed: int | None = None, workers: int = 0,
                      scheduler: str | None = None, quiet: bool = False,
                      out: Path | None = None) -> tuple[ScenarioComparison, list[Path]]:
    """Run A and B ``replications`` times with common random numbers; with ``out``, write
    ``compare.csv`` (the paired table), ``compare_parameters.csv``,
    ``compare_replications.csv`` and ``compare.html``."""
    from corridorsim.experiments.paired import paired_differences, run_paired

    runs = run_paired(a, b, net, replications=replications, seed=seed, workers=workers,
                      scheduler=scheduler, quiet=quiet)
    cmp = ScenarioComparison(runs, paired_differences(runs.rep_a, runs.rep_b, KPIS),
                             parameter_diff(a, b))
    paths: list[Path] = []
    if out is not None:
        _out_dir(out)
        for name, df in (("compare.csv", cmp.table),
                         ("compare_parameters.csv", cmp.parameters),
                         ("compare_replications.csv", cmp.replications_table())):
            df.to_csv(out / name, index=False)
            paths.append(out / name)
        try:
            from corridorsim.viz.compare_report import write_paired_report
        except ImportError:
            pass
        else:
            paths += write_paired_report(cmp, out)
    return cmp, paths
