"""Apply emissions and cost accounting to a run's tables (the run pipeline's accounting step)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from corridorsim.accounting.cost import (
    HOURS_PER_YEAR,
    break_even_cargo_value,
    inventory_parameters,
    stage_costs,
)
from corridorsim.accounting.cost import apply_to_legs as apply_costs
from corridorsim.accounting.emissions import (
    _KEYS,
    intensity_breakdown,
    route_country_emissions,
    stage_intensities_from_breakdown,
)
from corridorsim.accounting.emissions import (
    apply_to_legs as apply_emissions,
)
from corridorsim.accounting.factors import load_factors, load_tariffs
from corridorsim.accounting.footprint import _CO2, _COST, route_accounting, shipment_footprint
from corridorsim.errors import ScenarioError
from corridorsim.route_tables import segments_table, stops_table

__all__ = ["AccountingResult", "LegAccountant", "RecordAccounting", "account_records",
           "account_run", "route_tables"]

#: a segment whose leg rounds the Cape of Good Hope (``Leg.chokepoints``) is priced and
#: emitted at the Cape deep-sea rates
CAPE = "cape"


class AccountingResult:
    """Leg and consignment columns, per-route summary columns and extra tables."""

    def __init__(self, legs: pd.DataFrame, cons: pd.DataFrame, summary: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], footprints: dict[str, Any]) -> None:
        self.legs, self.consignments, self.summary = legs, cons, summary
        self.tables, self.footprints = tables, footprints
        self.accountant: LegAccountant | None = None


def route_tables(routes: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``segments`` and ``stops`` tables of the accounting for ``routes`` (key → route
    instance or :class:`~corridorsim.routing.Route`), with the mapping's key in ``route``.

    Segments get a boolean ``cape`` column: the segment's leg rounds the Cape (``"cape"``
    among the leg's chokepoints), known from the leg itself and not from the family id; and
    ``eastbound``: the route runs Europe → China (the backhaul tariffs apply).
    """
    segs, stops = [], []
    for key, inst in routes.items():
        route = getattr(inst, "route", inst)
        s = segments_table({key: route})
        p = stops_table({key: route})
        s["route"], p["route"] = key, key
        cape = [leg.index for leg in route.legs if CAPE in leg.chokepoints]
        s["cape"] = s["stage_index"].isin(cape).to_numpy(bool)
        s["eastbound"] = getattr(route, "direction", "westbound") == "eastbound"
        segs.append(s)
        stops.append(p)
    return pd.concat(segs, ignore_index=True), pd.concat(stops, ignore_index=True)


def _instances(routes: Mapping[str, Any]) -> dict[str, tuple[str, str, str]]:
    """(family, origin, destination) of every route instance key."""
    return {key: (inst.family, inst.origin, inst.destination) for key, inst in routes.items()}


class LegAccountant:
    """Static accounting inputs of one run; adds emission and cost columns to leg rows.

    Leg rows may come in chunks (any split by consignment): every column is computed row
    by row, so a chunk gets exactly the values the whole table would.
    """

    def __init__(self, scn: Any, routes: Mapping[str, Any]) -> None:
        cfg = self.cfg = scn.accounting
        self.factors = load_factors(cfg.emission_factors or None)
        self.tariffs = load_tariffs(cfg.tariffs or None)
        segments, stops = route_tables(routes)
        #: (family, origin, destination) of each route instance key (the tables' ``route``)
        self.instances = _instances(routes)
        mass = {"cargo_t_per_teu": cfg.cargo_t_per_teu, "tare_t_per_teu": cfg.tare_t_per_teu,
                "include_tare": cfg.include_tare}
        self.breakdown = intensity_breakdown(segments, stops, self.factors, **mass)
        self.intens = stage_intensities_from_breakdown(self.breakdown)
        self.costs = stage_costs(segments, stops, self.tariffs)

    def accounted(self, legs: pd.DataFrame, cons: pd.DataFrame) -> pd.DataFrame:
        """The accounting frame of ``legs``: a few leg columns plus ``co2e_*``/``cost_usd*``;
        its ``route`` is the route instance key (``legs.route_key``)."""
        cfg = self.cfg
        acc = legs[["consignment_id", "stage_kind", "stage_index", "teu", "start_h",
                    "end_h", "moving_h", "waiting_h"]].copy()
        acc.insert(1, "route", legs["route_key"].astype(str).to_numpy())
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


def _instance_columns(df: pd.DataFrame, instances: Mapping[str, tuple[str, str, str]],
                      col: str = "route") -> pd.DataFrame:
    """``df`` with the instance key in ``col`` replaced by the family and ``origin``,
    ``destination`` inserted right after it; rows ordered by (family, origin,
    destination), each instance's rows in their order."""
    keys = df[col].astype(str).tolist()
    unknown = sorted(set(keys) - set(instances))
    if unknown:
        raise ScenarioError(f"accounting: unknown route instance(s) {unknown[:5]}")
    triples = [instances[k] for k in keys]
    rank = {t: i for i, t in enumerate(sorted(set(triples)))}
    out = df.copy()
    at = out.columns.get_loc(col)
    out[col] = _str_array([t[0] for t in triples])
    out.insert(at + 1, "origin", _str_array([t[1] for t in triples]))
    out.insert(at + 2, "destination", _str_array([t[2] for t in triples]))
    order = np.argsort(np.array([rank[t] for t in triples], dtype=np.int64), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _break_even(summary: pd.DataFrame, cfg: Any, tariffs: Any) -> pd.DataFrame | None:
    """:func:`break_even_cargo_value` between the routes of each origin–destination pair
    (``route_a, route_b, origin, destination, break_even_value_usd_per_teu``); None when
    no pair has two routes."""
    parts = []
    pairs = summary[["origin", "destination"]].astype(str).itertuples(index=False)
    for (o, d) in dict.fromkeys(tuple(p) for p in pairs):
        same = summary[(summary["origin"] == o) & (summary["destination"] == d)]
        if len(same) < 2:
            continue
        be = break_even_cargo_value(same, inventory_rate_per_year=cfg.inventory_rate_per_year,
                                    tariffs=tariffs)
        be.insert(2, "origin", _str_array([o] * len(be)))
        be.insert(3, "destination", _str_array([d] * len(be)))
        parts.append(be)
    return pd.concat(parts, ignore_index=True) if parts else None


def _route_results(cfg: Any, acct: LegAccountant, reduced: pd.DataFrame, stats: pd.DataFrame
                   ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, Any]]:
    """Per-route summary, extra tables and footprints from the per-stage sums ``reduced``
    (``_KEYS``, ``consignment_id``, ``teu``, ``_CO2``, ``_COST``) of the counted
    consignments ``stats`` (``consignment_id, route, teu, delivered_h, transit_h``), where
    ``route`` is the route instance key.

    The summary and the tables have ``route`` (family), ``origin`` and ``destination``;
    footprints are keyed by route instance key. Break-even values compare the routes of
    one origin–destination pair only."""
    instances = acct.instances
    summary = route_accounting(reduced, stats, delivered_only=False)
    by_country = route_country_emissions(reduced, acct.breakdown, stats, delivered_only=False)
    if not by_country.empty:
        wide = by_country.pivot_table(index="route", columns="country",
                                      values="co2e_wtw_kg_per_teu", aggfunc="sum", fill_value=0.0)
        wide.columns = [f"co2e_wtw_kg_per_teu_{c or 'international_waters'}" for c in wide.columns]
        summary = summary.merge(wide.reset_index(), on="route", how="left")
    footprints: dict[str, Any] = {}
    cargo_t = float(cfg.cargo_t_per_teu)
    intens = acct.intens
    several = len({(o, d) for _, o, d in instances.values()}) > 1
    for row in summary.to_dict("records"):
        key = str(row["route"])
        stages = intens[intens["route"] == key]
        if not stages.empty and np.isfinite(row.get("co2e_wtw_kg_per_teu", np.nan)):
            fam, o, d = instances[key]
            sid = f"corridorsim-{fam}-{o}-{d}" if several else f"corridorsim-{fam}"
            footprints[key] = shipment_footprint(row, stages, shipment_id=sid,
                                                 cargo_t_per_teu=cargo_t)
    summary = _instance_columns(summary, instances)
    tables: dict[str, pd.DataFrame] = {
        "emissions_by_country.csv": _instance_columns(by_country, instances)}
    be = _break_even(summary, cfg, acct.tariffs)
    if be is not None:
        tables["break_even.csv"] = be
    drop = {"n_consignments", "teu", "transit_days"}
    summary = summary[[c for c in summary.columns if c not in drop]]
    return summary, tables, footprints


def account_run(scn: Any, routes: Mapping[str, Any], legs: pd.DataFrame | Iterable[pd.DataFrame],
                cons: pd.DataFrame, *, in_place: bool = False) -> AccountingResult:
    """Emissions (GLEC v3 / ISO 14083) and landed cost for every leg, consignment and route.

    ``legs`` and ``consignments`` need a ``route_key`` column (route instance); the
    accounting is per route instance (the summary and tables have ``route`` (family),
    ``origin`` and ``destination``; footprints are keyed by route instance key). ``legs`` may be one DataFrame or an iterable of chunks split by
    consignment (a large run); with chunks the result's ``legs`` is None (use
    :meth:`LegAccountant.extend` per chunk, ``result.accountant``). ``in_place`` adds the
    consignment columns to ``cons`` itself instead of a copy.
    """
    cfg = scn.accounting
    acct = LegAccountant(scn, routes)
    whole = isinstance(legs, pd.DataFrame)
    chunks: Iterable[pd.DataFrame] = [legs] if whole else legs
    keep = cons["in_stats"].to_numpy(bool) & cons["delivered_h"].notna().to_numpy()
    stats = cons.loc[keep, ["consignment_id", "teu", "delivered_h", "transit_h"]]
    stats.insert(1, "route", cons["route_key"].astype(str).to_numpy()[keep])  # instance key
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
    summary, tables, footprints = _route_results(cfg, acct, reduced, stats)
    res = AccountingResult(legs_out, cons_out, summary, tables, footprints)  # type: ignore[arg-type]
    res.accountant = acct
    return res


# Unit values per (route index, stage) used by the record-based accounting: intensity
# columns (kg CO2e per TEU, or per TEU-hour for the plug) and cost columns (USD per TEU).
_UNIT_INTENS = ["co2e_wtw_kg_per_teu", "co2e_ttw_kg_per_teu", "co2e_wtw_kg_per_teu_reefer_extra",
                "co2e_ttw_kg_per_teu_reefer_extra", "reefer_plug_wtw_kg_per_teu_h",
                "co2e_wtw_kg_per_teu_rail", "co2e_wtw_kg_per_teu_sea",
                "co2e_wtw_kg_per_teu_road", "co2e_wtw_kg_per_teu_hub"]
_COST_PARTS = ["rail", "sea", "road", "handling", "border"]
_UNIT_COSTS = ["cost_usd_per_teu", *(f"cost_usd_per_teu_{p}" for p in _COST_PARTS)]
#: the columns :meth:`LegAccountant.extend` appends, in its order
LEG_COLUMNS = ["co2e_wtw_kg", "co2e_ttw_kg", "co2e_wtw_kg_rail", "co2e_wtw_kg_sea",
               "co2e_wtw_kg_road", "co2e_wtw_kg_hub", *(f"cost_usd_{p}" for p in _COST_PARTS),
               "cost_usd_inventory", "cost_usd"]


class _StageUnits:
    """:class:`LegAccountant`'s per-stage tables as flat arrays over (route index, stage).

    Entry ``ri * s_max + s`` holds stage ``s`` of route instance ``route_ids[ri]`` (looked
    up in the static tables at ``(route_ids[ri], kind, s)``); one extra last
    entry (:attr:`sentinel`) is zero, for rows never entered. Stages a route does not have,
    or that the tables lack, are NaN (``valid`` False).
    """

    def __init__(self, acct: LegAccountant, route_ids: list[str], is_leg: np.ndarray) -> None:
        n_r, s_max = is_leg.shape
        self.s_max, self.sentinel = s_max, n_r * s_max
        self.route_ids = list(route_ids)
        kind = is_leg.ravel()
        self.is_stop = np.append(kind == 0, False)
        self.valid = np.append(np.zeros(n_r * s_max, dtype=bool), True)
        self.unit: dict[str, np.ndarray] = {}
        tables = []
        for table, cols in ((acct.intens, _UNIT_INTENS), (acct.costs, _UNIT_COSTS)):
            where: dict[tuple[str, str, int], int] = {}
            for i, k in enumerate(zip(table["route"], table["stage_kind"],
                                      table["stage_index"].to_numpy(np.int64).tolist(),
                                      strict=True)):
                if where.setdefault(k, i) != i:
                    raise ScenarioError(f"accounting tables: duplicated stage {k}")
            tables.append((where, {c: table[c].to_numpy(float) for c in cols}))
            for c in cols:
                u = np.full(n_r * s_max + 1, np.nan)
                u[-1] = 0.0
                self.unit[c] = u
        for flat in np.flatnonzero(kind >= 0).tolist():
            ri, st = divmod(flat, s_max)
            k = (self.route_ids[ri], "leg" if kind[flat] == 1 else "stop", st)
            pos = [where.get(k, -1) for where, _ in tables]
            if min(pos) < 0:
                continue  # stays NaN and invalid
            self.valid[flat] = True
            for p, (_, cols) in zip(pos, tables, strict=True):
                for c, v in cols.items():
                    self.unit[c][flat] = v[p]

    def key_names(self, keys: np.ndarray) -> list[dict[str, Any]]:
        """(route, stage_kind, stage_index) of flat keys, for messages."""
        ri, st = np.divmod(np.asarray(keys, dtype=np.int64), self.s_max)
        return [{"route": self.route_ids[r], "stage_index": int(s),
                 "stage_kind": "stop" if self.is_stop[k] else "leg"}
                for r, s, k in zip(ri, st, keys, strict=True)]

    def check(self, keys: np.ndarray, what: str) -> None:
        bad = ~self.valid[keys]
        if bad.any():
            miss = self.key_names(np.unique(keys[bad])[:5])
            raise ScenarioError(f"{what}: stages not found in the accounting tables, e.g. {miss}")


class RecordAccounting:
    """Accounting of a run computed from its records (see :func:`account_records`)."""

    def __init__(self, per_consignment: dict[str, np.ndarray], summary: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], footprints: dict[str, Any],
                 accountant: LegAccountant, reefer: np.ndarray, units: _StageUnits,
                 route_ids: list[str]) -> None:
        self.per_consignment, self.summary = per_consignment, summary
        self.tables, self.footprints, self.accountant = tables, footprints, accountant
        self.reefer = reefer
        self.units, self.route_ids = units, route_ids

    def _route_codes(self, legs: pd.DataFrame) -> np.ndarray:
        rk = legs["route_key"]
        if isinstance(rk.dtype, pd.CategoricalDtype):
            codes = rk.cat.codes.to_numpy().astype(np.int64)
            cats = list(rk.cat.categories)
            if cats != self.route_ids:
                remap = pd.Index(self.route_ids).get_indexer(cats)
                codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        else:
            codes = pd.Index(self.route_ids).get_indexer(rk).astype(np.int64)
        if (codes < 0).any():
            raise ScenarioError(f"legs: unknown route_key, e.g. "
                                f"{sorted(set(rk[codes < 0].astype(str)))[:5]}")
        return codes

    def extend_legs(self, legs: pd.DataFrame) -> pd.DataFrame:
        """``legs`` (a chunk of the legs table) with the accounting columns appended.

        Same columns and values as :meth:`LegAccountant.extend` (in place; returned), by
        integer lookup of (route instance, stage).
        """
        u = self.units
        si = legs["stage_index"].to_numpy(np.int64)
        if len(si) and (si.min() < 0 or si.max() >= u.s_max):
            raise ScenarioError(f"legs: stage_index outside 0..{u.s_max - 1}")
        key = self._route_codes(legs) * u.s_max + si
        u.check(key, "legs")
        teu = legs["teu"].to_numpy(float)
        if "reefer" in legs.columns:
            flags = legs["reefer"].fillna(False).to_numpy(bool)
        else:
            flags = self.reefer[legs["consignment_id"].to_numpy(np.int64)]
        hours = legs["end_h"].to_numpy(float) - legs["start_h"].to_numpy(float)
        np.copyto(hours, 0.0, where=np.isnan(hours))

        def col(name: str) -> np.ndarray:
            return u.unit[name][key]

        # the formulas and their order of operations are those of emissions.apply_to_legs
        # and cost.apply_to_legs, so that the values are identical (without reefers the
        # reefer terms, all zero, are left out)
        out = {c: col(f"{c.replace('_kg', '_kg_per_teu', 1)}") * teu for c in
               ("co2e_wtw_kg", "co2e_ttw_kg", "co2e_wtw_kg_rail", "co2e_wtw_kg_sea",
                "co2e_wtw_kg_road", "co2e_wtw_kg_hub")}
        if flags.any():
            reefer = flags * teu
            stop_h = np.where(u.is_stop[key], hours, 0.0)
            plug = reefer * col("reefer_plug_wtw_kg_per_teu_h") * stop_h
            sea_extra = reefer * col("co2e_wtw_kg_per_teu_reefer_extra")
            out["co2e_wtw_kg"] = out["co2e_wtw_kg"] + sea_extra + plug
            out["co2e_ttw_kg"] += reefer * col("co2e_ttw_kg_per_teu_reefer_extra")
            out["co2e_wtw_kg_sea"] += sea_extra
            out["co2e_wtw_kg_hub"] += plug
        for part in _COST_PARTS:
            out[f"cost_usd_{part}"] = col(f"cost_usd_per_teu_{part}") * teu
        value, rate = self._inventory
        out["cost_usd_inventory"] = teu * value * rate * hours / HOURS_PER_YEAR
        out["cost_usd"] = col("cost_usd_per_teu") * teu + out["cost_usd_inventory"]
        for c in LEG_COLUMNS:
            legs[c] = out[c]
        return legs

    @property
    def _inventory(self) -> tuple[float, float]:
        cfg = self.accountant.cfg
        return inventory_parameters(self.accountant.tariffs,
                                    cargo_value_usd_per_teu=cfg.cargo_value_usd_per_teu,
                                    inventory_rate_per_year=cfg.inventory_rate_per_year)


def _str_array(values: list[str]) -> pd.api.extensions.ExtensionArray:
    """Strings with the dtype of the tables' string columns (``results._str_column``)."""
    return pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def account_records(scn: Any, routes: Mapping[str, Any], trace: Any, counted: np.ndarray,
                    *, max_rows: int = 250_000) -> RecordAccounting:
    """Accounting of a run from its records (``trace``: :class:`corridorsim.results.SimTrace`).

    ``counted`` marks the consignments the route statistics use (booked after warm-up and
    delivered). Gives the same numbers as :func:`account_run` on the run's tables, without
    building them: per-stage unit values are looked up by ``route index * s_max + stage``
    and summed per consignment and per stage over counted consignments (``bincount``),
    ``max_rows`` record rows at a time (temporaries of a few ``max_rows`` arrays).

    Per consignment ``i`` with rows entered ``r`` (stage keys ``k``; ``h`` = hours in the
    stage, NaN -> 0; reefer TEU ``R = teu_i`` for reefer consignments, else 0)::

        co2e_wtw = teu_i * sum wtw[k] + R * sum(reefer_extra[k] + plug[k] * h)
        co2e_ttw = teu_i * sum ttw[k] + R * sum ttw_reefer_extra[k]
        cost     = teu_i * sum cost[k] + teu_i * value * rate * sum h / 8760

    (``plug`` is zero on legs, so ``plug * h`` is plug power over the stop hours.)
    """
    from corridorsim.results import chunk_bounds

    rec = trace.records
    acct = LegAccountant(scn, routes)
    attrs = trace.attrs
    route_ids = list(rec.route_ids)
    units = _StageUnits(acct, route_ids, attrs.is_leg)
    value, rate = inventory_parameters(acct.tariffs,
                                       cargo_value_usd_per_teu=acct.cfg.cargo_value_usd_per_teu,
                                       inventory_rate_per_year=acct.cfg.inventory_rate_per_year)
    s_max, sentinel = units.s_max, units.sentinel
    n_keys = sentinel + 1
    un = units.unit
    counted = np.asarray(counted, dtype=bool)
    n = rec.n
    per = {c: np.zeros(n) for c in ("co2e_wtw_kg", "co2e_ttw_kg", "cost_usd")}
    # per stage key, over the entered rows of counted consignments: rows, TEU, TEU x hours,
    # reefer TEU, reefer TEU x hours
    g_n, g_teu, g_teu_h, g_rf, g_rf_h = (np.zeros(n_keys) for _ in range(5))
    # a stage is in ``reduced`` if a counted consignment entered it: TEU > 0 tells, unless
    # some consignment has no TEU (then count rows)
    count_rows = bool(n) and not bool((rec.teu[counted] > 0).all())
    any_reefer = bool(rec.reefer.any()) if n else False
    for lo, hi in chunk_bounds(rec, max_rows) if n else []:
        if hi <= lo:
            continue
        r0 = int(rec.off[lo])
        r1 = int(rec.off[hi]) if hi < n else rec.n_rows
        m = hi - lo
        slots = rec.slots[lo:hi]
        # chunk-local consignment of every row, and its flat key route * s_max + stage
        # (the sentinel where the row was never entered)
        cid = np.repeat(np.arange(m, dtype=np.int64), slots)
        key = (rec.route[lo:hi] * s_max - (rec.off[lo:hi] - r0))[cid]
        key += np.arange(r1 - r0, dtype=np.int64)
        t_in = rec.t_in[r0:r1]
        key[np.isnan(t_in)] = sentinel
        hours = rec.t_out[r0:r1] - t_in  # hours in the stage, NaN -> 0
        np.copyto(hours, 0.0, where=np.isnan(hours))

        def seg_sum(w: np.ndarray, *, cid: np.ndarray = cid, m: int = m) -> np.ndarray:
            """Sum of the row values ``w`` per consignment of the chunk."""
            return np.bincount(cid, weights=w, minlength=m)

        teu = rec.teu[lo:hi]
        wtw = teu * seg_sum(un["co2e_wtw_kg_per_teu"][key])
        ttw = teu * seg_sum(un["co2e_ttw_kg_per_teu"][key])
        cost = teu * seg_sum(un["cost_usd_per_teu"][key])
        cost += teu * value * rate * seg_sum(hours) / HOURS_PER_YEAR
        chunk_reefer = any_reefer and bool(rec.reefer[lo:hi].any())
        rteu = teu * rec.reefer[lo:hi]
        if chunk_reefer:
            plug_h = un["reefer_plug_wtw_kg_per_teu_h"][key]
            plug_h *= hours
            wtw += rteu * (seg_sum(un["co2e_wtw_kg_per_teu_reefer_extra"][key])
                           + seg_sum(plug_h))
            ttw += rteu * seg_sum(un["co2e_ttw_kg_per_teu_reefer_extra"][key])
            del plug_h
        per["co2e_wtw_kg"][lo:hi] = wtw
        per["co2e_ttw_kg"][lo:hi] = ttw
        per["cost_usd"][lo:hi] = cost
        bad = ~(np.isfinite(wtw) & np.isfinite(ttw) & np.isfinite(cost))
        if bad.any():
            units.check(key, "records")
            raise ScenarioError(f"records: non-finite accounting for consignments "
                                f"{(np.flatnonzero(bad)[:5] + lo).tolist()}")
        c = counted[lo:hi]
        if c.any():
            if not c.all():
                key[~c[cid]] = sentinel  # only counted consignments from here on
            if count_rows:
                g_n += np.bincount(key, minlength=n_keys)
            w = teu[cid]
            g_teu += np.bincount(key, weights=w, minlength=n_keys)
            w *= hours
            g_teu_h += np.bincount(key, weights=w, minlength=n_keys)
            if chunk_reefer:
                w = rteu[cid]
                g_rf += np.bincount(key, weights=w, minlength=n_keys)
                w *= hours
                g_rf_h += np.bincount(key, weights=w, minlength=n_keys)
            del w
        del cid, key, hours

    # --- per-stage sums of the counted consignments (account_run's ``reduced``)
    k = np.flatnonzero((g_n if count_rows else g_teu)[:-1] > 0)
    units.check(k, "records")
    ri, st = np.divmod(k, s_max)
    T, R, RH = g_teu[k], g_rf[k], g_rf_h[k]

    def u(name: str) -> np.ndarray:
        return un[name][k]

    plug = u("reefer_plug_wtw_kg_per_teu_h") * RH
    sea_extra = u("co2e_wtw_kg_per_teu_reefer_extra") * R
    inventory = value * rate * g_teu_h[k] / HOURS_PER_YEAR
    sums = {
        "teu": T,
        "co2e_wtw_kg": u("co2e_wtw_kg_per_teu") * T + sea_extra + plug,
        "co2e_ttw_kg": u("co2e_ttw_kg_per_teu") * T + u("co2e_ttw_kg_per_teu_reefer_extra") * R,
        "co2e_wtw_kg_rail": u("co2e_wtw_kg_per_teu_rail") * T,
        "co2e_wtw_kg_sea": u("co2e_wtw_kg_per_teu_sea") * T + sea_extra,
        "co2e_wtw_kg_road": u("co2e_wtw_kg_per_teu_road") * T,
        "co2e_wtw_kg_hub": u("co2e_wtw_kg_per_teu_hub") * T + plug,
        "cost_usd": u("cost_usd_per_teu") * T + inventory,
        **{f"cost_usd_{p}": u(f"cost_usd_per_teu_{p}") * T for p in _COST_PARTS},
        "cost_usd_inventory": inventory,
    }
    # one row per (route instance, stage_kind, stage_index), sorted like account_run's groupby
    keys = [units.route_ids[r] for r in ri]
    kinds = ["stop" if units.is_stop[j] else "leg" for j in k]
    idx = st.tolist()
    order = sorted(range(len(k)), key=lambda j: (keys[j], kinds[j], idx[j]))
    reduced = pd.DataFrame({
        "route": _str_array([keys[j] for j in order]),
        "stage_kind": _str_array([kinds[j] for j in order]),
        "stage_index": np.array([idx[j] for j in order], dtype=np.int64),
        **{c: sums[c][order] for c in ["teu", *_CO2, *_COST]},
    })
    reduced["consignment_id"] = 0  # already restricted to counted consignments

    # --- counted consignments by route instance, one row each: TEU and TEU-weighted transit
    # (``route_accounting`` needs no more; its ``n_consignments`` is dropped from the summary)
    n_r = len(route_ids)
    ri_c = rec.route[counted].astype(np.int64)
    teu_c = rec.teu[counted]
    transit = rec.delivered_h[counted] - rec.created_h[counted]
    r_teu = np.bincount(ri_c, weights=teu_c, minlength=n_r)
    r_th = np.bincount(ri_c, weights=transit * teu_c, minlength=n_r)
    r_n = np.bincount(ri_c, minlength=n_r)
    keep = [i for i in sorted(range(n_r), key=lambda i: route_ids[i]) if r_n[i] > 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_transit = r_th[keep] / r_teu[keep]
    stats = pd.DataFrame({
        "consignment_id": np.arange(len(keep), dtype=np.int64),
        "route": _str_array([route_ids[i] for i in keep]),
        "teu": r_teu[keep],
        "delivered_h": np.zeros(len(keep)),
        "transit_h": mean_transit,
    })
    summary, tables, footprints = _route_results(acct.cfg, acct, reduced, stats)
    return RecordAccounting(per, summary, tables, footprints, acct, rec.reefer,
                            units=units, route_ids=route_ids)
