"""Consignments waiting for a vehicle: the cargo hand-over between stages."""

from __future__ import annotations

import math

import numpy as np
import simpy

from corridorsim.sim.notify import Signal
from corridorsim.sim.records import RunRecords

__all__ = ["BatchQueue"]

INF = math.inf
#: hours (a few microseconds): the clock's rounding, never a modelled time
READY_EPS_H = 1e-9


class BatchQueue:
    """Consignments waiting for a service, in order of readiness.

    ``future`` holds pre-booked arrivals (sorted by ready time); ``present`` holds batches
    handed over by upstream stages. Both are plain arrays.
    """

    def __init__(self, env: simpy.Environment, rec: RunRecords) -> None:
        self.env = env
        self.rec = rec
        self.booked = np.empty(0, dtype=np.int64)
        self.booked_rows = np.empty(0, dtype=np.int64)
        self.booked_ready = np.empty(0)
        self.booked_teu_cum = np.empty(0)
        self.booked_next = 0
        self.handed = np.empty(0, dtype=np.int64)
        self.handed_rows = np.empty(0, dtype=np.int64)
        self.handed_ready = np.empty(0)
        self.handed_teu = np.empty(0)
        self.handed_teu_sum = 0.0  # TEU in ``present`` (kept up to date, not re-summed)
        #: wakes the service's process when cargo is handed over or booked
        self.arrived = Signal(env)

    def preload(self, idx: np.ndarray, ready: np.ndarray) -> None:
        """Book consignments ``idx`` on this service's first leg (record row ``first_row + 1``),
        ready at ``ready``."""
        rows = self.rec.first_row[idx] + 1
        if self.booked_next >= len(self.booked) and (len(ready) < 2 or bool((ready[1:] >= ready[:-1]).all())):
            # nothing booked yet and already in time order (the usual case): no sort
            self.booked, self.booked_rows, self.booked_ready = idx, rows, ready
        else:
            booked = np.concatenate([self.booked[self.booked_next:], idx])
            booked_rows = np.concatenate([self.booked_rows[self.booked_next:], rows])
            booked_ready = np.concatenate([self.booked_ready[self.booked_next:], ready])
            order = np.argsort(booked_ready, kind="stable")
            self.booked, self.booked_rows, self.booked_ready = booked[order], booked_rows[order], booked_ready[order]
        self.booked_teu_cum = np.cumsum(self.rec.teu[self.booked])
        self.booked_next = 0
        self.arrived.notify()

    def push(self, idx: np.ndarray, rows: np.ndarray, ready_h: float) -> None:
        """Hand over consignments ``idx`` (their record ``rows`` for this leg), ready now."""
        self.handed = np.concatenate([self.handed, idx])
        self.handed_rows = np.concatenate([self.handed_rows, rows])
        self.handed_ready = np.concatenate([self.handed_ready, np.full(len(idx), ready_h)])
        teu = self.rec.teu[idx]
        self.handed_teu = np.concatenate([self.handed_teu, teu])
        self.handed_teu_sum += float(teu.sum())
        self.arrived.notify()

    def _future_ready_by(self, t: float) -> int:
        """End (exclusive) of the pre-booked consignments ready by ``t``. A timeout to a
        ready time may land a rounding error short of it (``now + (t1 - now)`` is not always
        ``t1``), so ready means ready within :data:`READY_EPS_H`."""
        end = int(np.searchsorted(self.booked_ready, t + READY_EPS_H, side="right"))
        return max(self.booked_next, end)

    def first_ready(self) -> float | None:
        if len(self.handed):
            return float(self.handed_ready[0])
        if self.booked_next < len(self.booked):
            return float(self.booked_ready[self.booked_next])
        return None

    def ready_teu(self, t: float) -> float:
        """TEU ready by ``t``: handed over, and pre-booked ready by then."""
        k = self._future_ready_by(t)
        if k <= self.booked_next:
            return self.handed_teu_sum
        base = float(self.booked_teu_cum[self.booked_next - 1]) if self.booked_next > 0 else 0.0
        return self.handed_teu_sum + float(self.booked_teu_cum[k - 1]) - base

    def time_full(self, capacity: float) -> float:
        """Earliest time the ready TEU reach ``capacity`` from known arrivals (inf if never)."""
        need = capacity - self.handed_teu_sum
        if need <= 0:
            return float(self.handed_ready[-1]) if len(self.handed_ready) else self.env.now
        base = self.booked_teu_cum[self.booked_next - 1] if self.booked_next > 0 else 0.0
        k = int(np.searchsorted(self.booked_teu_cum, base + need - 1e-9, side="left"))
        if k >= len(self.booked_teu_cum):
            return INF
        return float(self.booked_ready[k])

    def take(self, t: float, capacity: float) -> tuple[np.ndarray, np.ndarray]:
        """Remove and return consignments ready by ``t`` and their record rows, first come
        first served, up to capacity."""
        k = self._future_ready_by(t)
        if k > self.booked_next:
            fi = self.booked[self.booked_next:k]
            if len(self.handed):
                idx = np.concatenate([self.handed, fi])
                rows = np.concatenate([self.handed_rows, self.booked_rows[self.booked_next:k]])
                ready = np.concatenate([self.handed_ready, self.booked_ready[self.booked_next:k]])
                teu = np.concatenate([self.handed_teu, self.rec.teu[fi]])
                order = np.argsort(ready, kind="stable")
                idx, rows, ready, teu = idx[order], rows[order], ready[order], teu[order]
            else:
                idx, rows = fi, self.booked_rows[self.booked_next:k]
                ready, teu = self.booked_ready[self.booked_next:k], self.rec.teu[fi]
            self.booked_next = k
        else:
            idx, rows, ready, teu = self.handed, self.handed_rows, self.handed_ready, self.handed_teu
        cum = np.cumsum(teu)
        n = int(np.searchsorted(cum, capacity + 1e-9, side="right"))
        out, out_rows = idx[:n], rows[:n]
        self.handed, self.handed_rows, self.handed_ready, self.handed_teu = idx[n:], rows[n:], ready[n:], teu[n:]
        self.handed_teu_sum = float(cum[-1] - cum[n - 1]) if n else float(cum[-1]) if len(cum) else 0.0
        return out, out_rows
