"""Total wait per TEU passing each facility, by cause, from the run's leg table (the map's
facility colour and popup).

Where the engine files a consignment's hours (``sim/engine.py``), and so where they count:

- **at a stop** (a ``stop`` row at the node): every cause — server queue, border or handling
  work and dwell, blocking, the place's own closures and opening hours;
- **before departure** (a ``leg`` row leaving the node): ``queue`` (no vehicle or no room on
  board), ``weather`` (sailings held by storms), ``disruption`` (the service closed) and
  ``blocking``. Waiting for the vehicle to fill (``consolidation``) or for its timetable slot
  (``schedule``) is the service's rhythm, not congestion at the place, and is not counted;
- **en route** (a facility passed without unloading, e.g. Brest or an EU-internal border):
  the engine adds a leg's en-route border and handling hours up per leg, so they are shared
  equally among the leg's en-route facilities (chokepoints excepted).

A facility's TEU passing are the TEU of its stop rows and of the legs that pass it en route.
Only consignments booked after the warm-up count; a large run is sampled as the report does
(:meth:`~corridorsim.result.RunResult.sample`), which leaves means per TEU unbiased.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridorsim.routing import Leg

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["CAUSES", "DEPARTURE_CAUSES", "ENROUTE_CAUSES", "MAP_SAMPLE", "facility_waits",
           "waits_by_facility"]

#: every waiting cause, in the engine's order (``sim.records.CAUSES``)
CAUSES = ("consolidation", "queue", "schedule", "weather", "border", "handling",
          "disruption", "blocking")
#: causes of a leg row that happened at its departure node
DEPARTURE_CAUSES = ("queue", "weather", "disruption", "blocking")
#: causes of a leg row that happened at the facilities it passed en route
ENROUTE_CAUSES = ("border", "handling")
#: most consignments read (the report's sample size, so both share one sample)
MAP_SAMPLE = 500_000


def _stat_legs(res: RunResult) -> pd.DataFrame:
    view = res.sample(MAP_SAMPLE) if hasattr(res, "sample") else res
    legs, cons = view.legs, view.consignments
    if "in_stats" in cons:
        ids = cons.loc[cons["in_stats"].astype(bool), "consignment_id"]
        legs = legs[legs["consignment_id"].isin(ids)]
    legs = legs[legs["end_h"].notna()]
    direction = {k: inst.route.direction for k, inst in res.routes.items()}
    keys = legs["route_key"].astype(str)
    return legs.assign(route_key=keys, direction=keys.map(direction).fillna(""))


def _teuh(legs: pd.DataFrame, causes: tuple[str, ...]) -> pd.DataFrame:
    """TEU-hours per cause (columns named by cause) of each row, plus its ``teu``."""
    out = {c: legs[f"wait_{c}_h"].fillna(0.0).to_numpy() * legs["teu"].to_numpy()
           for c in causes if f"wait_{c}_h" in legs}
    return pd.DataFrame({**out, "teu": legs["teu"].to_numpy()}, index=legs.index)


def _at_stops(legs: pd.DataFrame) -> pd.DataFrame:
    stops = legs[legs["stage_kind"] == "stop"]
    t = _teuh(stops, CAUSES)
    t["node"], t["direction"] = stops["node_from"].astype(str), stops["direction"]
    return t.groupby(["node", "direction"]).sum()


def _before_departure(legs: pd.DataFrame) -> pd.DataFrame:
    dep = legs[legs["stage_kind"] == "leg"]
    t = _teuh(dep, DEPARTURE_CAUSES).drop(columns="teu")  # they passed the stop already
    t["node"], t["direction"] = dep["node_from"].astype(str), dep["direction"]
    return t.groupby(["node", "direction"]).sum()


def _en_route(res: RunResult, legs: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    legs = legs[legs["stage_kind"] == "leg"]
    t = _teuh(legs, ENROUTE_CAUSES)
    t["route_key"], t["stage_index"] = legs["route_key"], legs["stage_index"]
    per_leg = t.groupby(["route_key", "stage_index"]).sum()
    rows: list[dict[str, object]] = []
    for (key, idx), row in zip(per_leg.index.to_list(), per_leg.to_dict("records"),
                               strict=True):
        inst = res.routes.get(str(key))
        stage = inst.route.stages[int(idx)] if inst is not None else None
        if inst is None or not isinstance(stage, Leg):
            continue
        ways = [w.node for w in stage.waypoints if kinds.get(w.node) != "chokepoint"]
        for node in ways:
            share = {c: float(row[c]) / len(ways) for c in ENROUTE_CAUSES if c in row}
            rows.append({"node": node, "direction": inst.route.direction, **share,
                         "teu": float(row["teu"])})
    if not rows:
        return pd.DataFrame(columns=["teu"], index=pd.MultiIndex.from_tuples(
            [], names=["node", "direction"]))
    return pd.DataFrame(rows).groupby(["node", "direction"]).sum()


def facility_waits(res: RunResult) -> pd.DataFrame:
    """Per facility (index ``node``, ``direction``): ``teu_through`` and the mean wait per
    TEU passing, ``wait_<cause>_h_per_teu`` and ``total_h_per_teu`` (see the module's
    docstring for what counts where)."""
    legs = _stat_legs(res)
    kinds = {str(k): str(v) for k, v in res.network.nodes["kind"].items()}
    parts = [_at_stops(legs), _before_departure(legs), _en_route(res, legs, kinds)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["teu_through", "total_h_per_teu"])
    total = pd.concat(parts).groupby(level=["node", "direction"]).sum()
    teu = total.pop("teu").astype(float)
    out = pd.DataFrame({"teu_through": teu}, index=total.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in CAUSES:
            col = total[c] if c in total else pd.Series(0.0, index=total.index)
            out[f"wait_{c}_h_per_teu"] = (col / teu).where(teu > 0)
    out["total_h_per_teu"] = out[[f"wait_{c}_h_per_teu" for c in CAUSES]].sum(
        axis=1, min_count=1)
    return out.sort_index()


def waits_by_facility(res: RunResult) -> dict[tuple[str, str], dict[str, float]]:
    """:func:`facility_waits` as ``(node, direction) → {column: value}``."""
    fw = facility_waits(res)
    return {(str(n), str(d)): {str(k): float(v) for k, v in row.items()}
            for (n, d), row in zip(fw.index.to_list(), fw.to_dict("records"), strict=True)}
