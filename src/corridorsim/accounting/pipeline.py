"""Apply emissions and cost accounting to a run's tables (the run pipeline's accounting step)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from corridorsim.accounting.cost import apply_to_legs as apply_costs
from corridorsim.accounting.cost import break_even_cargo_value, stage_costs
from corridorsim.accounting.emissions import (
    _KEYS,
    intensity_breakdown,
    route_country_emissions,
    stage_intensities,
)
from corridorsim.accounting.emissions import (
    apply_to_legs as apply_emissions,
)
from corridorsim.accounting.factors import load_factors, load_tariffs
from corridorsim.accounting.footprint import _CO2, _COST, route_accounting, shipment_footprint
from corridorsim.routing import segments_table, stops_table

__all__ = ["AccountingResult", "LegAccountant", "account_run"]

STAGE_OFFSET = 1000  # stage index offset per extra O–D instance of a route family


class AccountingResult:
    """Leg and consignment columns, per-route summary columns and extra tables."""

    def __init__(self, legs: pd.DataFrame, cons: pd.DataFrame, summary: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], footprints: dict[str, Any]) -> None:
        self.legs, self.consignments, self.summary = legs, cons, summary
        self.tables, self.footprints = tables, footprints
        self.accountant: LegAccountant | None = None


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


class LegAccountant:
    """Static accounting inputs of one run; adds emission and cost columns to leg rows.

    Leg rows may come in chunks (any split by consignment): every column is computed row
    by row, so a chunk gets exactly the values the whole table would.
    """

    def __init__(self, scn: Any, routes: Mapping[str, Any]) -> None:
        cfg = self.cfg = scn.accounting
        self.factors = load_factors(cfg.emission_factors or None)
        self.tariffs = load_tariffs(cfg.tariffs or None)
        segments, stops, self.offsets = _static_tables(routes)
        mass = {"cargo_t_per_teu": cfg.cargo_t_per_teu, "tare_t_per_teu": cfg.tare_t_per_teu,
                "include_tare": cfg.include_tare}
        self.intens = stage_intensities(segments, stops, self.factors, **mass)
        self.breakdown = intensity_breakdown(segments, stops, self.factors, **mass)
        self.costs = stage_costs(segments, stops, self.tariffs)

    def accounted(self, legs: pd.DataFrame, cons: pd.DataFrame) -> pd.DataFrame:
        """The accounting frame of ``legs``: a few leg columns plus ``co2e_*``/``cost_usd*``."""
        cfg = self.cfg
        acc = legs[["consignment_id", "route", "stage_kind", "stage_index", "teu", "start_h",
                    "end_h", "moving_h", "waiting_h"]].copy()
        off = legs["route_key"].map(self.offsets).astype(np.int64)
        acc["stage_index"] = acc["stage_index"].to_numpy() + off.to_numpy()
        acc = apply_emissions(acc, self.intens, consignments=cons)
        return apply_costs(acc, self.costs, self.tariffs,
                           cargo_value_usd_per_teu=cfg.cargo_value_usd_per_teu,
                           inventory_rate_per_year=cfg.inventory_rate_per_year)

    @staticmethod
    def new_columns(acc: pd.DataFrame) -> list[str]:
        return [c for c in acc.columns if c.startswith(("co2e_", "cost_usd"))]

    def extend(self, legs: pd.DataFrame, cons: pd.DataFrame) -> pd.DataFrame:
        """``legs`` with the accounting columns appended (in place; returned)."""
        acc = self.accounted(legs, cons)
        for c in self.new_columns(acc):
            legs[c] = acc[c].to_numpy()
        return legs


def account_run(scn: Any, routes: Mapping[str, Any], legs: pd.DataFrame | Iterable[pd.DataFrame],
                cons: pd.DataFrame, *, in_place: bool = False) -> AccountingResult:
    """Emissions (GLEC v3 / ISO 14083) and landed cost for every leg, consignment and route.

    ``legs`` and ``consignments`` need a ``route_key`` column (route instance) besides
    ``route`` (family). ``legs`` may be one DataFrame or an iterable of chunks split by
    consignment (a large run); with chunks the result's ``legs`` is None (use
    :meth:`LegAccountant.extend` per chunk, ``result.accountant``). ``in_place`` adds the
    consignment columns to ``cons`` itself instead of a copy.
    """
    cfg = scn.accounting
    acct = LegAccountant(scn, routes)
    whole = isinstance(legs, pd.DataFrame)
    chunks: Iterable[pd.DataFrame] = [legs] if whole else legs
    stats = cons[["consignment_id", "route", "teu", "delivered_h", "transit_h"]][
        cons["in_stats"].to_numpy()]
    stats = stats[stats["delivered_h"].notna().to_numpy()]
    n_ids = int(cons["consignment_id"].max()) + 1 if len(cons) else 0
    counted = np.zeros(n_ids, dtype=bool)
    counted[stats["consignment_id"].to_numpy()] = True
    sum_cols = ["teu", *_CO2, *_COST]
    reduced_parts = []
    legs_out = None
    per_cons_cols = ["co2e_wtw_kg", "co2e_ttw_kg", "cost_usd"]
    per_cons_sum = {c: np.zeros(n_ids) for c in per_cons_cols}
    for chunk in chunks:
        acc = acct.accounted(chunk, cons)
        ids = acc["consignment_id"].to_numpy()
        for c in per_cons_cols:  # consignment ids are 0..n-1: a bincount is a group sum
            per_cons_sum[c] += np.bincount(ids, weights=acc[c].to_numpy(float), minlength=n_ids)
        mask = counted[ids] if n_ids else np.zeros(len(acc), dtype=bool)
        reduced_parts.append(acc[mask].groupby(_KEYS, as_index=False)[sum_cols].sum())
        if whole:
            legs_out = chunk if in_place else chunk.copy()
            for c in acct.new_columns(acc):
                legs_out[c] = acc[c].to_numpy()
        del acc
    reduced = reduced_parts[0] if len(reduced_parts) == 1 else \
        pd.concat(reduced_parts).groupby(_KEYS, as_index=False)[sum_cols].sum()
    reduced["consignment_id"] = 0  # already restricted to counted consignments
    cons_out = cons if in_place else cons.copy()
    cid = cons_out["consignment_id"].to_numpy()
    for c in per_cons_cols:
        cons_out[c] = per_cons_sum[c][cid] if n_ids else 0.0

    summary = route_accounting(reduced, stats, delivered_only=False)
    by_country = route_country_emissions(reduced, acct.breakdown, stats, delivered_only=False)
    if not by_country.empty:
        wide = by_country.pivot_table(index="route", columns="country",
                                      values="co2e_wtw_kg_per_teu", aggfunc="sum", fill_value=0.0)
        wide.columns = [f"co2e_wtw_kg_per_teu_{c or 'international_waters'}" for c in wide.columns]
        summary = summary.merge(wide.reset_index(), on="route", how="left")
    tables: dict[str, pd.DataFrame] = {"emissions_by_country.csv": by_country}
    if len(summary) > 1:
        tables["break_even.csv"] = break_even_cargo_value(
            summary, inventory_rate_per_year=cfg.inventory_rate_per_year, tariffs=acct.tariffs)
    footprints: dict[str, Any] = {}
    cargo_t = float(cfg.cargo_t_per_teu)
    intens = acct.intens
    for row in summary.to_dict("records"):
        fam_stages = intens[(intens["route"] == row["route"]) & (intens["stage_index"] < STAGE_OFFSET)]
        if not fam_stages.empty and np.isfinite(row.get("co2e_wtw_kg_per_teu", np.nan)):
            footprints[row["route"]] = shipment_footprint(row, fam_stages, cargo_t_per_teu=cargo_t)
    drop = {"n_consignments", "teu", "transit_days"}
    summary = summary[[c for c in summary.columns if c not in drop]]
    res = AccountingResult(legs_out, cons_out, summary, tables, footprints)  # type: ignore[arg-type]
    res.accountant = acct
    return res


class RecordAccounting:
    """Accounting of a run computed from its records (see :func:`account_records`)."""

    def __init__(self, per_consignment: dict[str, np.ndarray], summary: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], footprints: dict[str, Any],
                 accountant: LegAccountant, reefer: np.ndarray) -> None:
        self.per_consignment, self.summary = per_consignment, summary
        self.tables, self.footprints, self.accountant = tables, footprints, accountant
        self.reefer = reefer

    def extend_legs(self, legs: pd.DataFrame) -> pd.DataFrame:
        """``legs`` (a chunk of the legs table) with the accounting columns appended."""
        ids = np.unique(legs["consignment_id"].to_numpy())
        cons = pd.DataFrame({"consignment_id": ids, "reefer": self.reefer[ids]})
        return self.accountant.extend(legs, cons)


def account_records(scn: Any, routes: Mapping[str, Any], trace: Any,
                    counted: np.ndarray) -> RecordAccounting:
    """Accounting of a run from its records (``trace``: :class:`corridorsim.results.SimTrace`).

    ``counted`` marks the consignments the route statistics use (booked after warm-up and
    delivered). Interim: builds the tables and calls :func:`account_run`.
    """
    from corridorsim.results import consignments_table, legs_table

    rec = trace.records
    cons = consignments_table(rec, routes, trace.warmup_h)
    legs = legs_table(rec, routes, attrs=trace.attrs)
    acc = account_run(scn, routes, legs, cons, in_place=True)
    per = {c: acc.consignments[c].to_numpy() for c in ("co2e_wtw_kg", "co2e_ttw_kg", "cost_usd")}
    assert acc.accountant is not None
    return RecordAccounting(per, acc.summary, acc.tables, acc.footprints, acc.accountant,
                            rec.reefer)
