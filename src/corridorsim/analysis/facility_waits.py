"""Total wait per TEU passing each facility, by cause (the map's facility colour and popup),
from the run's per-stage totals (:func:`corridorsim.analysis.stage_totals.stage_totals`).

Where the engine files a consignment's hours (``sim/engine.py``), and so where they count:

- **at a stop** (a ``stop`` stage at the node): every cause — server queue, border or
  handling work and dwell, blocking, the place's own closures and opening hours;
- **before departure** (a ``leg`` stage leaving the node): ``queue`` (no vehicle or no room
  on board), ``weather`` (sailings held by storms), ``disruption`` (the service closed) and
  ``blocking``. Waiting for the vehicle to fill (``consolidation``) or for its timetable slot
  (``schedule``) is the service's rhythm, not congestion at the place, and is not counted;
- **en route** (a facility passed without unloading, e.g. Brest or an EU-internal border):
  the engine adds a leg's en-route border and handling hours up per leg, so they are shared
  equally among the leg's en-route facilities (chokepoints excepted).

A facility's TEU passing are the TEU of its stop stages and of the legs that pass it en
route. Only consignments booked after the warm-up count, every one of them (no sample).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridorsim.analysis.stage_totals import stage_totals
from corridorsim.routing import Leg
from corridorsim.sim.records import CAUSES

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["CAUSES", "DEPARTURE_CAUSES", "ENROUTE_CAUSES", "facility_waits",
           "waits_by_facility"]

#: causes of a leg row that happened at its departure node
DEPARTURE_CAUSES = ("queue", "weather", "disruption", "blocking")
#: causes of a leg row that happened at the facilities it passed en route
ENROUTE_CAUSES = ("border", "handling")


def _per_place(res: RunResult) -> pd.DataFrame:
    """TEU-hours by cause and TEU passing, one row per (node, direction) contribution."""
    totals = stage_totals(res)
    kinds = {str(k): str(v) for k, v in res.network.nodes["kind"].items()}
    rows: list[dict[str, object]] = []
    for (key, idx), row in zip(totals.index.to_list(), totals.to_dict("records"), strict=True):
        inst = res.routes.get(str(key))
        if inst is None or not 0 <= int(idx) < len(inst.route.stages):
            continue
        way = inst.route.direction
        stage = inst.route.stages[int(idx)]
        if not isinstance(stage, Leg):  # a stop: every cause, and its TEU pass here
            rows.append({"node": stage.node, "direction": way, "teu": row["teu"],
                         **{c: row[f"wait_{c}_teuh"] for c in CAUSES}})
            continue
        rows.append({"node": stage.from_node, "direction": way,
                     **{c: row[f"wait_{c}_teuh"] for c in DEPARTURE_CAUSES}})
        ways = [w.node for w in stage.waypoints if kinds.get(w.node) != "chokepoint"]
        for node in ways:
            rows.append({"node": node, "direction": way, "teu": row["teu"],
                         **{c: row[f"wait_{c}_teuh"] / len(ways) for c in ENROUTE_CAUSES}})
    return pd.DataFrame(rows, columns=["node", "direction", "teu", *CAUSES])


def facility_waits(res: RunResult) -> pd.DataFrame:
    """Per facility (index ``node``, ``direction``): ``teu_through`` and the mean wait per
    TEU passing, ``wait_<cause>_h_per_teu`` and ``total_h_per_teu`` (see the module's
    docstring for what counts where)."""
    places = _per_place(res)
    if places.empty:
        return pd.DataFrame(columns=["teu_through", "total_h_per_teu"])
    total = places.fillna(0.0).groupby(["node", "direction"]).sum()
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
