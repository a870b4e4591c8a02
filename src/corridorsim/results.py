"""Turn the engine's arrays into tables (pandas), built once at the end of a run."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from corridorsim.routing import Leg
from corridorsim.sim.build import RouteInstance
from corridorsim.sim.engine import Engine
from corridorsim.sim.records import CAUSES, RunRecords

__all__ = ["consignments_table", "facilities_table", "legs_table", "vehicles_table"]

WAIT_COLUMNS = [f"wait_{c}_h" for c in CAUSES]


def consignments_table(rec: RunRecords, routes: Mapping[str, RouteInstance], warmup_h: float) -> pd.DataFrame:
    """One row per consignment: booking, delivery, transit, on-time, waits by cause."""
    keys = rec.route_ids
    fam = np.array([routes[k].family for k in keys], dtype=object)
    org = np.array([routes[k].origin for k in keys], dtype=object)
    dst = np.array([routes[k].destination for k in keys], dtype=object)
    transit = rec.delivered_h - rec.created_h
    waits = rec.wait.sum(axis=1)
    df = pd.DataFrame({
        "consignment_id": np.arange(rec.n, dtype=np.int64),
        "route": pd.Categorical(fam[rec.route], categories=sorted(set(fam))),
        "route_key": pd.Categorical(np.array(keys, dtype=object)[rec.route], categories=keys),
        "origin": org[rec.route],
        "destination": dst[rec.route],
        "segment": np.array(rec.segment_ids, dtype=object)[rec.segment],
        "teu": rec.teu,
        "reefer": rec.reefer,
        "created_h": rec.created_h,
        "delivered_h": rec.delivered_h,
        "transit_h": transit,
        "due_h": rec.due_h,
        "delivered": ~np.isnan(rec.delivered_h),
        "on_time": transit <= rec.due_h,
        "in_stats": rec.created_h >= warmup_h,
        "moving_h": rec.moving.sum(axis=1),
    })
    for j, col in enumerate(WAIT_COLUMNS):
        df[col] = waits[:, j]
    df["route"] = df["route"].astype(str)
    return df


def legs_table(rec: RunRecords, routes: Mapping[str, RouteInstance]) -> pd.DataFrame:
    """One row per consignment and stage entered: times, km, moving and waiting by cause."""
    keys = rec.route_ids
    s_max = rec.t_in.shape[1]
    # static stage attributes per (route index, stage)
    attr = {c: np.full((len(keys), s_max), None, dtype=object)
            for c in ("stage_kind", "node_from", "node_to", "mode", "service")}
    km = np.zeros((len(keys), s_max))
    for ri, k in enumerate(keys):
        for st in routes[k].route.stages:
            if isinstance(st, Leg):
                vals = ("leg", st.from_node, st.to_node, st.mode, st.service)
                km[ri, st.index] = st.km
            else:
                vals = ("stop", st.node, st.node, "", st.kind)
            for c, v in zip(attr, vals, strict=True):
                attr[c][ri, st.index] = v
    ci, si = np.nonzero(~np.isnan(rec.t_in))
    ri = rec.route[ci]
    fam = np.array([routes[k].family for k in keys], dtype=object)
    df = pd.DataFrame({
        "consignment_id": ci.astype(np.int64),
        "route": fam[ri],
        "route_key": pd.Categorical(np.array(keys, dtype=object)[ri], categories=keys),
        "stage_index": si.astype(np.int64),
        **{c: a[ri, si] for c, a in attr.items()},
        "km": km[ri, si],
        "teu": rec.teu[ci],
        "start_h": rec.t_in[ci, si],
        "end_h": rec.t_out[ci, si],
        "moving_h": rec.moving[ci, si],
    })
    w = rec.wait[ci, si]
    for j, col in enumerate(WAIT_COLUMNS):
        df[col] = w[:, j]
    df["waiting_h"] = w.sum(axis=1)
    return df


def facilities_table(eng: Engine, net_names: Mapping[str, str]) -> pd.DataFrame:
    """One row per facility: utilisation, vehicles, queue and wait statistics."""
    rows = []
    horizon = eng.horizon_h
    for node in sorted(eng.facilities):
        f = eng.facilities[node]
        trace = f.queue_trace
        if trace:
            t = np.array([x[0] for x in trace] + [horizon])
            q = np.array([x[1] for x in trace], dtype=float)
            dur = np.diff(t)
            mean_q = float((q * dur).sum() / horizon)
            max_q = int(q.max())
        else:
            mean_q, max_q = 0.0, 0
        servers = int(f.params.servers or 1)
        rows.append({
            "node": node,
            "name": net_names.get(node, node),
            "kind": f.kind,
            "servers": servers,
            "vehicles": f.passages,
            "teu": round(f.teu, 3),
            "utilisation": round(f.busy_h / (servers * horizon), 6),
            "mean_queue": round(mean_q, 6),
            "max_queue": max_q,
            "mean_wait_h": round(f.wait_sum_h / f.passages, 6) if f.passages else 0.0,
            "max_wait_h": round(f.wait_max_h, 6),
        })
    return pd.DataFrame(rows)


def vehicles_table(eng: Engine) -> pd.DataFrame:
    """One row per vehicle trip: service, departure, arrival, load and capacity."""
    return pd.DataFrame(eng.trip_log, columns=["service", "trip", "depart_h", "arrive_h",
                                               "load_teu", "capacity_teu"])
