"""Consignments waiting for a vehicle: the cargo hand-over between stages."""

from __future__ import annotations

import math

import numpy as np
import simpy

from corridorsim.sim.notify import Signal
from corridorsim.sim.records import RunRecords

__all__ = ["BatchQueue"]

INF = math.inf


class BatchQueue:
    """Consignments waiting for a service, in order of readiness.

    ``future`` holds pre-booked arrivals (sorted by ready time); ``present`` holds batches
    handed over by upstream stages. Both are plain arrays.
    """

    def __init__(self, env: simpy.Environment, rec: RunRecords) -> None:
        self.env = env
        self.rec = rec
        self.f_idx = np.empty(0, dtype=np.int64)
        self.f_rows = np.empty(0, dtype=np.int64)
        self.f_ready = np.empty(0)
        self.f_cum = np.empty(0)
        self.f_pos = 0
        self.p_idx = np.empty(0, dtype=np.int64)
        self.p_rows = np.empty(0, dtype=np.int64)
        self.p_ready = np.empty(0)
        self.p_teu = np.empty(0)
        self.p_sum = 0.0  # TEU in ``present`` (kept up to date, not re-summed)
        #: wakes the service's process when cargo is handed over or booked
        self.arrived = Signal(env)

    def preload(self, idx: np.ndarray, ready: np.ndarray) -> None:
        """Book consignments ``idx`` on this service's first leg (record row ``off + 1``),
        ready at ``ready``."""
        rows = self.rec.off[idx] + 1
        if self.f_pos >= len(self.f_idx) and (len(ready) < 2 or bool((ready[1:] >= ready[:-1]).all())):
            # nothing booked yet and already in time order (the usual case): no sort
            self.f_idx, self.f_rows, self.f_ready = idx, rows, ready
        else:
            f_idx = np.concatenate([self.f_idx[self.f_pos:], idx])
            f_rows = np.concatenate([self.f_rows[self.f_pos:], rows])
            f_ready = np.concatenate([self.f_ready[self.f_pos:], ready])
            order = np.argsort(f_ready, kind="stable")
            self.f_idx, self.f_rows, self.f_ready = f_idx[order], f_rows[order], f_ready[order]
        self.f_cum = np.cumsum(self.rec.teu[self.f_idx])
        self.f_pos = 0
        self.arrived.notify()

    def push(self, idx: np.ndarray, rows: np.ndarray, ready_h: float) -> None:
        """Hand over consignments ``idx`` (their record ``rows`` for this leg), ready now."""
        self.p_idx = np.concatenate([self.p_idx, idx])
        self.p_rows = np.concatenate([self.p_rows, rows])
        self.p_ready = np.concatenate([self.p_ready, np.full(len(idx), ready_h)])
        teu = self.rec.teu[idx]
        self.p_teu = np.concatenate([self.p_teu, teu])
        self.p_sum += float(teu.sum())
        self.arrived.notify()

    def _future_ready_by(self, t: float) -> int:
        """End (exclusive) of the pre-booked consignments ready by ``t``."""
        return max(self.f_pos, int(np.searchsorted(self.f_ready, t, side="right")))

    def first_ready(self) -> float | None:
        if len(self.p_idx):
            return float(self.p_ready[0])
        if self.f_pos < len(self.f_idx):
            return float(self.f_ready[self.f_pos])
        return None

    def ready_teu(self, t: float) -> float:
        """TEU ready by ``t``: handed over, and pre-booked ready by then."""
        k = self._future_ready_by(t)
        if k <= self.f_pos:
            return self.p_sum
        base = float(self.f_cum[self.f_pos - 1]) if self.f_pos > 0 else 0.0
        return self.p_sum + float(self.f_cum[k - 1]) - base

    def time_full(self, capacity: float) -> float:
        """Earliest time the ready TEU reach ``capacity`` from known arrivals (inf if never)."""
        need = capacity - self.p_sum
        if need <= 0:
            return float(self.p_ready[-1]) if len(self.p_ready) else self.env.now
        base = self.f_cum[self.f_pos - 1] if self.f_pos > 0 else 0.0
        k = int(np.searchsorted(self.f_cum, base + need - 1e-9, side="left"))
        if k >= len(self.f_cum):
            return INF
        return float(self.f_ready[k])

    def take(self, t: float, capacity: float) -> tuple[np.ndarray, np.ndarray]:
        """Remove and return consignments ready by ``t`` and their record rows, first come
        first served, up to capacity."""
        k = self._future_ready_by(t)
        if k > self.f_pos:
            fi = self.f_idx[self.f_pos:k]
            if len(self.p_idx):
                idx = np.concatenate([self.p_idx, fi])
                rows = np.concatenate([self.p_rows, self.f_rows[self.f_pos:k]])
                ready = np.concatenate([self.p_ready, self.f_ready[self.f_pos:k]])
                teu = np.concatenate([self.p_teu, self.rec.teu[fi]])
                order = np.argsort(ready, kind="stable")
                idx, rows, ready, teu = idx[order], rows[order], ready[order], teu[order]
            else:
                idx, rows = fi, self.f_rows[self.f_pos:k]
                ready, teu = self.f_ready[self.f_pos:k], self.rec.teu[fi]
            self.f_pos = k
        else:
            idx, rows, ready, teu = self.p_idx, self.p_rows, self.p_ready, self.p_teu
        cum = np.cumsum(teu)
        n = int(np.searchsorted(cum, capacity + 1e-9, side="right"))
        out, out_rows = idx[:n], rows[:n]
        self.p_idx, self.p_rows, self.p_ready, self.p_teu = idx[n:], rows[n:], ready[n:], teu[n:]
        self.p_sum = float(cum[-1] - cum[n - 1]) if n else float(cum[-1]) if len(cum) else 0.0
        return out, out_rows
