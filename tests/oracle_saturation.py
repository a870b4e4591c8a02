"""Test oracle: saturation measured from the leg table (pandas), independent of the
records path in :mod:`corridorsim.analysis.saturation` that production uses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from corridorsim.analysis.queues import GROWTH_SHARE, MIN_GROWTH_TEU, queue_at
from corridorsim.analysis.saturation import _facility_row
from corridorsim.result import RunResult
from corridorsim.routing import Leg
from corridorsim.sim.keys import service_key

_NOBODY: dict[str, Any] = {"routes": "", "backlog_by_route": {}, "instances": "",
                           "backlog_by_instance": {}}


def _who(grp: pd.DataFrame, stuck: pd.DataFrame) -> dict[str, Any]:
    """Route families and route instances (``route_key``) that passed a place (``grp``,
    leg rows) and the TEU of each still there (``stuck``)."""
    out: dict[str, Any] = {}
    for col, name in (("route", "route"), ("route_key", "instance")):
        if col not in grp.columns:
            out[f"{name}s"], out[f"backlog_by_{name}"] = "", {}
            continue
        out[f"{name}s"] = ";".join(sorted(map(str, grp[col].unique())))
        out[f"backlog_by_{name}"] = {
            str(k): round(float(v), 3)
            for k, v in stuck.groupby(col, observed=True)["teu"].sum().items() if v > 0}
    return out


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
    q_mid = float(queue_at(t_in, t_out, w, np.linspace(t_mid - win / 2, t_mid + win / 2, 21)).mean())
    q_end = float(queue_at(t_in, t_out, w, np.linspace(horizon_h - win, horizon_h, 21)).mean())
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


def places_from_legs(res: RunResult, horizon_h: float) -> pd.DataFrame:
    """:func:`corridorsim.analysis.saturation.place_queues` computed independently, from the leg and
    vehicle tables with pandas (the way it was first written), to check the records path."""
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
            kind = str(grp["service"].iloc[0])
            rows.append({"place": key, "type": "service", "kind": kind,
                         "name": f"{kind} {grp['node_from'].iloc[0]} → {grp['node_to'].iloc[0]}",
                         "utilisation": round(util, 6) if util == util else util, **a,
                         "saturated": a["grew"], **_who(grp, stuck)})
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
            who = _who(grp, grp[grp["end_h"].isna()])
        else:
            a = {"backlog_teu": 0.0, "growth_teu": 0.0, "inflow_teu": 0.0, "grew": False}
            who = _NOBODY
        rows.append(_facility_row(node, f, util, a, who))
    cols = ["place", "type", "kind", "name", "utilisation", "backlog_teu", "growth_teu",
            "inflow_teu", "saturated", "routes", "backlog_by_route", "instances",
            "backlog_by_instance"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)


