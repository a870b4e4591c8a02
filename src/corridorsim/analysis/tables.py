"""Turn the engine's arrays into tables (pandas), built once at the end of a run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa

from corridorsim.routing import Leg
from corridorsim.routing.instances import RouteInstance
from corridorsim.sim.engine import Engine
from corridorsim.sim.records import CAUSES, RunRecords

__all__ = [
    "Coded", "Columns", "SimTrace", "StageAttributes", "chunk_bounds", "columns_arrow",
    "columns_frame", "consignment_basics", "consignment_columns", "consignments_table",
    "facilities_table", "leg_columns", "legs_table", "route_time_sums", "vehicles_table",
]

WAIT_COLUMNS = [f"wait_{c}_h" for c in CAUSES]


def _str_column(values: list[str], codes: np.ndarray) -> pd.Series:
    """A pandas ``str`` column ``values[codes]`` built in Arrow (no Python objects)."""
    arr = pa.array(values, type=pa.string()).take(pa.array(codes, type=pa.int32()))
    col: pd.Series = arr.to_pandas(types_mapper=_STR_MAPPER)  # pyarrow is untyped
    return col


def _STR_MAPPER(t: pa.DataType) -> object:
    return pd.StringDtype("pyarrow", na_value=np.nan) if t == pa.string() else None


@dataclass(frozen=True)
class Coded:
    """A text column as integer codes into a vocabulary: no string is built until a
    renderer asks (pandas: Arrow strings, or a categorical; Arrow: a dictionary array,
    which Parquet writes as its dictionary without hashing a value)."""

    vocab: Sequence[str]
    codes: np.ndarray
    categorical: bool = False  # pandas: a Categorical over the whole vocabulary


#: a table as named columns, numeric (numpy) or :class:`Coded` text
Columns = dict[str, "np.ndarray | Coded"]


def columns_frame(cols: Columns) -> pd.DataFrame:
    """The columns as a pandas table (text as Arrow-backed ``str``, or categorical; the
    float32 hours as float64, so that pandas sums them in float64)."""
    def render(v: np.ndarray | Coded) -> object:
        if not isinstance(v, Coded):
            return v.astype(np.float64) if v.dtype == np.float32 else v
        if v.categorical:
            return pd.Categorical.from_codes(v.codes, categories=pd.Index(list(v.vocab)))
        return _str_column(list(v.vocab), v.codes)

    return pd.DataFrame({k: render(v) for k, v in cols.items()})


def columns_arrow(cols: Columns) -> pa.Table:
    """The columns as an Arrow table without copying the numbers; text as dictionary
    arrays over the vocabulary; every field non-nullable (the records hold no null: a time
    not reached is NaN), so Parquet stores no definition levels (a fifth of its time)."""
    def render(v: np.ndarray | Coded) -> pa.Array:
        if not isinstance(v, Coded):
            return pa.array(v)
        # one entry per distinct value (a vocabulary may repeat one, e.g. the family of
        # each route key): Parquet's writer is not byte-stable on a repeated entry
        uniq, where = np.unique(np.asarray(v.vocab, dtype=object), return_inverse=True)
        codes = where.astype(np.int32)[v.codes] if len(uniq) < len(v.vocab) else v.codes
        return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                              pa.array(list(v.vocab) if codes is v.codes
                                                       else uniq.tolist(), type=pa.string()))

    arrays = [render(v) for v in cols.values()]
    return pa.Table.from_arrays(arrays, schema=pa.schema(
        [pa.field(k, a.type, nullable=False) for k, a in zip(cols, arrays, strict=True)]))


def _span(rec: RunRecords, lo: int, hi: int | None) -> tuple[int, int, int, int]:
    """Consignments ``lo <= id < hi`` (all from ``lo`` if ``hi`` is None) and their record
    rows ``r0 <= row < r1`` (contiguous)."""
    hi = rec.n if hi is None else hi
    r0 = int(rec.first_row[lo]) if lo < rec.n else rec.n_rows
    return lo, hi, r0, int(rec.first_row[hi]) if hi < rec.n else rec.n_rows


def _slot_rows(rec: RunRecords, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every record row (all slots) of consignments ``ids``, and each row's consignment."""
    slots = rec.slots[ids].astype(np.int64)
    starts = np.zeros(len(ids), dtype=np.int64)
    if len(ids):
        np.cumsum(slots[:-1], out=starts[1:])
    within = np.arange(int(slots.sum()), dtype=np.int64) - np.repeat(starts, slots)
    return np.repeat(rec.first_row[ids], slots) + within, np.repeat(ids.astype(np.int64), slots)


def consignment_basics(rec: RunRecords, lo: int = 0, hi: int | None = None, *,
                       ids: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Transit (float64), moving and waiting hours by cause (float32) of consignments
    ``lo <= id < hi`` (or of the sorted ``ids``), summed over their stages in float64."""
    if ids is None:
        lo, hi, r0, r1 = _span(rec, lo, hi)
        sel: slice | np.ndarray = slice(lo, hi)
        take: slice | np.ndarray = slice(r0, r1)  # the chunk's rows, contiguous
        seg = rec.first_row[lo:hi] - r0
    else:
        sel = ids
        take, _ = _slot_rows(rec, ids)
        seg = np.zeros(len(ids), dtype=np.int64)
        if len(ids):
            np.cumsum(rec.slots[ids][:-1], out=seg[1:])

    def per_consignment(a: np.ndarray) -> np.ndarray:
        if not len(seg):
            return np.zeros(0, np.float32)
        return np.add.reduceat(a[take], seg, dtype=np.float64).astype(np.float32)

    out = {"transit_h": rec.delivered_h[sel] - rec.created_h[sel],
           "moving_h": per_consignment(rec.moving)}
    for j, col in enumerate(WAIT_COLUMNS):
        out[col] = per_consignment(rec.wait[j])
    return out


def route_time_sums(rec: RunRecords, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Hours moving and waiting by cause summed over the consignments of each group.

    ``group`` gives each consignment's group (-1: not counted). Returns a float64 array
    ``(1 + len(CAUSES), n_groups)``: row 0 moving, then the causes. Per quantity, one
    float32 ``reduceat`` over the consignments' stages (at most a few dozen values each)
    and one float64 ``bincount`` over consignments: deterministic (no BLAS, whatever the
    number of threads) and one pass over the records.
    """
    out = np.zeros((1 + len(CAUSES), n_groups))
    if rec.n == 0 or n_groups == 0:
        return out
    key = np.where(group < 0, n_groups, group).astype(np.intp)
    for j, a in enumerate([rec.moving, *rec.wait]):
        per = np.add.reduceat(a, rec.first_row)
        out[j] = np.bincount(key, weights=per, minlength=n_groups + 1)[:n_groups]
    return out


def consignments_table(rec: RunRecords, routes: Mapping[str, RouteInstance], warmup_h: float,
                       lo: int = 0, hi: int | None = None, *,
                       basics: Mapping[str, np.ndarray] | None = None,
                       extra: Mapping[str, np.ndarray] | None = None,
                       ids: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`consignment_columns` as a pandas table."""
    return columns_frame(consignment_columns(rec, routes, warmup_h, lo, hi, basics=basics,
                                             extra=extra, ids=ids))


def consignment_columns(rec: RunRecords, routes: Mapping[str, RouteInstance], warmup_h: float,
                        lo: int = 0, hi: int | None = None, *,
                        basics: Mapping[str, np.ndarray] | None = None,
                        extra: Mapping[str, np.ndarray] | None = None,
                        ids: np.ndarray | None = None) -> Columns:
    """One row per consignment: booking, delivery, transit, on-time, waits by cause (moving
    and waiting hours float32, as :func:`consignment_basics` gives them).

    ``lo``/``hi`` select consignments ``lo <= id < hi``; ``basics`` are the arrays of
    :func:`consignment_basics` for all consignments (computed for the chunk when
    omitted); ``extra`` per-consignment columns (all consignments, e.g. accounting) are
    appended. ``ids`` (sorted) selects any consignments instead of a range.
    """
    lo, hi, _, _ = _span(rec, lo, hi)
    sl: slice | np.ndarray = slice(lo, hi)
    if ids is not None:
        sl = ids = np.asarray(ids, dtype=np.int64)
    keys = rec.route_ids
    fam = [routes[k].family for k in keys]
    org = [routes[k].origin for k in keys]
    dst = [routes[k].destination for k in keys]
    bs = sl  # where this chunk is in ``basics``
    if basics is None:
        basics = consignment_basics(rec, lo, hi, ids=ids)
        bs = slice(None)
    transit = basics["transit_h"][bs]
    route_codes = rec.route[sl].astype(np.int32)
    delivered_h = rec.delivered_h[sl]
    due = rec.due_h[sl]
    return {
        "consignment_id": ids if ids is not None else np.arange(lo, hi, dtype=np.int64),
        "route": Coded(fam, route_codes),
        "route_key": Coded(keys, route_codes, categorical=True),
        "origin": Coded(org, route_codes),
        "destination": Coded(dst, route_codes),
        "segment": Coded(list(rec.segment_ids), rec.segment[sl].astype(np.int32)),
        "teu": rec.teu[sl],
        "reefer": rec.reefer[sl],
        "created_h": rec.created_h[sl],
        "delivered_h": delivered_h,
        "transit_h": transit,
        "due_h": due,
        "delivered": ~np.isnan(delivered_h),
        "on_time": transit <= due,
        "in_stats": rec.created_h[sl] >= warmup_h,
        "moving_h": basics["moving_h"][bs],
        **{col: basics[col][bs] for col in WAIT_COLUMNS},
        **{col: np.asarray(v)[sl] for col, v in (extra or {}).items()},
    }


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
        # integer views for vectorised code: 1 = leg, 0 = stop, -1 = no such stage
        self.is_leg = np.full((len(keys), s_max), -1, dtype=np.int8)
        for ri, k in enumerate(keys):
            for st in routes[k].route.stages:
                self.is_leg[ri, st.index] = 1 if isinstance(st, Leg) else 0
        #: the service-kind code of every departure (``records.trip`` indexes it), when a
        #: leg's consignments may ride a service of another kind than the leg's (None: never)
        self.trip_service: np.ndarray | None = None

    def carried_by(self, kinds: Sequence[str]) -> None:
        """The service kind of every departure, in departure order: a leg row's ``service``
        is then the kind of the vehicle that carried it (a fixed-timetable train beside a
        block train, :mod:`corridorsim.sim.timetable`)."""
        for k in kinds:
            if k not in self.vocab:
                self.vocab.append(k)
        where = {v: i for i, v in enumerate(self.vocab)}
        self.trip_service = np.array([where[k] for k in kinds], dtype=np.int32)


class SimTrace:
    """What the engine leaves behind for tables and checks, without building tables.

    Attributes
    ----------
    records : the run's :class:`~corridorsim.sim.records.RunRecords`
    attrs : :class:`StageAttributes` of every (route index, stage)
    service_keys, service_kinds, service_from, service_to, service_direction : per service
    stage_service : int array (routes, stages) - service index of a leg stage, else -1
    dep_time : departure time of each departure (``records.trip`` indexes it)
    warmup_h : statistics start
    """

    def __init__(self, eng: Engine, rec: RunRecords, routes: Mapping[str, RouteInstance],
                 warmup_h: float) -> None:
        self.records = rec
        self.routes = routes
        self.warmup_h = warmup_h
        self.attrs = StageAttributes(rec, routes)
        self.service_keys = [svc.key for svc in eng.services]
        self.service_kinds = [svc.kind for svc in eng.services]
        self.service_from = [svc.from_node for svc in eng.services]
        self.service_to = [svc.to_node for svc in eng.services]
        self.service_direction = [svc.direction for svc in eng.services]
        s_max = self.attrs.s_max
        self.stage_service = np.full((len(rec.route_ids), s_max), -1, dtype=np.int64)
        w = min(s_max, eng.next_service.shape[1]) if eng.next_service.size else 0
        if w:
            self.stage_service[:, :w] = eng.next_service[:, :w]
        self.dep_time = np.array(eng.departures, dtype=np.float64)
        if eng.timetable is not None:
            self.attrs.carried_by([eng.services[i].kind for i in eng.departure_service])


def legs_table(rec: RunRecords, routes: Mapping[str, RouteInstance], lo: int = 0,
               hi: int | None = None, *, attrs: StageAttributes | None = None,
               ids: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`leg_columns` as a pandas table."""
    return columns_frame(leg_columns(rec, routes, lo, hi, attrs=attrs, ids=ids))


def leg_columns(rec: RunRecords, routes: Mapping[str, RouteInstance], lo: int = 0,
                hi: int | None = None, *, attrs: StageAttributes | None = None,
                ids: np.ndarray | None = None) -> Columns:
    """One row per consignment and stage entered: times, km, moving and waiting by cause
    (float32, as the engine keeps them; ``waiting_h``, their sum, float64).

    ``lo``/``hi`` select consignments ``lo <= id < hi`` (all by default), so that a large
    run can be tabulated in chunks (see :func:`chunk_bounds`); ``ids`` (sorted) selects
    any consignments instead (e.g. a sample).
    """
    a = attrs if attrs is not None else StageAttributes(rec, routes)
    keys = rec.route_ids
    if ids is not None:
        cand, cons = _slot_rows(rec, np.asarray(ids, dtype=np.int64))
        keep = ~np.isnan(rec.t_in[cand])
        rows, ci = cand[keep], cons[keep]
    else:
        lo, hi, r0, r1 = _span(rec, lo, hi)
        local = np.flatnonzero(~np.isnan(rec.t_in[r0:r1]))
        ci = np.repeat(np.arange(lo, hi, dtype=np.int64), rec.slots[lo:hi])[local]
        rows = local + r0
    si = rows - rec.first_row[ci]
    ri32 = rec.route[ci]
    at = ri32 * a.s_max + si  # each row's (route, stage) in the flattened attribute tables
    w = [rec.wait[j].take(rows) for j in range(len(CAUSES))]  # float32, one array a cause
    codes = {c: a.codes[c].ravel().take(at) for c in a.COLUMNS}
    if a.trip_service is not None:  # the kind of the vehicle that carried each leg
        trip = rec.trip[rows]
        on = trip >= 0
        codes["service"][on] = a.trip_service[trip[on]]
    return {
        "consignment_id": ci,
        "route": Coded(a.family, ri32),
        "route_key": Coded(keys, ri32, categorical=True),
        "stage_index": si,
        **{c: Coded(a.vocab, v) for c, v in codes.items()},
        "km": a.km.ravel().take(at),
        "teu": rec.teu.take(ci),
        "start_h": rec.t_in.take(rows),
        "end_h": rec.t_out.take(rows),
        "moving_h": rec.moving.take(rows),
        **dict(zip(WAIT_COLUMNS, w, strict=True)),
        "waiting_h": sum(w[1:], w[0].astype(np.float64)),  # in float64, cause by cause
    }


def chunk_bounds(rec: RunRecords, max_rows: int = 1_000_000) -> list[tuple[int, int]]:
    """Consignment ranges ``[lo, hi)`` of about ``max_rows`` record rows each."""
    if rec.n == 0:
        return [(0, 0)]
    cuts = np.searchsorted(rec.first_row, np.arange(max_rows, rec.n_rows, max_rows), side="left")
    edges = [0, *sorted(set(int(c) for c in cuts if 0 < c < rec.n)), rec.n]
    return list(pairwise(edges))


def facilities_table(eng: Engine, net_names: Mapping[str, str]) -> pd.DataFrame:
    """One row per facility: utilisation, vehicles, queue and wait statistics."""
    rows = []
    horizon = eng.horizon_h
    for key in sorted(eng.facilities):
        f = eng.facilities[key]
        node = f.node
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
            "direction": f.direction,
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
