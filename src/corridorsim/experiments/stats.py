"""Means and 95 % confidence intervals over replications (Student t, no SciPy needed)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["CI_KPIS", "PairedInterval", "aggregate", "paired_interval", "t_quantile_975"]

# KPIs that get ``<kpi>_ci95_low`` / ``<kpi>_ci95_high`` columns when replicated.
CI_KPIS = (
    "teu_delivered",
    "transit_days_mean", "transit_days_p10", "transit_days_p50", "transit_days_p90",
    "transit_days_p95", "on_time_share", "backlog_teu",
    "co2e_wtw_kg_per_teu", "co2e_ttw_kg_per_teu",
    "cost_usd_per_teu", "freight_cost_usd_per_teu", "inventory_cost_usd_per_teu",
)

SHARE_KPIS = ("on_time_share",)


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with integer ``df`` (closed-form series)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if df % 2 == 1:
        if df == 1:
            return 2 * theta / math.pi
        term, total = 1.0, 1.0
        for k in range(2, df - 1, 2):  # 2/3 c², 2·4/(3·5) c⁴, ...
            term *= k / (k + 1) * c2
            total += term
        return 2 / math.pi * (theta + s * math.cos(theta) * total)
    term, total = 1.0, 1.0
    for k in range(1, df - 2, 2):  # 1/2 c², 1·3/(2·4) c⁴, ...
        term *= k / (k + 1) * c2
        total += term
    return s * total


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("df must be >= 1")
    lo, hi = 0.0, 20.0
    while _t_two_sided(hi, df) < 0.95:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_two_sided(mid, df) < 0.95:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


class PairedInterval(NamedTuple):
    """Mean of paired differences with its 95 % Student-t interval."""

    mean: float
    low: float
    high: float
    sd: float
    pairs: int

    @property
    def distinguishable(self) -> bool | None:
        """Whether the interval excludes zero; None with fewer than two pairs."""
        if self.pairs < 2:
            return None
        return self.low > 0 or self.high < 0


def paired_interval(diffs: Sequence[float] | np.ndarray) -> PairedInterval:
    """95 % t-interval of the mean of ``diffs`` (B − A per replication; NaN pairs left out).

    ``mean ± t(0.975, n−1) · sd / √n``; identical differences give a zero-width interval
    (all zero: not distinguishable from zero). Fewer than two pairs: NaN bounds.
    """
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    n = len(d)
    if n == 0:
        return PairedInterval(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(d.mean())
    if n < 2:
        return PairedInterval(mean, math.nan, math.nan, math.nan, n)
    if bool((d == d[0]).all()):  # exact: no rounding noise around a constant difference
        return PairedInterval(float(d[0]), float(d[0]), float(d[0]), 0.0, n)
    sd = float(d.std(ddof=1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return PairedInterval(mean, mean - half, mean + half, sd, n)


def aggregate(rows: pd.DataFrame, keys: Sequence[str], order: str,
              ci_kpis: Sequence[str] = CI_KPIS) -> pd.DataFrame:
    """Mean over replications per ``keys`` group, with 95 % t intervals for ``ci_kpis``.

    ``rows`` holds one row per replication and group, already sorted by ``order`` (the
    replication index), so the result never depends on the order tasks finished in.
    NaN values (a route with no delivery in a replication) are left out of that KPI's mean
    and interval; intervals are clipped to the KPI's range (≥ 0; shares ≤ 1); ``replications`` counts the replications per group. Groups keep their
    order of first appearance.
    """
    rows = rows.sort_values([order], kind="stable")
    value_cols = [c for c in rows.columns
                  if c not in (*keys, order, "seed") and pd.api.types.is_numeric_dtype(rows[c])]
    other_cols = [c for c in rows.columns
                  if c not in (*keys, order, "seed") and c not in value_cols]
    out_rows = []
    groups: dict[tuple[object, ...], list[int]] = {}
    for pos, key in enumerate(zip(*(rows[k] for k in keys), strict=True)):
        groups.setdefault(tuple(key), []).append(pos)
    for key, positions in groups.items():
        g = rows.iloc[positions]
        row: dict[str, object] = dict(zip(keys, key, strict=True))
        for c in other_cols:
            row[c] = g[c].iloc[0]
        for c in value_cols:
            v = g[c].to_numpy(dtype=float)
            v = v[~np.isnan(v)]
            mean = float(v.mean()) if len(v) else math.nan
            row[c] = mean
            if c in ci_kpis:
                if len(v) >= 2:
                    half = t_quantile_975(len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))
                    # every CI KPI is non-negative; shares stay within [0, 1]
                    row[f"{c}_ci95_low"] = max(mean - half, 0.0)
                    row[f"{c}_ci95_high"] = (min(mean + half, 1.0) if c in SHARE_KPIS
                                             else mean + half)
                else:
                    row[f"{c}_ci95_low"] = row[f"{c}_ci95_high"] = math.nan
        row["replications"] = len(g)
        out_rows.append(row)
    cols: list[str] = list(keys)
    for c in rows.columns:
        if c in (*keys, order, "seed"):
            continue
        cols.append(c)
        if c in ci_kpis and c in value_cols:
            cols += [f"{c}_ci95_low", f"{c}_ci95_high"]
    cols.append("replications")
    out = pd.DataFrame(out_rows, columns=cols)
    return out.round(6)
