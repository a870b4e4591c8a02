"""Break-even cargo value between two routes, with the reason where there is none.

Landed cost per TEU of a route at cargo value ``v``: ``L(v) = freight + v x rate x days /
365`` (freight without inventory; ``rate`` the carrying-cost rate per year). Two routes'
lines cross at ``v* = (freight_b - freight_a) / (rate (days_a - days_b) / 365)``. Every
pair gets a number or a reason (``reason`` column):

* ``crosses``: ``v*`` > 0; below it the route with the lower freight is cheaper
  (``cheaper_below``), above it the faster one (``cheaper_above``);
* ``always cheaper``: route_a costs less at every cargo value >= 0 (cheaper freight and
  not slower, or equal freight and faster);
* ``never cheaper``: route_b costs less at every cargo value >= 0;
* ``equal at every value``: same freight and same transit;
* ``not comparable``: a route has no freight or no transit (no consignment delivered and
  counted).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from corridorsim.accounting.factors import FactorTable, load_tariffs
from corridorsim.errors import ScenarioError

__all__ = ["BREAK_EVEN_REASONS", "break_even_cargo_value"]

BREAK_EVEN_REASONS = ("crosses", "always cheaper", "never cheaper", "equal at every value",
                      "not comparable")


def _column(df: pd.DataFrame, *names: str) -> pd.Series:
    for n in names:
        if n in df.columns:
            return df[n].astype(float)
    raise ScenarioError(f"summary: needs one of the columns {list(names)}")


def _reasons(fa: np.ndarray, fb: np.ndarray, da: np.ndarray, db: np.ndarray,
             rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Break-even value (NaN where none) and the reason of each pair."""
    slope = rate * (da - db) / 365.0  # L_a(v) - L_b(v) = (fa - fb) + slope v
    gap = fa - fb
    with np.errstate(divide="ignore", invalid="ignore"):
        v = -gap / slope
    known = np.isfinite(fa) & np.isfinite(fb) & np.isfinite(da) & np.isfinite(db)
    crosses = known & np.isfinite(v) & (v > 0) & (slope != 0)
    # no crossing at a positive value: the sign of L_a - L_b is that of the gap at v=0, or
    # of the slope when the gap is zero
    sign = np.where(gap != 0, np.sign(gap), np.sign(slope))
    reason = np.select(
        [~known, crosses, sign < 0, sign > 0],
        ["not comparable", "crosses", "always cheaper", "never cheaper"],
        "equal at every value")
    return np.where(crosses, v, np.nan), reason


def break_even_cargo_value(
    summary_like: pd.DataFrame,
    *,
    inventory_rate_per_year: float | None = None,
    tariffs: FactorTable | None = None,
) -> pd.DataFrame:
    """Cargo value per TEU at which two routes have equal landed cost, or why none.

    Parameters
    ----------
    summary_like
        One row per route with ``route``, freight (``freight_cost_usd_per_teu``, or
        ``cost_usd_per_teu`` minus ``inventory_cost_usd_per_teu``) and time
        (``transit_days`` or ``transit_h``).
    inventory_rate_per_year
        Carrying-cost rate, 1/yr; default from the tariffs (0.10, assumed).

    Returns
    -------
    DataFrame
        ``route_a, route_b, break_even_value_usd_per_teu, reason, cheaper_below,
        cheaper_above`` for every unordered pair (see the module docs; the value is NaN
        unless ``reason`` is ``crosses``; ``cheaper_below``/``_above`` name the route that
        is cheaper below/above the value, or at every value; ``either`` when equal, ``not
        comparable`` when not comparable).
    """
    t = tariffs if tariffs is not None else load_tariffs()
    rate = t["inventory_rate_per_year"] if inventory_rate_per_year is None \
        else float(inventory_rate_per_year)
    df = summary_like.reset_index() if "route" not in summary_like.columns else summary_like
    if "freight_cost_usd_per_teu" in df.columns:
        freight = df["freight_cost_usd_per_teu"].astype(float)
    else:
        freight = _column(df, "cost_usd_per_teu") - _column(df, "inventory_cost_usd_per_teu")
    days = (df["transit_days"].astype(float) if "transit_days" in df.columns
            else _column(df, "transit_h") / 24.0)
    idx = np.array(list(itertools.combinations(range(len(df)), 2)), dtype=int).reshape(-1, 2)
    f, d = freight.to_numpy(float), days.to_numpy(float)
    v, reason = _reasons(f[idx[:, 0]], f[idx[:, 1]], d[idx[:, 0]], d[idx[:, 1]], rate)
    routes = df["route"].astype(str).to_numpy()
    a, b = routes[idx[:, 0]], routes[idx[:, 1]]
    a_cheap_first = f[idx[:, 0]] <= f[idx[:, 1]]  # below v*, the lower freight wins
    below = np.select([reason == "crosses", reason == "always cheaper",
                       reason == "never cheaper"],
                      [np.where(a_cheap_first, a, b), a, b], "either")
    above = np.select([reason == "crosses", reason == "always cheaper",
                       reason == "never cheaper"],
                      [np.where(a_cheap_first, b, a), a, b], "either")
    below = np.where(reason == "not comparable", reason, below)
    above = np.where(reason == "not comparable", reason, above)
    return pd.DataFrame({"route_a": a, "route_b": b, "break_even_value_usd_per_teu": v,
                         "reason": reason, "cheaper_below": below, "cheaper_above": above})
