"""Test oracles: slow, table-based reimplementations of production computations.

NOT production code. The run computes the accounting and the KPIs from the engine's
records with integer look-ups and ``bincount`` (``corridorsim.accounting.pipeline``,
``corridorsim.analysis.kpis.route_summary_arrays``); these functions compute the same numbers the
plain way, from the legs and consignments tables with pandas joins and group-bys, written
independently of the production formulas, so that the tests can compare the two.

Shared with production (not reimplemented): the per-stage unit values
(``stage_intensities`` / ``stage_costs`` via ``AccountingInputs``) and the per-route
results step (``route_results``: summary, tables and footprints from per-stage sums).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from corridorsim.accounting.factors import FactorTable, load_tariffs
from corridorsim.accounting.stages import AccountingInputs
from corridorsim.accounting.summary import route_results
from corridorsim.analysis.tables import WAIT_COLUMNS

KEYS = ["route", "stage_kind", "stage_index"]
CO2 = ["co2e_wtw_kg", "co2e_ttw_kg", "co2e_wtw_kg_rail", "co2e_wtw_kg_sea",
       "co2e_wtw_kg_road", "co2e_wtw_kg_hub"]
COST = ["cost_usd", "cost_usd_rail", "cost_usd_sea", "cost_usd_road", "cost_usd_handling",
        "cost_usd_border", "cost_usd_inventory"]


# --- accounting of leg rows ----------------------------------------------------------------

def _positions(table: pd.DataFrame, legs: pd.DataFrame) -> np.ndarray:
    index = pd.MultiIndex.from_frame(table[KEYS])
    assert index.is_unique
    pos = index.get_indexer(pd.MultiIndex.from_arrays([legs[k] for k in KEYS]))
    assert (pos >= 0).all(), legs.loc[pos < 0, KEYS].drop_duplicates().head()
    return pos


def _reefer_mask(legs: pd.DataFrame, consignments: pd.DataFrame | None) -> np.ndarray:
    if "reefer" in legs.columns:
        return legs["reefer"].fillna(False).to_numpy(bool)
    if consignments is None or "reefer" not in consignments.columns:
        return np.zeros(len(legs), dtype=bool)
    pos = pd.Index(consignments["consignment_id"]).get_indexer(legs["consignment_id"])
    flags = consignments["reefer"].fillna(False).to_numpy(bool)
    return np.where(pos >= 0, flags[np.maximum(pos, 0)], False)


def apply_emissions_to_legs(legs: pd.DataFrame, intensities: pd.DataFrame, *,
                            consignments: pd.DataFrame | None = None) -> pd.DataFrame:
    """``legs`` (``route, stage_kind, stage_index, teu, start_h, end_h``) with the emission
    columns, kg CO2e: intensity x TEU; reefers add the sea-lane uplift and plug power for
    the whole time at a stop."""
    pos = _positions(intensities, legs)
    teu = legs["teu"].to_numpy(float)

    def col(name: str) -> np.ndarray:
        return intensities[name].to_numpy(float)[pos]

    reefer = _reefer_mask(legs, consignments) * teu
    stop_h = np.where(legs["stage_kind"].to_numpy() == "stop",
                      (legs["end_h"] - legs["start_h"]).to_numpy(float), 0.0)
    plug = reefer * col("reefer_plug_wtw_kg_per_teu_h") * np.nan_to_num(stop_h)
    sea_extra = reefer * col("co2e_wtw_kg_per_teu_reefer_extra")
    out = legs.copy()
    out["co2e_wtw_kg"] = col("co2e_wtw_kg_per_teu") * teu + sea_extra + plug
    out["co2e_ttw_kg"] = (col("co2e_ttw_kg_per_teu") * teu
                          + reefer * col("co2e_ttw_kg_per_teu_reefer_extra"))
    out["co2e_wtw_kg_rail"] = col("co2e_wtw_kg_per_teu_rail") * teu
    out["co2e_wtw_kg_sea"] = col("co2e_wtw_kg_per_teu_sea") * teu + sea_extra
    out["co2e_wtw_kg_road"] = col("co2e_wtw_kg_per_teu_road") * teu
    out["co2e_wtw_kg_hub"] = col("co2e_wtw_kg_per_teu_hub") * teu + plug
    return out


def apply_costs_to_legs(legs: pd.DataFrame, costs: pd.DataFrame,
                        tariffs: FactorTable | None = None, *,
                        cargo_value_usd_per_teu: float | None = None,
                        inventory_rate_per_year: float | None = None) -> pd.DataFrame:
    """``legs`` with the cost columns, USD: stage cost x TEU, and inventory
    ``teu x value x rate x (end_h - start_h) / 8760``."""
    t = tariffs if tariffs is not None else load_tariffs()
    value = t["cargo_value_usd_per_teu"] if cargo_value_usd_per_teu is None \
        else cargo_value_usd_per_teu
    rate = t["inventory_rate_per_year"] if inventory_rate_per_year is None \
        else inventory_rate_per_year
    pos = _positions(costs, legs)
    teu = legs["teu"].to_numpy(float)
    out = legs.copy()
    for part in ("rail", "sea", "road", "handling", "border"):
        out[f"cost_usd_{part}"] = costs[f"cost_usd_per_teu_{part}"].to_numpy(float)[pos] * teu
    hours = np.nan_to_num((legs["end_h"] - legs["start_h"]).to_numpy(float))
    out["cost_usd_inventory"] = teu * value * rate * hours / 8760.0
    out["cost_usd"] = costs["cost_usd_per_teu"].to_numpy(float)[pos] * teu \
        + out["cost_usd_inventory"].to_numpy()
    return out


def account_legs(inputs: AccountingInputs, legs: pd.DataFrame, cons: pd.DataFrame
                 ) -> pd.DataFrame:
    """``legs`` (with ``route_key``) with the accounting columns appended, in the order
    of ``corridorsim.accounting.formulas.LEG_COLUMNS``."""
    acc = legs[["consignment_id", "stage_kind", "stage_index", "teu", "start_h", "end_h"]].copy()
    acc.insert(1, "route", legs["route_key"].astype(str).to_numpy())
    acc = apply_emissions_to_legs(acc, inputs.intens, consignments=cons)
    cfg = inputs.cfg
    acc = apply_costs_to_legs(acc, inputs.costs, inputs.tariffs,
                              cargo_value_usd_per_teu=cfg.cargo_value_usd_per_teu,
                              inventory_rate_per_year=cfg.inventory_rate_per_year)
    out = legs.copy()
    for c in acc.columns:
        if c.startswith(("co2e_", "cost_usd")):
            out[c] = acc[c].to_numpy()
    return out


@dataclass
class OracleAccounting:
    inputs: AccountingInputs
    legs: pd.DataFrame
    consignments: pd.DataFrame
    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    footprints: dict[str, Any]


def account_run(scn: Any, routes: Mapping[str, Any], legs: pd.DataFrame,
                cons: pd.DataFrame) -> OracleAccounting:
    """The accounting of a run from its legs and consignments tables (both with
    ``route_key``): every leg row priced, sums per consignment by group-by, per-stage sums
    over the consignments counted (``in_stats`` and delivered)."""
    inputs = AccountingInputs(scn, routes)
    legs_out = account_legs(inputs, legs, cons)
    cons_out = cons.copy()
    per = legs_out.groupby("consignment_id")[["co2e_wtw_kg", "co2e_ttw_kg", "cost_usd"]].sum()
    for c in per.columns:
        cons_out[c] = per[c].reindex(cons_out["consignment_id"], fill_value=0.0).to_numpy()
    keep = cons["in_stats"].to_numpy(bool) & cons["delivered_h"].notna().to_numpy()
    stats = pd.DataFrame({"route": cons["route_key"].astype(str).to_numpy()[keep],
                          "teu": cons["teu"].to_numpy()[keep],
                          "transit_h": cons["transit_h"].to_numpy()[keep]})
    counted = legs_out["consignment_id"].isin(cons["consignment_id"][keep]).to_numpy()
    acc = legs_out[counted].assign(route=legs_out["route_key"].astype(str)[counted])
    stage_sums = acc.groupby(KEYS, as_index=False)[["teu", *CO2, *COST]].sum()
    summary, tables, footprints = route_results(inputs, stage_sums, stats)
    return OracleAccounting(inputs, legs_out, cons_out, summary, tables, footprints)


# --- KPIs ------------------------------------------------------------------------------------

def route_summary(consignments: pd.DataFrame,
                  routes: Sequence[str | tuple[str, str, str]]) -> pd.DataFrame:
    """The summary's KPI columns from the consignments table: one row per route family
    id (rows matching ``route``) or ``(family, origin, destination)`` triple."""
    c = consignments
    rows = []
    for r in routes:
        if isinstance(r, tuple):
            f, o, d = r
            sel = c[(c["route"] == f) & (c["origin"] == o) & (c["destination"] == d)]
            row: dict[str, object] = {"route": f, "origin": o, "destination": d}
        else:
            sel = c[c["route"] == r]
            row = {"route": r}
        delivered = sel["delivered"].astype(bool)
        in_stats = sel["in_stats"].astype(bool)
        st = sel[delivered & in_stats]
        teu = sel["teu"].astype(float)
        row.update(consignments=len(st), teu_created=float(teu.sum()),
                   teu_delivered=float(teu[delivered].sum()),
                   teu_in_system=float(teu[~delivered].sum()))
        days = st["transit_h"].astype(float) / 24.0
        row["transit_days_mean"] = days.mean() if len(st) else np.nan
        for q in (10, 50, 90, 95):
            row[f"transit_days_p{q}"] = days.quantile(q / 100) if len(st) else np.nan
        row["on_time_share"] = ((st["transit_h"] <= st["due_h"]).mean() if len(st)
                                else np.nan)
        for col in ["moving_h", *WAIT_COLUMNS]:
            row[col.removesuffix("_h") + "_days_mean"] = (
                st[col].astype(float).mean() / 24.0 if len(st) else np.nan)
        row["backlog_teu"] = float(teu[in_stats & ~delivered].sum())
        rows.append(row)
    return pd.DataFrame(rows).round(6)
