"""Queue arithmetic of the saturation analysis: TEU waiting at a place over time, from the
times rows entered and left it, without sorting the rows."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["GROWTH_SHARE", "MIN_GROWTH_TEU", "Cell", "assess_cells", "at_or_before",
           "batch_at_least", "queue_at"]

GROWTH_SHARE = 0.10
MIN_GROWTH_TEU = 20.0


def queue_at(t_in: np.ndarray, t_out: np.ndarray, w: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """TEU present at each time in ``ts`` (entered at ``t_in`` <= t, left at ``t_out`` > t)."""
    oi, oo = np.argsort(t_in, kind="stable"), np.argsort(t_out, kind="stable")
    cin = np.concatenate([[0.0], np.cumsum(w[oi])])
    cout = np.concatenate([[0.0], np.cumsum(w[oo])])
    q: np.ndarray = (cin[np.searchsorted(t_in[oi], ts, side="right")]
                     - cout[np.searchsorted(t_out[oo], ts, side="right")])
    return q


def at_or_before(x: np.ndarray, w: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """``w[x <= t].sum()`` for every ``t`` of the ascending ``ts``, in one pass over ``x``.

    Rows at or before ``ts[0]`` count at every sample time and rows after ``ts[-1]`` (or
    NaN) at none; only the rows in between are placed among the sample times
    (``searchsorted`` + ``bincount``).
    """
    below = x <= ts[0]
    inside = x <= ts[-1]
    inside ^= below  # ts ascending: below implies x <= ts[-1]
    counts = np.bincount(np.searchsorted(ts, x[inside], side="left"), weights=w[inside],
                         minlength=len(ts))
    return float(np.sum(w, where=below)) + np.cumsum(counts[:len(ts)])


def batch_at_least(t_in: np.ndarray, w: np.ndarray, teu: float) -> bool:
    """Whether ``_batch(t_in, w) >= teu``: at least ``teu`` TEU entered at one instant.

    Exact, without sorting the whole group: the TEU entering in a time bin (about one row
    per bin) bound those entering at any instant of the bin, so only the rows of bins
    holding ``teu`` or more are sorted and summed per instant.
    """
    if not len(t_in):
        return teu <= 0.0
    t0 = float(t_in.min())
    n_bins = len(t_in)
    scale = n_bins / max(float(t_in.max()) - t0, 1e-9)
    b = np.minimum(((t_in - t0) * scale).astype(np.int64), n_bins - 1)
    heavy = np.bincount(b, weights=w, minlength=n_bins) >= teu
    if not heavy.any():
        return False
    sel = heavy[b]
    x = t_in[sel]
    o = np.argsort(x, kind="stable")
    x = x[o]
    starts = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))
    return bool(np.add.reduceat(w[sel][o], starts).max() >= teu)


class Cell:
    """Record rows of one (route, stage): ``t_in``, leaving time ``t_out`` (NaN: not
    left), TEU ``w`` and group code ``group`` (the route instance)."""

    __slots__ = ("group", "t_in", "t_out", "w")

    def __init__(self, t_in: np.ndarray, t_out: np.ndarray, w: np.ndarray, group: int) -> None:
        self.t_in, self.t_out, self.w, self.group = t_in, t_out, w, group


def assess_cells(cells: list[Cell], horizon_h: float,
                  n_groups: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """:func:`_assess` of a place whose record rows are split in cells.

    Returns the assessment, the TEU still there (backlog) by group (route instance) and
    the rows entered by group. Rows not entered have ``t_in`` NaN (and ``t_out`` NaN). The
    queue is sampled with bin counts per cell (:func:`at_or_before`), which add up; the
    batch is looked at only when it matters (``max(MIN_GROWTH_TEU, 2 * batch)`` decides
    only if the queue grew by more than ``MIN_GROWTH_TEU`` and ``GROWTH_SHARE`` of the
    inflow), and then only as far as needed: ``growth > 2 * batch`` iff no instant took
    in ``growth / 2`` TEU or more (:func:`batch_at_least`). TEU are whole numbers (1 or
    2 per consignment), so every sum is exact in any order and the result is that of
    :func:`_assess` on the place's rows.
    """
    stuck = np.zeros(n_groups)
    entered = np.zeros(n_groups, dtype=np.int64)
    t_first = np.inf
    for c in cells:
        not_in = np.isnan(c.t_in)
        n_in = len(not_in) - int(np.count_nonzero(not_in))
        if n_in:
            entered[c.group] += n_in
            t_first = min(t_first, float(np.fmin.reduce(c.t_in)))
            # not entered implies not left: stuck = not left - not entered
            stuck[c.group] += (float(np.sum(c.w, where=np.isnan(c.t_out)))
                             - float(np.sum(c.w, where=not_in)))
    if not entered.any():
        return ({"backlog_teu": 0.0, "growth_teu": 0.0, "inflow_teu": 0.0, "grew": False},
                stuck, entered)
    backlog = float(stuck.sum())
    span = horizon_h - t_first
    t_mid = t_first + span / 2.0
    win = span / 10.0
    ts_mid = np.linspace(t_mid - win / 2, t_mid + win / 2, 21)
    ts_end = np.linspace(horizon_h - win, horizon_h, 21)
    q_mid, q_end, inflow = np.zeros(21), np.zeros(21), 0.0
    for c in cells:
        if span >= 0:
            q_mid += at_or_before(c.t_in, c.w, ts_mid) - at_or_before(c.t_out, c.w, ts_mid)
            q_end += at_or_before(c.t_in, c.w, ts_end) - at_or_before(c.t_out, c.w, ts_end)
        else:  # entered after the horizon (the engine does not): sample times descend
            t_out = np.where(np.isnan(c.t_out), np.inf, c.t_out)
            q_mid += queue_at(c.t_in, t_out, c.w, ts_mid)  # NaN t_in sort last: not counted
            q_end += queue_at(c.t_in, t_out, c.w, ts_end)
        inflow += float(np.sum(c.w, where=c.t_in > t_mid))
    growth = float(q_end.mean()) - float(q_mid.mean())
    grew = span > 0 and backlog > 0 and growth > max(GROWTH_SHARE * inflow, MIN_GROWTH_TEU)
    if grew:
        t_in = np.concatenate([c.t_in for c in cells])
        w = np.concatenate([c.w for c in cells])
        ok = ~np.isnan(t_in)
        grew = not batch_at_least(t_in[ok], w[ok], growth / 2.0)
    return ({"backlog_teu": round(backlog, 3), "growth_teu": round(growth, 3),
             "inflow_teu": round(inflow, 3), "grew": bool(grew)}, stuck, entered)
