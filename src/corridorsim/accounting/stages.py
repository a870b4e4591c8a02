"""The static accounting inputs of a run: per-stage unit values of every route instance.

:func:`route_tables` lays the routes out as the ``segments`` and ``stops`` tables that
:func:`~corridorsim.accounting.emissions.intensity_breakdown` and
:func:`~corridorsim.accounting.cost.stage_costs` price; :class:`AccountingInputs` holds
the results for one run and :class:`StageUnits` flattens them into arrays indexed by
``route index * s_max + stage`` for the record-based accounting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from corridorsim.accounting.cost import inventory_parameters, stage_costs
from corridorsim.accounting.emissions import (
    intensity_breakdown,
    stage_intensities_from_breakdown,
)
from corridorsim.accounting.factors import FactorTable, load_factors, load_tariffs
from corridorsim.accounting.formulas import COST_UNITS, INTENSITY_UNITS, FloatArray
from corridorsim.errors import ScenarioError
from corridorsim.routing import Route, Stop
from corridorsim.routing.tables import segments_table, stops_table

if TYPE_CHECKING:
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.scenario.model import Scenario

__all__ = ["CAPE", "AccountingInputs", "StageUnits", "route_tables", "scenario_tariffs"]

#: a segment whose leg rounds the Cape of Good Hope (``Leg.chokepoints``) is priced and
#: emitted at the Cape deep-sea rates
CAPE = "cape"


def route_tables(routes: Mapping[str, RouteInstance | Route]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``segments`` and ``stops`` tables of the accounting for ``routes`` (key → route
    instance or :class:`~corridorsim.routing.Route`), with the mapping's key in ``route``.

    Segments get a boolean ``cape`` column: the segment's leg rounds the Cape (``"cape"``
    among the leg's chokepoints), known from the leg itself and not from the family id; and
    ``eastbound``: the route runs Europe → China (the backhaul tariffs apply).
    """
    segs, stops = [], []
    for key, inst in routes.items():
        route = inst if isinstance(inst, Route) else inst.route
        s = segments_table({key: route})
        p = stops_table({key: route})
        s["route"], p["route"] = key, key
        cape = [leg.index for leg in route.legs if CAPE in leg.chokepoints]
        s["cape"] = s["stage_index"].isin(cape).to_numpy(bool)
        s["eastbound"] = route.direction == "eastbound"
        segs.append(s)
        stops.append(p)
    return pd.concat(segs, ignore_index=True), pd.concat(stops, ignore_index=True)


class AccountingInputs:
    """Static accounting inputs of one run: factors, tariffs and per-stage unit values
    (``intens``, ``costs``, one row per ``(route, stage_kind, stage_index)``; ``route``
    is the route instance key) and the emission breakdown by country."""

    def __init__(self, scn: Scenario, routes: Mapping[str, RouteInstance]) -> None:
        cfg = self.cfg = scn.accounting
        self.factors = load_factors(cfg.emission_factors or None)
        self.tariffs = scenario_tariffs(scn)
        segments, stops = self.segments, self.stops = route_tables(routes)
        #: (family, origin, destination) of each route instance key (the tables' ``route``)
        self.instances = {key: (inst.family, inst.origin, inst.destination)
                          for key, inst in routes.items()}
        #: what each stage is, by (route instance key, stage_index): a stop's node, a
        #: leg's ``from-to`` nodes
        self.stage_labels = {
            (key, st.index): (st.node if isinstance(st, Stop) else f"{st.from_node}-{st.to_node}")
            for key, inst in routes.items() for st in inst.route.stages}
        self.breakdown = intensity_breakdown(
            segments, stops, self.factors, cargo_t_per_teu=cfg.cargo_t_per_teu,
            tare_t_per_teu=cfg.tare_t_per_teu, include_tare=cfg.include_tare)
        self.intens = stage_intensities_from_breakdown(self.breakdown)
        self.costs = stage_costs(segments, stops, self.tariffs)

    @property
    def inventory(self) -> tuple[float, float]:
        """Cargo value (USD/TEU) and carrying-cost rate (1/yr) of the inventory cost."""
        return inventory_parameters(self.tariffs,
                                    cargo_value_usd_per_teu=self.cfg.cargo_value_usd_per_teu,
                                    inventory_rate_per_year=self.cfg.inventory_rate_per_year)


def scenario_tariffs(scn: Scenario) -> FactorTable:
    """The cost tariffs a scenario is priced at: its year of rates
    (``accounting.rates_year``) with its overrides (``accounting.tariffs``)."""
    cfg = scn.accounting
    return load_tariffs(cfg.tariffs or None, year=cfg.rates_year)


StageKey = tuple[str, str, int]


def _positions(table: pd.DataFrame) -> dict[StageKey, int]:
    """Row of each (route, stage_kind, stage_index) of a per-stage table."""
    where: dict[StageKey, int] = {}
    for i, k in enumerate(zip(table["route"].astype(str), table["stage_kind"].astype(str),
                              table["stage_index"].to_numpy(np.int64).tolist(), strict=True)):
        if where.setdefault(k, i) != i:
            raise ScenarioError(f"accounting tables: duplicated stage {k}")
    return where


class StageUnits:
    """:class:`AccountingInputs`' per-stage unit values as flat arrays over (route index,
    stage).

    Entry ``ri * s_max + s`` holds stage ``s`` of route instance ``route_ids[ri]`` (looked
    up in the static tables at ``(route_ids[ri], kind, s)``); one extra last
    entry (:attr:`sentinel`) is zero, for rows never entered. Stages a route does not have,
    or that the tables lack, are NaN (``valid`` False).
    """

    def __init__(self, inputs: AccountingInputs, route_ids: list[str],
                 is_leg: npt.NDArray[np.integer]) -> None:
        n_r, s_max = is_leg.shape
        self.s_max, self.sentinel = s_max, n_r * s_max
        self.route_ids = list(route_ids)
        kind = is_leg.ravel()
        self.is_stop = np.append(kind == 0, False)
        self.valid = np.append(np.zeros(n_r * s_max, dtype=bool), True)
        self.unit: dict[str, FloatArray] = {}
        tables = []
        for table, cols in ((inputs.intens, INTENSITY_UNITS), (inputs.costs, COST_UNITS)):
            tables.append((_positions(table), {c: table[c].to_numpy(float) for c in cols}))
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
            for p, (_, values) in zip(pos, tables, strict=True):
                for c, v in values.items():
                    self.unit[c][flat] = v[p]

    def key_names(self, keys: npt.NDArray[np.integer]) -> list[dict[str, str | int]]:
        """(route, stage_kind, stage_index) of flat keys, for messages."""
        ri, st = np.divmod(np.asarray(keys, dtype=np.int64), self.s_max)
        return [{"route": self.route_ids[r], "stage_index": int(s),
                 "stage_kind": "stop" if self.is_stop[k] else "leg"}
                for r, s, k in zip(ri, st, keys, strict=True)]

    def check(self, keys: npt.NDArray[np.integer], what: str) -> None:
        """Raise if a key of ``keys`` is a stage the accounting tables lack."""
        bad = ~self.valid[keys]
        if bad.any():
            miss = self.key_names(np.unique(keys[bad])[:5])
            raise ScenarioError(f"{what}: stages not found in the accounting tables, e.g. {miss}")
