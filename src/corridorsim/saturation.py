"""Saturation: which facilities and services cannot keep up, and how much is stuck there.

When demand exceeds a corridor's capacity, queues grow without bound; the run still ends at
the horizon and this module reports where. A place is **saturated** when

* a facility's servers were busy at least :data:`UTILISATION_LIMIT` of the horizon, or
* the TEU queued there (waiting for a service's vehicle, or inside a facility stop) grew
  over the second half of the place's active period by more than :data:`GROWTH_SHARE` of
  what arrived in that half (and by more than two vehicle loads / :data:`MIN_GROWTH_TEU`).

Queues are measured exactly from the run's tables: a service's queue is the TEU that became
ready for it (``legs.start_h``) minus the TEU its vehicles took (``vehicles.load_teu`` at
``depart_h``) — consignments on board are *not* backlog; a stop's queue is the TEU that
entered it (``start_h``) and has not left (``end_h``). ``backlog_teu`` of a place is its
queue at the horizon. Results go to ``res.info["saturated"]`` (run.json), to the summary
(``saturated_places``, ``queued_teu``) and to the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridorsim.routing import Leg
from corridorsim.sim.build import service_key

if TYPE_CHECKING:
    from corridorsim.run import RunResult

__all__ = ["GROWTH_SHARE", "MIN_GROWTH_TEU", "UTILISATION_LIMIT", "add_saturation",
           "place_queues", "saturated_places"]

UTILISATION_LIMIT = 0.95
GROWTH_SHARE = 0.10
MIN_GROWTH_TEU = 20.0


def _queue(t_in: np.ndarray, t_out: np.ndarray, w: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """TEU present at each time in ``ts`` (entered at ``t_in`` <= t, left at ``t_out`` > t)."""
    oi, oo = np.argsort(t_in, kind="stable"), np.argsort(t_out, kind="stable")
    cin = np.concatenate([[0.0], np.cumsum(w[oi])])
    cout = np.concatenate([[0.0], np.cumsum(w[oo])])
    return (cin[np.searchsorted(t_in[oi], ts, side="right")]
            - cout[np.searchsorted(t_out[oo], ts, side="right")])


def _assess(t_in: np.ndarray, t_out: np.ndarray, w: np.ndarray, horizon_h: float,
            min_growth: float) -> dict[str, Any]:
    """Queue at the horizon and its growth over the second half of the active period.

    ``t_out`` is +inf for what is still there at the horizon. The queue is averaged over a
    window of a tenth of the active period at its middle and at its end, so that single
    vehicle loads do not count as growth.
    """
    backlog = float(w[~np.isfinite(t_out)].sum())
    if not len(t_in):
        return {"backlog_teu": 0.0, "growth_teu": 0.0, "inflow_teu": 0.0, "grew": False}
    t_first = float(t_in.min())
    span = horizon_h - t_first
    t_mid = t_first + span / 2.0
    win = span / 10.0
    q_mid = float(_queue(t_in, t_out, w, np.linspace(t_mid - win / 2, t_mid + win / 2, 21)).mean())
    q_end = float(_queue(t_in, t_out, w, np.linspace(horizon_h - win, horizon_h, 21)).mean())
    growth = q_end - q_mid
    inflow = float(w[t_in > t_mid].sum())
    grew = bool(span > 0 and backlog > 0 and growth > max(GROWTH_SHARE * inflow, min_growth))
    return {"backlog_teu": round(backlog, 3), "growth_teu": round(growth, 3),
            "inflow_teu": round(inflow, 3), "grew": grew}


def _batch(t_in: np.ndarray, w: np.ndarray) -> float:
    """Largest TEU entering at one instant (one vehicle load)."""
    if not len(t_in):
        return 0.0
    return float(pd.Series(w).groupby(t_in).sum().max())


def place_queues(res: RunResult) -> pd.DataFrame:
    """One row per service and facility stop: queue at the horizon, growth, utilisation.

    Columns: ``place, type (service|facility), kind, name, utilisation, backlog_teu,
    growth_teu, inflow_teu, saturated, routes`` and ``backlog_by_route`` (dict).
    """
    horizon_h = float(res.scenario.horizon_d) * 24.0
    cols_needed = ["route", "route_key", "stage_index", "stage_kind", "service", "node_from",
                   "node_to", "teu", "start_h", "end_h", "waiting_h"]
    legs = res.legs[[c for c in cols_needed if c in res.legs.columns]]
    rows: list[dict[str, Any]] = []
    started = legs[legs["start_h"].notna()] if len(legs) else legs
    # ------------------------------------------------------------ services (vehicle queues)
    leg_rows = started[started["stage_kind"] == "leg"] if len(started) else started
    veh = res.vehicles
    if len(leg_rows):
        # service key of every leg row, by lookup table (route instance code × stage index)
        rk = leg_rows["route_key"].astype("category")
        cats = [str(c) for c in rk.cat.categories]
        stage = leg_rows["stage_index"].to_numpy(np.int64)
        lut = np.full((len(cats), int(stage.max()) + 1), "?", dtype=object)
        for ci, key in enumerate(cats):
            inst = res.routes.get(key)
            for st in inst.route.stages if inst is not None else ():
                if isinstance(st, Leg) and st.index < lut.shape[1]:
                    lut[ci, st.index] = service_key(st)
        svc = lut[rk.cat.codes.to_numpy(np.int64), stage]
        leg_rows = leg_rows.assign(_svc=pd.Categorical(svc))
        # departure time: from the vehicle trip that delivered the row (arrive_h == end_h);
        # rows not arrived are on board if they already have a recorded wait, else queued
        if len(veh):
            trips = veh[["service", "arrive_h", "depart_h"]].drop_duplicates(["service", "arrive_h"])
            leg_rows = leg_rows.merge(trips.rename(columns={"service": "_svc", "arrive_h": "end_h",
                                                            "depart_h": "_dep"}),
                                      on=["_svc", "end_h"], how="left")
        else:
            leg_rows = leg_rows.assign(_dep=np.nan)
        waited = leg_rows["waiting_h"].to_numpy(float) > 0
        arrived = leg_rows["end_h"].notna().to_numpy()
        dep = leg_rows["_dep"].to_numpy(float)
        guess = leg_rows["start_h"].to_numpy(float) + leg_rows["waiting_h"].to_numpy(float)
        dep = np.where(np.isnan(dep), np.where(arrived | waited, guess, np.inf), dep)
        leg_rows = leg_rows.assign(_dep=dep)
        for key, grp in leg_rows.groupby("_svc", sort=True, observed=True):
            t_in = grp["start_h"].to_numpy(float)
            w = grp["teu"].to_numpy(float)
            a = _assess(t_in, grp["_dep"].to_numpy(float), w, horizon_h,
                        max(MIN_GROWTH_TEU, 2.0 * _batch(t_in, w)))
            trips = veh[veh["service"] == key] if len(veh) else veh
            util = (float(trips["load_teu"].sum() / trips["capacity_teu"].sum())
                    if len(trips) and trips["capacity_teu"].sum() > 0 else float("nan"))
            stuck = grp[~np.isfinite(grp["_dep"].to_numpy(float))]
            by_route = {str(k): round(float(v), 3)
                        for k, v in stuck.groupby("route")["teu"].sum().items() if v > 0}
            kind = str(grp["service"].iloc[0])
            rows.append({"place": key, "type": "service", "kind": kind,
                         "name": f"{kind} {grp['node_from'].iloc[0]} → {grp['node_to'].iloc[0]}",
                         "utilisation": round(util, 6) if util == util else util, **a,
                         "saturated": a["grew"],
                         "routes": ";".join(sorted(map(str, grp["route"].unique()))),
                         "backlog_by_route": by_route})
    # ------------------------------------------------------------ facilities (stops + en route)
    stop_rows = started[started["stage_kind"] == "stop"] if len(started) else started
    fac = res.facilities
    fac_by_node = {str(r["node"]): r for r in fac.to_dict("records")} if len(fac) else {}
    stop_groups = dict(iter(stop_rows.groupby("node_from", sort=True))) if len(stop_rows) else {}
    for node in sorted(set(fac_by_node) | set(stop_groups)):
        f = fac_by_node.get(node, {})
        util = float(f.get("utilisation", float("nan")))
        grp = stop_groups.get(node)
        if grp is not None and len(grp):
            t_in = grp["start_h"].to_numpy(float)
            w = grp["teu"].to_numpy(float)
            t_out = np.nan_to_num(grp["end_h"].to_numpy(float), nan=np.inf)
            a = _assess(t_in, t_out, w, horizon_h, max(MIN_GROWTH_TEU, 2.0 * _batch(t_in, w)))
            stuck = grp[grp["end_h"].isna()]
            by_route = {str(k): round(float(v), 3)
                        for k, v in stuck.groupby("route")["teu"].sum().items() if v > 0}
            routes = ";".join(sorted(map(str, grp["route"].unique())))
        else:
            a = {"backlog_teu": 0.0, "growth_teu": 0.0, "inflow_teu": 0.0, "grew": False}
            by_route, routes = {}, ""
        busy = bool(util == util and util >= UTILISATION_LIMIT)
        rows.append({"place": node, "type": "facility", "kind": str(f.get("kind", "stop")),
                     "name": str(f.get("name", node)), "utilisation": util, **a,
                     "saturated": bool(a["grew"] or busy), "routes": routes,
                     "backlog_by_route": by_route})
    cols = ["place", "type", "kind", "name", "utilisation", "backlog_teu", "growth_teu",
            "inflow_teu", "saturated", "routes", "backlog_by_route"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)


def saturated_places(res: RunResult) -> list[dict[str, Any]]:
    """The saturated places as plain dicts (what run.json holds), worst backlog first."""
    q = place_queues(res)
    q = q[q["saturated"]].sort_values(["backlog_teu", "utilisation"], ascending=False)
    out = []
    for r in q.to_dict("records"):
        util = r["utilisation"]
        out.append({
            "place": r["place"], "type": r["type"], "kind": r["kind"], "name": r["name"],
            "utilisation": None if util != util else round(float(util), 4),
            "backlog_teu": round(float(r["backlog_teu"]), 1),
            "growth_teu": round(float(r["growth_teu"]), 1),
            "routes": [x for x in r["routes"].split(";") if x],
            "backlog_teu_by_route": r["backlog_by_route"],
        })
    return out


def add_saturation(res: RunResult) -> None:
    """Record saturation in ``res.info`` and the summary (``saturated_places``, ``queued_teu``).

    ``info["saturated"]``: list of ``{place, type, kind, name, utilisation, backlog_teu,
    growth_teu, routes, backlog_teu_by_route}``; ``info["backlog_teu"]``: TEU booked after
    warm-up and not delivered at the horizon (sum of the summary's ``backlog_teu``), and
    ``info["queued_teu_at_saturated_places"]``.
    """
    sat = saturated_places(res)
    res.info["saturated"] = sat
    s = res.summary
    if "route" not in s.columns:
        return
    places: dict[str, list[str]] = {}
    queued: dict[str, float] = {}
    for p in sat:
        for route, teu in p["backlog_teu_by_route"].items():
            places.setdefault(route, []).append(p["place"])
            queued[route] = queued.get(route, 0.0) + float(teu)
        for route in p["routes"]:
            places.setdefault(route, [])
            if p["place"] not in places[route] and p["backlog_teu"] == 0:
                places[route].append(p["place"])
    s["saturated_places"] = [";".join(places.get(str(r), [])) for r in s["route"]]
    s["queued_teu"] = [round(queued.get(str(r), 0.0), 3) for r in s["route"]]
    res.info["backlog_teu"] = (round(float(s["backlog_teu"].sum()), 3)
                               if "backlog_teu" in s.columns else None)
    res.info["queued_teu_at_saturated_places"] = round(sum(queued.values()), 3)
