"""Compare two run folders: a delta table per route instance (B − A)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridorsim.outputs import read_summary

__all__ = ["compare_runs", "delta_table"]

KPIS = ["teu_delivered", "transit_days_mean", "transit_days_p50", "transit_days_p90",
        "on_time_share", "co2e_wtw_kg_per_teu", "cost_usd_per_teu"]
INSTANCE = ["route", "origin", "destination"]


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


def compare_runs(run_a: Path, run_b: Path, *, out: Path | None = None) -> tuple[pd.DataFrame, list[Path]]:
    table = delta_table(read_summary(run_a), read_summary(run_b))
    paths: list[Path] = []
    if out is not None:
        from corridorsim.errors import OutputError

        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out}: cannot create folder ({exc.strerror})") from exc
        table.to_csv(out / "compare.csv", index=False)
        paths.append(out / "compare.csv")
        try:
            from corridorsim.viz import write_compare_report
        except ImportError:
            pass
        else:
            paths += write_compare_report(run_a, run_b, table, out)
    return table, paths
