"""The run pipeline's accounting step: emissions and cost from the engine's records.

:func:`account_records` prices every stage entered (:class:`~corridorsim.accounting.stages.StageUnits`,
unit values looked up by ``route index * s_max + stage``), applies the formulas of
:mod:`corridorsim.accounting.formulas` per consignment and per stage, and hands the
per-stage sums to :func:`~corridorsim.accounting.summary.route_results`;
:meth:`RecordAccounting.extend_legs` applies the same formulas to the rows of a legs table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from corridorsim.accounting.footprint import Footprint
from corridorsim.accounting.formulas import (
    CO2E_COLUMNS,
    COST_COLUMNS,
    LEG_COLUMNS,
    PLUG,
    Activity,
    FloatArray,
    co2e_kg,
    cost_usd,
    leg_amounts,
)
from corridorsim.accounting.stages import AccountingInputs, StageUnits
from corridorsim.accounting.summary import route_results, str_array
from corridorsim.analysis.tables import chunk_bounds
from corridorsim.errors import ScenarioError

if TYPE_CHECKING:
    from corridorsim.analysis.tables import SimTrace
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.scenario.model import Scenario
    from corridorsim.sim.records import RunRecords

__all__ = ["LEG_COLUMNS", "RecordAccounting", "account_records"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class RecordAccounting:
    """Accounting of a run computed from its records (see :func:`account_records`)."""

    def __init__(self, per_consignment: dict[str, FloatArray], summary: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], footprints: dict[str, Footprint],
                 inputs: AccountingInputs, reefer: BoolArray, units: StageUnits) -> None:
        self.per_consignment, self.summary = per_consignment, summary
        self.tables, self.footprints, self.inputs = tables, footprints, inputs
        self.reefer = reefer
        self.units, self.route_ids = units, units.route_ids

    def _route_codes(self, legs: pd.DataFrame) -> IntArray:
        rk = legs["route_key"]
        ids = pd.Index(self.route_ids)
        if isinstance(rk.dtype, pd.CategoricalDtype):
            codes = rk.cat.codes.to_numpy().astype(np.int64)
            cats = list(rk.cat.categories)
            if cats != self.route_ids:
                remap = ids.get_indexer(pd.Index(cats))
                codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        else:
            codes = ids.get_indexer(pd.Index(rk)).astype(np.int64)
        if (codes < 0).any():
            raise ScenarioError(f"legs: unknown route_key, e.g. "
                                f"{sorted(set(rk[codes < 0].astype(str)))[:5]}")
        return codes

    def extend_legs(self, legs: pd.DataFrame) -> pd.DataFrame:
        """``legs`` (a chunk of the legs table) with the :data:`LEG_COLUMNS` appended
        (in place; returned), by integer lookup of (route instance, stage)."""
        reefer = (legs["reefer"].fillna(False).to_numpy(bool) if "reefer" in legs.columns
                  else None)
        out = self.leg_columns(
            self._route_codes(legs), legs["stage_index"].to_numpy(np.int64),
            legs["teu"].to_numpy(float), legs["start_h"].to_numpy(float),
            legs["end_h"].to_numpy(float), legs["consignment_id"].to_numpy(np.int64), reefer)
        for c in LEG_COLUMNS:
            legs[c] = out[c]
        return legs

    def leg_columns(self, route: IntArray, stage: IntArray, teu: FloatArray,
                    start_h: FloatArray, end_h: FloatArray, consignment: IntArray,
                    reefer: BoolArray | None = None) -> dict[str, FloatArray]:
        """The :data:`LEG_COLUMNS` of leg rows given as arrays (``route``: index into the
        run's route ids; ``reefer``: per row, else looked up by consignment)."""
        u = self.units
        si = np.asarray(stage, dtype=np.int64)
        if len(si) and (si.min() < 0 or si.max() >= u.s_max):
            raise ScenarioError(f"legs: stage_index outside 0..{u.s_max - 1}")
        key = np.asarray(route, dtype=np.int64) * u.s_max + si
        u.check(key, "legs")
        flags = reefer if reefer is not None else self.reefer[consignment]
        hours = end_h - start_h
        np.copyto(hours, 0.0, where=np.isnan(hours))  # still in the stage: no hours yet
        reefer_teu = flags * teu if flags.any() else None
        act = Activity(teu=teu, teu_h=teu * hours, reefer_teu=reefer_teu,
                       reefer_teu_h=None if reefer_teu is None else reefer_teu * hours)
        out = leg_amounts(lambda name: u.unit[name][key], act, self.inputs.inventory)
        return {c: out[c] for c in LEG_COLUMNS}


@dataclass
class _Sums:
    """What :func:`account_records` accumulates over the chunks of records.

    Per consignment: its totals. Per stage key, over the entered rows of counted
    consignments: rows, TEU, TEU-hours, reefer TEU, reefer TEU-hours.
    """

    n: int
    n_keys: int
    per: dict[str, FloatArray] = field(init=False)
    rows: FloatArray = field(init=False)
    teu: FloatArray = field(init=False)
    teu_h: FloatArray = field(init=False)
    reefer_teu: FloatArray = field(init=False)
    reefer_teu_h: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.per = {c: np.zeros(self.n) for c in ("co2e_wtw_kg", "co2e_ttw_kg", "cost_usd")}
        self.rows, self.teu, self.teu_h, self.reefer_teu, self.reefer_teu_h = (
            np.zeros(self.n_keys) for _ in range(5))


def _chunk(rec: RunRecords, units: StageUnits, lo: int, hi: int, inventory: tuple[float, float],
           counted: BoolArray, sums: _Sums, *, count_rows: bool, any_reefer: bool) -> None:
    """Add consignments ``lo <= i < hi`` to ``sums``."""
    r0 = int(rec.first_row[lo])
    r1 = int(rec.first_row[hi]) if hi < rec.n else rec.n_rows
    m = hi - lo
    # chunk-local consignment of every row, and its flat key route * s_max + stage
    # (the sentinel where the row was never entered)
    cid = np.repeat(np.arange(m, dtype=np.int64), rec.slots[lo:hi])
    key = (rec.route[lo:hi] * units.s_max - (rec.first_row[lo:hi] - r0))[cid]
    key += np.arange(r1 - r0, dtype=np.int64)
    t_in = rec.t_in[r0:r1]
    key[np.isnan(t_in)] = units.sentinel
    hours = rec.t_out[r0:r1] - t_in  # hours in the stage, NaN -> 0
    np.copyto(hours, 0.0, where=np.isnan(hours))

    def unit_sum(name: str) -> FloatArray:
        """A unit value summed over each consignment's stages (the plug with its hours)."""
        w = units.unit[name][key]
        if name == PLUG:
            w *= hours
        return np.asarray(np.bincount(cid, weights=w, minlength=m), dtype=np.float64)

    teu = rec.teu[lo:hi]
    chunk_reefer = any_reefer and bool(rec.reefer[lo:hi].any())
    rteu = teu * rec.reefer[lo:hi]
    # TEU is the same at every stage of a consignment: the formulas on the summed unit
    # values (see :mod:`corridorsim.accounting.formulas`)
    act = Activity(teu=teu, teu_h=teu * np.bincount(cid, weights=hours, minlength=m),
                   reefer_teu=rteu if chunk_reefer else None,
                   reefer_teu_h=rteu if chunk_reefer else None)
    totals = {**co2e_kg(unit_sum, act, parts=False),
              **cost_usd(unit_sum, act, inventory, parts=False)}
    bad = np.zeros(m, dtype=bool)
    for col, values in totals.items():
        sums.per[col][lo:hi] = values
        bad |= ~np.isfinite(values)
    if bad.any():
        units.check(key, "records")
        raise ScenarioError(f"records: non-finite accounting for consignments "
                            f"{(np.flatnonzero(bad)[:5] + lo).tolist()}")
    c = counted[lo:hi]
    if not c.any():
        return
    if not c.all():
        key[~c[cid]] = units.sentinel  # only counted consignments from here on
    n_keys = sums.n_keys
    if count_rows:
        sums.rows += np.bincount(key, minlength=n_keys)
    w = teu[cid]
    sums.teu += np.bincount(key, weights=w, minlength=n_keys)
    w *= hours
    sums.teu_h += np.bincount(key, weights=w, minlength=n_keys)
    if chunk_reefer:
        w = rteu[cid]
        sums.reefer_teu += np.bincount(key, weights=w, minlength=n_keys)
        w *= hours
        sums.reefer_teu_h += np.bincount(key, weights=w, minlength=n_keys)


def _stage_sums(units: StageUnits, sums: _Sums, inventory: tuple[float, float],
                count_rows: bool) -> pd.DataFrame:
    """One row per (route instance, stage_kind, stage_index) entered by a counted
    consignment, sorted by those keys: ``teu`` and the amounts summed over them."""
    k = np.flatnonzero((sums.rows if count_rows else sums.teu)[:-1] > 0)
    units.check(k, "records")
    ri, st = np.divmod(k, units.s_max)
    act = Activity(teu=sums.teu[k], teu_h=sums.teu_h[k], reefer_teu=sums.reefer_teu[k],
                   reefer_teu_h=sums.reefer_teu_h[k])
    amounts = {"teu": act.teu, **leg_amounts(lambda name: units.unit[name][k], act, inventory)}
    keys = [units.route_ids[r] for r in ri]
    kinds = ["stop" if units.is_stop[j] else "leg" for j in k]
    idx = st.tolist()
    order = sorted(range(len(k)), key=lambda j: (keys[j], kinds[j], idx[j]))
    return pd.DataFrame({
        "route": str_array([keys[j] for j in order]),
        "stage_kind": str_array([kinds[j] for j in order]),
        "stage_index": np.array([idx[j] for j in order], dtype=np.int64),
        **{c: amounts[c][order] for c in ["teu", *CO2E_COLUMNS, *COST_COLUMNS]},
    })


def _route_stats(rec: RunRecords, counted: BoolArray) -> pd.DataFrame:
    """Counted consignments by route instance, one row each: TEU and TEU-weighted mean
    transit hours."""
    route_ids = list(rec.route_ids)
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
    return pd.DataFrame({"route": str_array([route_ids[i] for i in keep]),
                         "teu": r_teu[keep], "transit_h": mean_transit})


def account_records(scn: Scenario, routes: Mapping[str, RouteInstance], trace: SimTrace,
                    counted: npt.ArrayLike, *, max_rows: int = 250_000) -> RecordAccounting:
    """Accounting of a run from its records.

    ``counted`` marks the consignments the route statistics use (booked after warm-up and
    delivered). Per-stage unit values are looked up by ``route index * s_max + stage``
    and summed per consignment and per stage over counted consignments (``bincount``),
    ``max_rows`` record rows at a time (temporaries of a few ``max_rows`` arrays), without
    building the legs table.

    Per consignment ``i`` with rows entered ``r`` (stage keys ``k``; ``h`` = hours in the
    stage, NaN -> 0; reefer TEU ``R = teu_i`` for reefer consignments, else 0)::

        co2e_wtw = teu_i * sum wtw[k] + R * sum reefer_extra[k] + R * sum plug[k] * h
        co2e_ttw = teu_i * sum ttw[k] + R * sum ttw_reefer_extra[k]
        cost     = teu_i * sum cost[k] + value * rate * teu_i * sum h / 8760

    (``plug`` is zero on legs, so ``plug * h`` is plug power over the stop hours.)
    """
    rec = trace.records
    inputs = AccountingInputs(scn, routes)
    units = StageUnits(inputs, list(rec.route_ids), trace.attrs.is_leg)
    inventory = inputs.inventory
    mask = np.asarray(counted, dtype=bool)
    sums = _Sums(rec.n, units.sentinel + 1)
    # a stage is in the stage sums if a counted consignment entered it: TEU > 0 tells,
    # unless some consignment has no TEU (then count rows)
    count_rows = bool(rec.n) and not bool((rec.teu[mask] > 0).all())
    any_reefer = bool(rec.reefer.any()) if rec.n else False
    for lo, hi in chunk_bounds(rec, max_rows) if rec.n else []:
        if hi > lo:
            _chunk(rec, units, lo, hi, inventory, mask, sums, count_rows=count_rows,
                   any_reefer=any_reefer)
    stage_sums = _stage_sums(units, sums, inventory, count_rows)
    summary, tables, footprints = route_results(inputs, stage_sums, _route_stats(rec, mask))
    return RecordAccounting(sums.per, summary, tables, footprints, inputs, rec.reefer, units)
