"""Saturation: which facilities and services cannot keep up, and how much is stuck there.

When demand exceeds a corridor's capacity, queues grow without bound; the run still ends at
the horizon and this module reports where. A place is **saturated** when

* a facility's servers were busy at least :data:`UTILISATION_LIMIT` of the horizon, or
* the TEU queued there (waiting for a service's vehicle, or inside a facility stop) grew
  over the second half of the place's active period by more than :data:`GROWTH_SHARE` of
  what arrived in that half (and by more than two vehicle loads / :data:`MIN_GROWTH_TEU`).

Queues are measured exactly from the run's records: a service's queue is the TEU that became
ready for it (the leg's ``t_in``) and has not yet left on one of its vehicles (the departure
time of the trip that carried the leg, ``dep_time[trip]``) - consignments on board are *not*
backlog; a stop's queue is the TEU that entered it (``t_in``) and has not left (``t_out``).
``backlog_teu`` of a place is its queue at the horizon. The records are grouped by service
and stop node with integer sorts, so no leg table is built (a 10-million-TEU year has tens
of millions of leg rows). Results go to ``run.json`` (``saturated``, ``backlog_teu``,
``queued_teu_at_saturated_places``), to the summary (``saturated_places``, ``queued_teu``)
and to the report.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridorsim.analysis.queues import GROWTH_SHARE, MIN_GROWTH_TEU, Cell, assess_cells

if TYPE_CHECKING:
    from corridorsim.analysis.tables import SimTrace
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.sim.records import RunRecords

__all__ = ["GROWTH_SHARE", "MIN_GROWTH_TEU", "UTILISATION_LIMIT", "place_queues",
           "saturated_places", "saturation_outputs"]

UTILISATION_LIMIT = 0.95


def place_queues(trace: SimTrace, facilities: pd.DataFrame, vehicles: pd.DataFrame,
                 horizon_h: float) -> pd.DataFrame:
    """One row per service and facility stop: queue at the horizon, growth, utilisation.

    Columns: ``place, type (service|facility), kind, name, utilisation, backlog_teu,
    growth_teu, inflow_teu, saturated, routes``, ``backlog_by_route`` (dict), and the same
    by route instance: ``instances`` (route keys) and ``backlog_by_instance`` (dict).
    Computed from the run's records (``trace``) and its facility and vehicle tables.
    """
    rows = _places(trace, facilities, vehicles, horizon_h)
    cols = ["place", "type", "kind", "name", "utilisation", "backlog_teu", "growth_teu",
            "inflow_teu", "saturated", "routes", "backlog_by_route", "instances",
            "backlog_by_instance"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)


def _facility_row(node: str, f: Mapping[Hashable, Any], util: float, a: dict[str, Any],
                  who: dict[str, Any]) -> dict[str, Any]:
    """One facility's row of :func:`place_queues` (saturated when its queue grew or its
    servers were busy at least :data:`UTILISATION_LIMIT` of the horizon); ``who``: the
    ``routes, backlog_by_route, instances, backlog_by_instance`` entries."""
    busy = bool(util == util and util >= UTILISATION_LIMIT)
    return {"place": node, "type": "facility", "kind": str(f.get("kind", "stop")),
            "name": str(f.get("name", node)), "utilisation": util, **a,
            "saturated": bool(a["grew"] or busy), **who}


def _service_utilisation(veh: pd.DataFrame) -> dict[str, float]:
    """Load / capacity of each service's completed trips (NaN without capacity)."""
    if not len(veh):
        return {}
    codes, keys = pd.factorize(veh["service"], sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(keys)))])
    load = veh["load_teu"].to_numpy(float)[order]
    cap = veh["capacity_teu"].to_numpy(float)[order]
    out = {}
    for k, key in enumerate(keys):
        lo, hi = bounds[k], bounds[k + 1]
        c = float(cap[lo:hi].sum())
        out[str(key)] = float(load[lo:hi].sum() / c) if hi > lo and c > 0 else float("nan")
    return out


class _RouteMembers:
    """The consignments of every route, found with one stable integer (radix) sort of the
    records by route; per route (cached): first record row, TEU and fewest slots."""

    def __init__(self, rec: RunRecords) -> None:
        self.rec = rec
        self.order, self.bounds = rec.by_route()
        self._rows: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}

    def any(self, r: int) -> bool:
        """Whether route ``r`` has consignments."""
        return bool(self.bounds[r + 1] != self.bounds[r])

    def index(self, r: int) -> np.ndarray:
        """Consignments of route ``r``, in record order."""
        return self.order[self.bounds[r]:self.bounds[r + 1]]

    def rows(self, r: int) -> tuple[np.ndarray, np.ndarray, int]:
        """First record row and TEU of the route's consignments, and their fewest slots."""
        if r not in self._rows:
            idx = self.index(r)
            rec = self.rec
            self._rows[r] = rec.first_row[idx], rec.teu[idx], int(rec.slots[idx].min())
        return self._rows[r]


_Where = list[tuple[int, int]]  # the (route, stage) cells of one place


def _place_cells(tr: SimTrace, members: _RouteMembers) -> tuple[dict[int, _Where],
                                                                 dict[str, _Where]]:
    """The (route, stage) cells of every place: services by index, stops by node."""
    at = tr.attrs
    svc_cells: dict[int, _Where] = {}
    stop_cells: dict[str, _Where] = {}
    for r in range(len(tr.records.route_ids)):
        if not members.any(r):
            continue
        for s in range(at.s_max):
            kind = int(at.is_leg[r, s])
            if kind == 1 and tr.stage_service[r, s] >= 0:
                svc_cells.setdefault(int(tr.stage_service[r, s]), []).append((r, s))
            elif kind == 0:
                node = at.vocab[int(at.codes["node_from"][r, s])]
                stop_cells.setdefault(node, []).append((r, s))
    return svc_cells, stop_cells


class _Assessor:
    """Assesses places from their cells (:func:`assess_cells`) and names who passed them,
    by route family and by route instance."""

    def __init__(self, tr: SimTrace, horizon_h: float) -> None:
        rec = tr.records
        self.rec, self.horizon_h = rec, horizon_h
        self.n_routes = len(rec.route_ids)
        self.members = _RouteMembers(rec)
        self.fams = sorted(set(tr.attrs.family))
        self.fam_of = [self.fams.index(f) for f in tr.attrs.family]
        self.keys = [str(k) for k in rec.route_ids]
        self.key_order = sorted(range(self.n_routes), key=lambda r: self.keys[r])
        self.dep_time = np.concatenate([[np.nan], tr.dep_time])  # trip -1 (not departed): NaN

    def cells(self, where: _Where, leg: bool) -> list[Cell]:
        """The record rows of a place's cells; a leg row left when its vehicle departed."""
        rec, out = self.rec, []
        for r, s in where:
            off, w, min_slots = self.members.rows(r)
            if min_slots <= s:  # some consignments have no such row (not on shipped routes)
                keep = rec.slots[self.members.index(r)] > s
                off, w = off[keep], w[keep]
            rows = off + s
            t_out = self.dep_time[rec.trip[rows] + 1] if leg else rec.t_out[rows]
            out.append(Cell(rec.t_in[rows], t_out, w, r))
        return out

    def place(self, where: _Where, leg: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """The assessment of a place and its ``routes, backlog_by_route, instances,
        backlog_by_instance`` entries."""
        a, stuck_r, entered_r = assess_cells(self.cells(where, leg), self.horizon_h,
                                              self.n_routes)
        # by route family: TEU are whole numbers, so the sums are exact in any order
        fams, keys, key_order = self.fams, self.keys, self.key_order
        stuck = np.zeros(len(fams))
        entered = np.zeros(len(fams), dtype=np.int64)
        for r in range(self.n_routes):
            stuck[self.fam_of[r]] += stuck_r[r]
            entered[self.fam_of[r]] += entered_r[r]
        who = {"routes": ";".join(fams[j] for j in np.flatnonzero(entered)),
               "backlog_by_route": {fams[j]: round(float(v), 3)
                                    for j, v in enumerate(stuck) if v > 0},
               "instances": ";".join(keys[r] for r in key_order if entered_r[r]),
               "backlog_by_instance": {keys[r]: round(float(stuck_r[r]), 3)
                                       for r in key_order if stuck_r[r] > 0}}
        return a, who


def _service_rows(tr: SimTrace, judge: _Assessor, svc_cells: dict[int, _Where],
                  vehicles: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the services (vehicle queues) that consignments reached, by service key."""
    out: list[dict[str, Any]] = []
    util_of = _service_utilisation(vehicles)
    for s in sorted(svc_cells, key=lambda i: tr.service_keys[i]):
        a, who = judge.place(svc_cells[s], leg=True)
        if not who["routes"]:  # no consignment got there
            continue
        key, kind = str(tr.service_keys[s]), str(tr.service_kinds[s])
        util = util_of.get(key, float("nan"))
        out.append({"place": key, "type": "service", "kind": kind,
                    "name": f"{kind} {tr.service_from[s]} → {tr.service_to[s]}",
                    "utilisation": round(util, 6) if util == util else util, **a,
                    "saturated": a["grew"], **who})
    return out


def _facility_rows(judge: _Assessor, stop_cells: dict[str, _Where],
                   facilities: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the facilities (stops and en route) and of stop nodes without one, by node."""
    out: list[dict[str, Any]] = []
    fac = facilities
    fac_by_node = {str(r["node"]): r for r in fac.to_dict("records")} if len(fac) else {}
    for node in sorted(set(fac_by_node) | set(stop_cells)):
        f = fac_by_node.get(node, {})
        util = float(f.get("utilisation", float("nan")))
        a, who = judge.place(stop_cells.get(node, []), leg=False)
        if not who["routes"] and node not in fac_by_node:
            continue
        out.append(_facility_row(node, f, util, a, who))
    return out


def _places(tr: SimTrace, facilities: pd.DataFrame, vehicles: pd.DataFrame,
            horizon_h: float) -> list[dict[str, Any]]:
    """Rows of :func:`place_queues` from the run's records (numpy, no leg table).

    Consignments are sorted by route with one stable integer (radix) sort; then the rows
    of every (route, stage) *cell* are ``off[consignments of the route] + stage``, all of
    the same place: the service of a leg or the node of a stop. A place's cells are
    gathered and assessed one place at a time (:func:`assess_cells`), so no table and no
    per-row sort is needed and little memory is held. A leg row left its queue when its
    vehicle departed (``dep_time[trip]``; on board is not backlog) and is queued while
    ``trip`` is -1; a stop row left at ``t_out``.
    """
    judge = _Assessor(tr, horizon_h)
    svc_cells, stop_cells = _place_cells(tr, judge.members)
    return (_service_rows(tr, judge, svc_cells, vehicles)
            + _facility_rows(judge, stop_cells, facilities))


def _saturated(q: pd.DataFrame) -> pd.DataFrame:
    """The saturated rows of :func:`place_queues`, worst backlog first."""
    return q[q["saturated"]].sort_values(["backlog_teu", "utilisation"], ascending=False)


def saturated_places(places: pd.DataFrame) -> list[dict[str, Any]]:
    """The saturated places as plain dicts (what run.json holds), worst backlog first."""
    out = []
    for r in _saturated(places).to_dict("records"):
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


def saturation_outputs(summary: pd.DataFrame, routes: Mapping[str, RouteInstance],
                       places: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The summary with ``saturated_places`` and ``queued_teu`` of each row, and the run.json
    entries: ``saturated`` (list of ``{place, type, kind, name, utilisation, backlog_teu,
    growth_teu, routes, backlog_teu_by_route}``, by route family), ``backlog_teu`` (TEU
    booked after warm-up and not delivered at the horizon: the sum of the summary's
    ``backlog_teu``) and ``queued_teu_at_saturated_places``. A summary with ``origin`` and
    ``destination`` columns (one row per route) gets the places and queued TEU of each
    route; one without, those of each route family.
    """
    sat = saturated_places(places)
    info: dict[str, Any] = {"saturated": sat}
    s = summary.copy()
    if "route" not in s.columns:
        return s, info
    per_instance = {"origin", "destination"} <= set(s.columns) and "instances" in places.columns
    if per_instance:
        key_of = {(i.family, i.origin, i.destination): k for k, i in routes.items()}
        row_keys = [key_of.get((str(r), str(o), str(d)), "") for r, o, d in
                    zip(s["route"], s["origin"], s["destination"], strict=True)]
        entries = [(str(r["place"]), round(float(r["backlog_teu"]), 1),
                    r["backlog_by_instance"], [x for x in r["instances"].split(";") if x])
                   for r in _saturated(places).to_dict("records")]
    else:
        row_keys = [str(r) for r in s["route"]]
        entries = [(p["place"], p["backlog_teu"], p["backlog_teu_by_route"], p["routes"])
                   for p in sat]
    at: dict[str, list[str]] = {}
    queued: dict[str, float] = {}
    for place, backlog, by_who, who in entries:
        for route, teu in by_who.items():
            at.setdefault(route, []).append(place)
            queued[route] = queued.get(route, 0.0) + float(teu)
        for route in who:
            at.setdefault(route, [])
            if place not in at[route] and backlog == 0:
                at[route].append(place)
    s["saturated_places"] = [";".join(at.get(k, [])) for k in row_keys]
    s["queued_teu"] = [round(queued.get(k, 0.0), 3) for k in row_keys]
    info["backlog_teu"] = (round(float(s["backlog_teu"].sum()), 3)
                           if "backlog_teu" in s.columns else None)
    info["queued_teu_at_saturated_places"] = round(sum(queued.values()), 3)
    return s, info
