"""Shipper route choice: a weekly (nested) logit over generalised cost with learned expectations.

Demand rows without ``route`` book a route family each week. At the start of week ``w``
the bookings created in ``[w, w + 1)`` weeks choose among the scenario's ``choice.routes``
with probabilities

    P(r) = exp(-GC_r / scale) / sum_k exp(-GC_k / scale)          (plain logit)

(nested logit when ``choice.nests`` groups close substitutes), where, per TEU,

    GC_r = freight_r + VOT x E[transit_r] + VOR x (p90_r - p50_r) + carbon x tCO2e_r + ASC_r.

``freight_r`` (USD/TEU, no inventory) and ``tCO2e_r`` (well-to-wheel) are static per route
instance (accounting ``stage_costs`` / ``stage_intensities``). Expected transit and spread
are learned from consignments the run itself *delivered* in
``[now - lag - window, now - lag]`` and blended with the prior while observations are few.
A route closed at the booking's time (``route:<id>``, or a closed chokepoint, sea area, link
or node on it) is not available; ``capacity_teu_per_week`` caps a family's weekly bookings
and the overflow re-chooses among the routes with room left.

The bookings themselves (times, sizes, reefer flags) are drawn up front from the demand
streams, independent of the route, so scenarios share them (common random numbers); the
choice draws come from a dedicated stream ``choice:bookings``.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from corridorsim.errors import InternalError
from corridorsim.scenario.model import Scenario
from corridorsim.units import WEEK_H

if TYPE_CHECKING:  # pragma: no cover
    from corridorsim.sim.engine import Engine
    from corridorsim.sim.records import RunRecords
    from corridorsim.sim.streams import Streams

__all__ = ["WEEK_H", "ChoiceModel", "logit_probabilities"]


def logit_probabilities(v: np.ndarray, avail: np.ndarray, nest: np.ndarray,
                        lam: np.ndarray) -> np.ndarray:
    """Nested-logit choice probabilities.

    ``v`` (n, F) utilities, ``avail`` (n, F) bool, ``nest`` (F,) nest index of each
    alternative, ``lam`` (M,) dissimilarity per nest (1 = plain logit). Rows without any
    available alternative get all zeros.
    """
    n, f = v.shape
    vm = np.where(avail, v, -np.inf)
    m = len(lam)
    iv = np.full((n, m), -np.inf)
    within = np.zeros((n, f))
    for k in range(m):
        cols = np.flatnonzero(nest == k)
        if not len(cols):
            continue
        x = vm[:, cols] / lam[k]
        mx = np.max(x, axis=1, keepdims=True)
        ok = np.isfinite(mx[:, 0])
        e = np.where(ok[:, None], np.exp(x - np.where(ok[:, None], mx, 0.0)), 0.0)
        tot = e.sum(axis=1)
        iv[ok, k] = mx[ok, 0] + np.log(tot[ok])
        within[:, cols] = np.divide(e, tot[:, None], out=np.zeros_like(e), where=tot[:, None] > 0)
    top = lam[None, :] * iv
    mx = np.max(top, axis=1, keepdims=True)
    ok = np.isfinite(mx[:, 0])
    e = np.where(ok[:, None], np.exp(top - np.where(ok[:, None], mx, 0.0)), 0.0)
    tot = e.sum(axis=1, keepdims=True)
    pn = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    probs: np.ndarray = within * pn[:, nest]
    return probs


@dataclass
class ChoiceModel:
    """Everything the weekly booking process needs; built by ``build_engine``."""

    scn: Scenario
    families: list[str]                 # alternatives (route families), in order
    inst: np.ndarray                    # (n_book, F) route-instance index, -1 if none
    avail: np.ndarray                   # (n_book, F) open at the booking time
    book: np.ndarray                    # record indices of the choice bookings (time order)
    due_given_h: np.ndarray             # (n_book,) due hours from the row, NaN = per route
    due_route_h: np.ndarray             # (R,) due hours from each route instance's schedule
    gc_static: np.ndarray               # (S, R) USD/TEU: freight + carbon + ASC per seg/instance
    vot: np.ndarray                     # (S,)
    vor: np.ndarray                     # (S,)
    scale: np.ndarray                   # (S,)
    prior_mean_d: np.ndarray            # (R,)
    prior_spread_d: np.ndarray          # (R,)
    nest: np.ndarray                    # (F,)
    lam: np.ndarray                     # (M,)
    cap_teu: np.ndarray                 # (F,) weekly cap, inf if none
    over_cap_teu: float = 0.0

    # ------------------------------------------------------------------ expectations
    def expectations(self, rec: RunRecords, now_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Expected transit (days), spread p90 - p50 (days) and observation count per instance."""
        cfg = self.scn.choice
        t1 = now_h - cfg.lag_d * 24.0
        t0 = t1 - cfg.window_d * 24.0
        d = rec.delivered_h
        with np.errstate(invalid="ignore"):
            sel = np.flatnonzero((d >= t0) & (d <= t1))
        r_n = len(self.prior_mean_d)
        mean = self.prior_mean_d.copy()
        spread = self.prior_spread_d.copy()
        count = np.zeros(r_n, dtype=np.int64)
        if len(sel):
            routes = rec.route[sel]
            transit = (d[sel] - rec.created_h[sel]) / 24.0
            order = np.argsort(routes, kind="stable")
            routes, transit = routes[order], transit[order]
            bounds = np.searchsorted(routes, np.arange(r_n + 1))
            for ri in range(r_n):
                x = transit[bounds[ri]:bounds[ri + 1]]
                if not len(x):
                    continue
                w = min(1.0, len(x) / cfg.min_observations)
                p50, p90 = np.percentile(x, [50, 90])
                mean[ri] = w * float(x.mean()) + (1 - w) * mean[ri]
                spread[ri] = w * float(p90 - p50) + (1 - w) * spread[ri]
                count[ri] = len(x)
        return mean, spread, count

    # ------------------------------------------------------------------ one week
    def book_week(self, eng: Engine, streams: Streams, week: int) -> None:
        """Choose a route for the bookings created in week ``week`` and hand them to their
        first leg."""
        rec = eng.rec
        t_lo, t_hi = week * WEEK_H, (week + 1) * WEEK_H
        created = rec.created_h[self.book]
        lo, hi = np.searchsorted(created, [t_lo, t_hi], side="left")
        mean, spread, count = self.expectations(rec, eng.env.now)
        # generalised cost per segment and instance
        gc_si = (self.gc_static + self.vot[:, None] * mean[None, :]
                 + self.vor[:, None] * spread[None, :])          # (S, R)
        self.expect_rows.append((week, gc_si.copy(), mean.copy(), spread.copy(), count.copy()))
        if hi <= lo:
            return
        b = np.arange(lo, hi)
        idx = self.book[b]
        seg = rec.segment[idx]
        inst = self.inst[b]
        avail = self.avail[b] & (inst >= 0)
        gc = gc_si[seg[:, None], np.maximum(inst, 0)]              # (n, F)
        probs = logit_probabilities(-gc / self.scale[seg][:, None], avail, self.nest, self.lam)
        # the last week may be cut by the horizon: its capacity likewise; fixed-share
        # bookings of the same week use the same capacity
        room = self.cap_teu * min(1.0, (eng.horizon_h - t_lo) / WEEK_H)
        if np.isfinite(room).any():
            room = room - self._fixed_teu(rec, t_lo, t_hi)
        choice = self._draw(probs, rec.teu[idx], room, streams.get("choice:bookings"))
        ri = inst[np.arange(len(b)), choice]
        rec.route[idx] = ri
        due = self.due_given_h[b]
        rec.due_h[idx] = np.where(np.isnan(due), self.due_route_h[ri], due)
        for r in np.unique(ri):  # hand the bookings to their first leg (wakes its service)
            sel = idx[ri == r]
            eng.book_first_leg(int(r), sel)
        self._record_shares(week, rec, idx, seg, inst, choice)

    def _draw(self, probs: np.ndarray, teu: np.ndarray, room: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
        """Each booking's family (column of ``probs``); a family whose weekly ``room`` (TEU)
        is used up is taken out and its overflow chooses again among the others."""
        n_f = len(self.families)
        choice = np.full(len(probs), -1, dtype=np.int64)
        todo = np.arange(len(probs))
        full = room <= 1e-9
        for _ in range(n_f + 1):
            if not len(todo):
                break
            p = probs[todo] * ~full[None, :]
            tot = p.sum(axis=1)
            none = tot <= 0
            if none.all():
                # every open route is full: the cap is exceeded (reported)
                p = probs[todo]
                tot = p.sum(axis=1)
                none = tot <= 0
            u = rng.random(len(todo)) * np.where(none, 1.0, tot)
            pick = np.minimum((np.cumsum(p, axis=1) < u[:, None]).sum(axis=1), n_f - 1)
            pick = np.where(none, -1, pick)
            choice[todo] = pick
            over = np.zeros(len(todo), dtype=bool)
            for f in np.flatnonzero(np.isfinite(room)):
                mine = np.flatnonzero(pick == f)
                if not len(mine):
                    continue
                cum = np.cumsum(teu[todo[mine]])
                if full[f]:
                    # only reached when every route is full: count what goes over the cap
                    self.over_cap_teu += float(cum[-1])
                    continue
                spill = cum > room[f] + 1e-9
                room[f] -= float(cum[~spill][-1]) if (~spill).any() else 0.0
                if spill.any():
                    over[mine[spill]] = True
                    full[f] = True
            choice[todo[over]] = -1
            todo = todo[over]
        if (choice < 0).any():  # pragma: no cover - guarded by build (no open route: refused)
            raise InternalError("route choice left bookings without a route")
        return choice

    def _record_shares(self, week: int, rec: RunRecords, idx: np.ndarray, seg: np.ndarray,
                       inst: np.ndarray, choice: np.ndarray) -> None:
        """Shares per origin–destination pair and segment, over the families serving it."""
        teu = rec.teu[idx]
        od = rec.od[idx]
        for o in np.unique(od):
            mo = od == o
            first = int(np.flatnonzero(mo)[0])
            for s in np.unique(seg[mo]):
                ms = mo & (seg == s)
                tot = float(teu[ms].sum())
                for f, fam_id in enumerate(self.families):
                    ri = int(inst[first, f])
                    if ri < 0:
                        continue
                    t = float(teu[ms & (choice == f)].sum())
                    self.rows_teu.append((week, fam_id, rec.segment_ids[int(s)], t,
                                          t / tot if tot > 0 else 0.0, ri))

    def _fixed_teu(self, rec: RunRecords, t_lo: float, t_hi: float) -> np.ndarray:
        out = np.zeros(len(self.families))
        fixed = self.fixed_idx
        if not len(fixed):
            return out
        c = rec.created_h[fixed]
        sel = fixed[(c >= t_lo) & (c < t_hi)]
        fam_of_inst = self.fam_of_inst
        for f in range(len(self.families)):
            out[f] = float(rec.teu[sel[fam_of_inst[rec.route[sel]] == f]].sum())
        return out

    # ------------------------------------------------------------------ process
    def process(self, eng: Engine, streams: Streams) -> Generator[Any, Any, None]:
        week = 0
        while week * WEEK_H < eng.horizon_h:
            t = week * WEEK_H
            if t > eng.env.now:
                yield eng.env.timeout(t - eng.env.now)
            self.book_week(eng, streams, week)
            week += 1
        return

    # filled in by build()
    rows_teu: list[tuple[int, str, str, float, float, int]] = field(default_factory=list)
    expect_rows: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    fixed_idx: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    fam_of_inst: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


