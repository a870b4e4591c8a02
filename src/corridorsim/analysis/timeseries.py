"""Week by week: ``timeseries.csv`` (per route) and ``facility_timeseries.csv`` (per facility).

Weeks are ISO weeks (Monday to Sunday) in the calendar of the scenario's ``start_date``; the
first and last week of a run may be partial (``days``). A consignment belongs to the week it
was booked in (transit times, waits) or delivered in (``teu_delivered``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridorsim.analysis.queues import at_or_before
from corridorsim.sim.keys import facility_key
from corridorsim.sim.records import CAUSES

if TYPE_CHECKING:
    from corridorsim.analysis.tables import SimTrace
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.sim.engine import Engine
    from corridorsim.sim.records import RunRecords

__all__ = ["Weeks", "facility_timeseries", "route_timeseries"]

WAIT_COLUMNS = [f"wait_{c}_days_mean" for c in CAUSES]


class Weeks:
    """The ISO weeks of a run: edges in hours from the start and their calendar labels."""

    def __init__(self, start_date: str, horizon_h: float) -> None:
        day0 = dt.date.fromisoformat(start_date)
        first_monday = day0 + dt.timedelta(days=(7 - day0.weekday()) % 7)
        edges = [0.0]
        t = (first_monday - day0).days * 24.0 or 168.0
        while t < horizon_h:
            edges.append(t)
            t += 168.0
        edges.append(horizon_h)
        self.edges = np.array(edges)
        self.start_h = self.edges[:-1]
        self.end_h = self.edges[1:]
        starts = [day0 + dt.timedelta(hours=float(h)) for h in self.start_h]
        self.iso = [f"{d.isocalendar().year}-W{d.isocalendar().week:02d}" for d in starts]
        self.week_start = [str(d - dt.timedelta(days=d.weekday())) for d in starts]
        self.week_end = [str(d - dt.timedelta(days=d.weekday()) + dt.timedelta(days=6))
                         for d in starts]
        self.days = np.round((self.end_h - self.start_h) / 24.0, 3)

    def __len__(self) -> int:
        return len(self.start_h)

    def of(self, t_h: np.ndarray) -> np.ndarray:
        """Week index of each time (-1 for NaN or outside the run)."""
        k = np.searchsorted(self.edges, t_h, side="right") - 1
        bad = np.isnan(t_h) | (k < 0) | (k >= len(self))
        return np.where(bad, -1, k).astype(np.int64)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"week": self.iso, "week_start": self.week_start,
                             "week_end": self.week_end, "days": self.days})


def route_timeseries(rec: RunRecords, weeks: Weeks, order: Sequence[str],
                     routes: Mapping[str, RouteInstance], warmup_h: float) -> pd.DataFrame:
    """One row per week and route (in ``order``, route keys): TEU booked, delivered and in
    transit at the week's end; transit P10/P50/P90 (days) and mean waits by cause (days) of
    the consignments booked that week and delivered by the horizon — how many of them were
    is ``booked_delivered_share`` (below 1 near the end of a run: the slowest are missing,
    so the percentiles read low)."""
    n_w, n_r = len(weeks), len(order)
    row_of = {k: i for i, k in enumerate(order)}
    r = np.array([row_of.get(k, -1) for k in rec.route_ids], dtype=np.int64)[rec.route] \
        if rec.n else np.zeros(0, np.int64)
    wb, wd = weeks.of(rec.created_h), weeks.of(rec.delivered_h)
    ok = r >= 0
    booked = _sum2(r[ok & (wb >= 0)], wb[ok & (wb >= 0)], rec.teu[ok & (wb >= 0)], n_r, n_w)
    deliv = _sum2(r[ok & (wd >= 0)], wd[ok & (wd >= 0)], rec.teu[ok & (wd >= 0)], n_r, n_w)
    in_transit = np.cumsum(booked, axis=1) - np.cumsum(deliv, axis=1)
    done = ok & (wb >= 0) & ~np.isnan(rec.delivered_h)
    booked_done = _sum2(r[done], wb[done], rec.teu[done], n_r, n_w)
    cell = np.where(done, r * n_w + wb, -1)
    pct = _percentiles((rec.delivered_h - rec.created_h) / 24.0, cell, n_r * n_w)
    waits = _wait_means(rec, cell, n_r * n_w)
    frame = weeks.frame()
    parts = []
    for i, key in enumerate(order):
        inst = routes[key]
        part = frame.assign(route=inst.family, origin=inst.origin,
                            destination=inst.destination,
                            in_warmup=weeks.end_h <= warmup_h,
                            teu_booked=booked[i], teu_delivered=deliv[i],
                            teu_in_transit_end=in_transit[i],
                            booked_delivered_share=np.divide(
                                booked_done[i], booked[i], out=np.full(n_w, np.nan),
                                where=booked[i] > 0))
        sl = slice(i * n_w, (i + 1) * n_w)
        for j, q in enumerate(("p10", "p50", "p90")):
            part[f"transit_{q}_d"] = pct[j, sl]
        for j, col in enumerate(WAIT_COLUMNS):
            part[col] = waits[j, sl]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0]
    return out.sort_values(["week_start", "days"], kind="stable").reset_index(drop=True) \
        .round(4)


def _sum2(a: np.ndarray, b: np.ndarray, w: np.ndarray, n_a: int, n_b: int) -> np.ndarray:
    return np.bincount(a * n_b + b, weights=w, minlength=n_a * n_b).reshape(n_a, n_b)


def _percentiles(x: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """P10, P50, P90 of ``x`` per cell (-1: left out); NaN for empty cells."""
    out = np.full((3, n_cells), np.nan)
    keep = cell >= 0
    c, v = cell[keep], x[keep]
    # grouped by cell only (a stable sort of small integers is a radix sort); np.percentile
    # selects order statistics itself, so the values within a cell need no order
    small = np.int16 if n_cells <= np.iinfo(np.int16).max else np.int64
    order = np.argsort(c.astype(small), kind="stable")
    c, v = c[order], v[order]
    bounds = np.searchsorted(c, np.arange(n_cells + 1))
    for k in np.flatnonzero(np.diff(bounds)):
        out[:, k] = np.percentile(v[bounds[k]:bounds[k + 1]], [10, 50, 90])
    return out


def _wait_means(rec: RunRecords, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Mean days waited by cause per cell, over the consignments of the cell."""
    out = np.full((len(CAUSES), n_cells), np.nan)
    if rec.n == 0:
        return out
    key = np.where(cell < 0, n_cells, cell)
    count = np.bincount(key, minlength=n_cells + 1)[:n_cells]
    for j in range(len(CAUSES)):
        per = np.add.reduceat(rec.wait[j], rec.first_row)
        tot = np.bincount(key, weights=per, minlength=n_cells + 1)[:n_cells]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[j] = np.where(count > 0, tot / count / 24.0, np.nan)
    return out


def facility_timeseries(eng: Engine, trace: SimTrace, weeks: Weeks,
                        names: Mapping[str, str]) -> pd.DataFrame:
    """One row per week and facility: vehicles arrived, TEU at the facility (mean, max over
    hourly samples), TEU waiting for the next vehicle out of its node (the yard), server
    utilisation and mean server wait (h) of the vehicles arrived that week."""
    ts = np.arange(0.0, float(weeks.edges[-1]), 1.0)
    week_of_t = weeks.of(ts)
    onward = _onward_queues(trace, ts)
    frame = weeks.frame()
    parts = []
    for key in sorted(eng.facilities):
        fac = eng.facilities[key]
        log = np.array(fac.passages_log, dtype=float).reshape(-1, 5)
        at_fac = _level(log[:, 0], log[:, 3], log[:, 4], ts)
        yard = onward.get(facility_key(fac.node, fac.direction), np.zeros(len(ts)))
        wk = weeks.of(log[:, 0])
        vehicles = np.bincount(wk[wk >= 0], minlength=len(weeks))
        waited = np.bincount(wk[wk >= 0], weights=(log[:, 1] - log[:, 0])[wk >= 0],
                             minlength=len(weeks))
        busy = _busy_hours(log[:, 1], log[:, 2], weeks)
        hours = (weeks.end_h - weeks.start_h) * fac.resource.capacity
        fac_mean, fac_max = _mean_max(at_fac, week_of_t, len(weeks))
        yard_mean, yard_max = _mean_max(yard, week_of_t, len(weeks))
        with np.errstate(invalid="ignore", divide="ignore"):
            part = frame.assign(
                node=fac.node, name=names.get(fac.node, fac.node), kind=fac.kind,
                direction=fac.direction, vehicles=vehicles,
                teu_at_facility_mean=fac_mean, teu_at_facility_max=fac_max,
                teu_waiting_onward_mean=yard_mean, teu_waiting_onward_max=yard_max,
                utilisation=busy / hours,
                wait_mean_h=np.where(vehicles > 0, waited / np.maximum(vehicles, 1), np.nan))
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0]
    return out.sort_values(["week_start", "days"], kind="stable").reset_index(drop=True) \
        .round(4)


def _level(t_in: np.ndarray, t_out: np.ndarray, w: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """TEU present at each sample time (entered at or before it, not yet left)."""
    if not len(t_in):
        return np.zeros(len(ts))
    level: np.ndarray = at_or_before(t_in, w, ts) - at_or_before(t_out, w, ts)
    return level


def _mean_max(x: np.ndarray, week: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and max of hourly samples ``x`` per week (``week``: ascending week of each)."""
    mean, top = np.full(n, np.nan), np.full(n, np.nan)
    starts = np.searchsorted(week, np.arange(n))
    has = np.diff(np.append(starts, len(week))) > 0
    if has.any():
        idx = starts[has]
        counts = np.diff(np.append(idx, len(week)))
        mean[has] = np.add.reduceat(x, idx) / counts
        top[has] = np.maximum.reduceat(x, idx)
    return mean, top


def _busy_hours(start: np.ndarray, end: np.ndarray, weeks: Weeks) -> np.ndarray:
    """Server hours in each week (a passage's service split over the weeks it spans)."""
    a = np.maximum(start[:, None], weeks.start_h[None, :])
    b = np.minimum(end[:, None], weeks.end_h[None, :])
    return np.clip(b - a, 0.0, None).sum(axis=0) if len(start) else np.zeros(len(weeks))


def _onward_queues(trace: SimTrace, ts: np.ndarray) -> dict[str, np.ndarray]:
    """TEU ready for a service and not yet departed on it, summed by the service's departure
    facility (node and direction), at each sample time."""
    rec = trace.records
    out: dict[str, np.ndarray] = {}
    if rec.n == 0:
        return out
    order, bounds = rec.by_route()
    for r in range(len(rec.route_ids)):
        cons = order[bounds[r]:bounds[r + 1]]
        if not len(cons):
            continue
        for st in np.flatnonzero(trace.stage_service[r] >= 0):
            s = int(trace.stage_service[r, st])
            rows = rec.first_row[cons] + st
            t_in = rec.t_in[rows]
            trip = rec.trip[rows]
            dep = np.where(trip >= 0, trace.dep_time[np.maximum(trip, 0)], np.inf)
            entered = ~np.isnan(t_in)
            key = facility_key(trace.service_from[s], trace.service_direction[s])
            q = _level(t_in[entered], dep[entered], rec.teu[cons][entered], ts)
            out[key] = out[key] + q if key in out else q
    return out
