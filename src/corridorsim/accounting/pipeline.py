"""Apply emissions and cost accounting to a run's tables (the run pipeline's accounting step)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from corridorsim.accounting.cost import apply_to_legs as apply_costs
from corridorsim.accounting.cost import break_even_cargo_value, stage_costs
from corridorsim.accounting.emissions import (
    apply_to_legs as apply_emissions,
)
from corridorsim.accounting.emissions import (
    intensity_breakdown,
    route_country_emissions,
    stage_intensities,
)
from corridorsim.accounting.factors import load_factors, load_tariffs
from corridorsim.accounting.footprint import route_accounting, shipment_footprint
from corridorsim.routing import segments_table, stops_table

__all__ = ["AccountingResult", "account_run"]

STAGE_OFFSET = 1000  # stage index offset per extra O–D instance of a route family


class AccountingResult:
    """Leg and consignment columns, per-route summary columns and extra tables."""

    def __init__(self, legs: pd.DataFrame, cons: pd.DataFrame, summary: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], footprints: dict[str, Any]) -> None:
        self.legs, self.consignments, self.summary = legs, cons, summary
        self.tables, self.footprints = tables, footprints


def _static_tables(routes: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    seen: dict[str, int] = {}
    offsets: dict[str, int] = {}
    segs, stops = [], []
    for key, inst in routes.items():
        k = seen.get(inst.family, 0)
        seen[inst.family] = k + 1
        offsets[key] = k * STAGE_OFFSET
        s = segments_table({inst.family: inst.route})
        p = stops_table({inst.family: inst.route})
        s["stage_index"] += k * STAGE_OFFSET
        p["stage_index"] += k * STAGE_OFFSET
        segs.append(s)
        stops.append(p)
    return pd.concat(segs, ignore_index=True), pd.concat(stops, ignore_index=True), offsets


def account_run(scn: Any, routes: Mapping[str, Any], legs: pd.DataFrame,
                cons: pd.DataFrame) -> AccountingResult:
    """Emissions (GLEC v3 / ISO 14083) and landed cost for every leg, consignment and route.

    ``legs`` and ``consignments`` need a ``route_key`` column (route instance) besides
    ``route`` (family).
    """
    cfg = scn.accounting
    factors = load_factors(cfg.emission_factors or None)
    tariffs = load_tariffs(cfg.tariffs or None)
    segments, stops, offsets = _static_tables(routes)
    mass = {"cargo_t_per_teu": cfg.cargo_t_per_teu, "tare_t_per_teu": cfg.tare_t_per_teu,
            "include_tare": cfg.include_tare}
    intens = stage_intensities(segments, stops, factors, **mass)
    breakdown = intensity_breakdown(segments, stops, factors, **mass)
    costs = stage_costs(segments, stops, tariffs)

    acc = legs[["consignment_id", "route", "stage_kind", "stage_index", "teu", "start_h",
                "end_h", "moving_h", "waiting_h"]].copy()
    off = legs["route_key"].map(offsets).astype(np.int64)
    acc["stage_index"] = acc["stage_index"].to_numpy() + off.to_numpy()
    acc = apply_emissions(acc, intens, consignments=cons)
    acc = apply_costs(acc, costs, tariffs, cargo_value_usd_per_teu=cfg.cargo_value_usd_per_teu,
                      inventory_rate_per_year=cfg.inventory_rate_per_year)
    new_cols = [c for c in acc.columns if c.startswith(("co2e_", "cost_usd"))]
    legs_out = legs.copy()
    for c in new_cols:
        legs_out[c] = acc[c].to_numpy()

    per_cons = acc.groupby("consignment_id")[["co2e_wtw_kg", "co2e_ttw_kg", "cost_usd"]].sum()
    cons_out = cons.copy()
    for c in per_cons.columns:
        cons_out[c] = per_cons[c].reindex(cons_out["consignment_id"]).fillna(0.0).to_numpy()

    stats = cons[cons["in_stats"]]
    summary = route_accounting(acc, stats)
    by_country = route_country_emissions(acc, breakdown, stats)
    if not by_country.empty:
        wide = by_country.pivot_table(index="route", columns="country",
                                      values="co2e_wtw_kg_per_teu", aggfunc="sum", fill_value=0.0)
        wide.columns = [f"co2e_wtw_kg_per_teu_{c or 'international_waters'}" for c in wide.columns]
        summary = summary.merge(wide.reset_index(), on="route", how="left")
    tables: dict[str, pd.DataFrame] = {"emissions_by_country.csv": by_country}
    if len(summary) > 1:
        tables["break_even.csv"] = break_even_cargo_value(
            summary, inventory_rate_per_year=cfg.inventory_rate_per_year, tariffs=tariffs)
    footprints: dict[str, Any] = {}
    cargo_t = float(cfg.cargo_t_per_teu)
    for row in summary.to_dict("records"):
        st = intens.rename(columns={})
        fam_stages = st[(st["route"] == row["route"]) & (st["stage_index"] < STAGE_OFFSET)]
        if not fam_stages.empty and np.isfinite(row.get("co2e_wtw_kg_per_teu", np.nan)):
            footprints[row["route"]] = shipment_footprint(row, fam_stages, cargo_t_per_teu=cargo_t)
    drop = {"n_consignments", "teu", "transit_days"}
    summary = summary[[c for c in summary.columns if c not in drop]]
    return AccountingResult(legs_out, cons_out, summary, tables, footprints)
