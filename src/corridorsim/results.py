"""Turn the engine's arrays into tables (pandas), built once at the end of a run."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa

from corridorsim.routing import Leg
from corridorsim.sim.build import RouteInstance
from corridorsim.sim.engine import Engine
from corridorsim.sim.records import CAUSES, RunRecords

__all__ = ["StageAttributes", "chunk_bounds", "consignments_table", "facilities_table",
           "legs_table", "vehicles_table"]

WAIT_COLUMNS = [f"wait_{c}_h" for c in CAUSES]


def _str_column(values: list[str], codes: np.ndarray) -> pd.Series:
    """A pandas ``str`` column ``values[codes]`` built in Arrow (no Python objects)."""
    arr = pa.array(values, type=pa.string()).take(pa.array(codes, type=pa.int32()))
    return arr.to_pandas(types_mapper=_STR_MAPPER)


def _STR_MAPPER(t: pa.DataType) -> object:
    return pd.StringDtype("pyarrow", na_value=np.nan) if t == pa.string() else None


def consignments_table(rec: RunRecords, routes: Mapping[str, RouteInstance], warmup_h: float) -> pd.DataFrame:
    """One row per consignment: booking, delivery, transit, on-time, waits by cause."""
    keys = rec.route_ids
    fam = [routes[k].family for k in keys]
    org = [routes[k].origin for k in keys]
    dst = [routes[k].destination for k in keys]
    transit = rec.delivered_h - rec.created_h
    waits = rec.per_consignment(rec.wait)
    route_codes = rec.route.astype(np.int32)
    df = pd.DataFrame({
        "consignment_id": np.arange(rec.n, dtype=np.int64),
        "route": _str_column(fam, route_codes),
        "route_key": pd.Categorical.from_codes(route_codes, categories=keys),
        "origin": _str_column(org, route_codes),
        "destination": _str_column(dst, route_codes),
        "segment": _str_column(list(rec.segment_ids), rec.segment.astype(np.int32)),
        "teu": rec.teu,
        "reefer": rec.reefer,
        "created_h": rec.created_h,
        "delivered_h": rec.delivered_h,
        "transit_h": transit,
        "due_h": rec.due_h,
        "delivered": ~np.isnan(rec.delivered_h),
        "on_time": transit <= rec.due_h,
        "in_stats": rec.created_h >= warmup_h,
        "moving_h": rec.per_consignment(rec.moving),
        **{col: waits[:, j] for j, col in enumerate(WAIT_COLUMNS)},
    })
    return df


class StageAttributes:
    """Static attributes of every (route index, stage): kind, nodes, mode, service, km."""

    COLUMNS = ("stage_kind", "node_from", "node_to", "mode", "service")

    def __init__(self, rec: RunRecords, routes: Mapping[str, RouteInstance]) -> None:
        keys = rec.route_ids
        s_max = int(rec.slots.max()) if rec.n else int(max(rec.n_stages, default=1))
        s_max = max(s_max, int(max(rec.n_stages, default=1)))
        self.s_max = s_max
        self.vocab: list[str] = [""]
        where: dict[str, int] = {"": 0}
        self.codes = {c: np.zeros((len(keys), s_max), dtype=np.int32) for c in self.COLUMNS}
        self.km = np.zeros((len(keys), s_max))
        for ri, k in enumerate(keys):
            for st in routes[k].route.stages:
                if isinstance(st, Leg):
                    vals = ("leg", st.from_node, st.to_node, st.mode, st.service)
                    self.km[ri, st.index] = st.km
                else:
                    vals = ("stop", st.node, st.node, "", st.kind)
                for c, v in zip(self.COLUMNS, vals, strict=True):
                    if v not in where:
                        where[v] = len(self.vocab)
                        self.vocab.append(v)
                    self.codes[c][ri, st.index] = where[v]
        self.family = [routes[k].family for k in keys]


def legs_table(rec: RunRecords, routes: Mapping[str, RouteInstance], lo: int = 0,
               hi: int | None = None, *, attrs: StageAttributes | None = None) -> pd.DataFrame:
    """One row per consignment and stage entered: times, km, moving and waiting by cause.

    ``lo``/``hi`` select consignments ``lo <= id < hi`` (all by default), so that a large
    run can be tabulated in chunks (see :func:`legs_chunks`).
    """
    hi = rec.n if hi is None else hi
    a = attrs if attrs is not None else StageAttributes(rec, routes)
    keys = rec.route_ids
    r0 = int(rec.off[lo]) if lo < rec.n else rec.n_rows
    r1 = int(rec.off[hi]) if hi < rec.n else rec.n_rows
    sl = slice(r0, r1)
    t_in = rec.t_in[sl]
    rows = np.flatnonzero(~np.isnan(t_in))
    ci = np.repeat(np.arange(lo, hi, dtype=np.int64), rec.slots[lo:hi])[rows]
    si = rows + r0 - rec.off[ci]
    ri = rec.route[ci]
    ri32 = ri.astype(np.int32)
    w = rec.wait[sl][rows]
    df = pd.DataFrame({
        "consignment_id": ci,
        "route": _str_column(a.family, ri32),
        "route_key": pd.Categorical.from_codes(ri32, categories=keys),
        "stage_index": si,
        **{c: _str_column(a.vocab, a.codes[c][ri, si]) for c in a.COLUMNS},
        "km": a.km[ri, si],
        "teu": rec.teu[ci],
        "start_h": t_in[rows],
        "end_h": rec.t_out[sl][rows],
        "moving_h": rec.moving[sl][rows],
        **{col: w[:, j] for j, col in enumerate(WAIT_COLUMNS)},
        "waiting_h": w.sum(axis=1),
    })
    return df


def chunk_bounds(rec: RunRecords, max_rows: int = 1_000_000) -> list[tuple[int, int]]:
    """Consignment ranges ``[lo, hi)`` of about ``max_rows`` record rows each."""
    if rec.n == 0:
        return [(0, 0)]
    cuts = np.searchsorted(rec.off, np.arange(max_rows, rec.n_rows, max_rows), side="left")
    edges = [0, *sorted(set(int(c) for c in cuts if 0 < c < rec.n)), rec.n]
    return list(pairwise(edges))


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
