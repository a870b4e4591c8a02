"""Waiting hours summed per route instance and stage, straight from the run's records.

One aggregate for every per-place figure of the map and the report (the facilities'
wait per TEU passing, the bottleneck ranking): per ``(route_key, stage_index)``, over the
rows of consignments booked after the warm-up that finished the stage, the number of
consignments, their TEU, and per waiting cause the hours summed (``wait_<cause>_h``) and
the TEU-hours summed (``wait_<cause>_teuh``).

The run's analysis step computes it from the record arrays, chunk by chunk (a
10-million-TEU year never builds a per-consignment table for it), side by side with the
other analyses; a result that carries tables instead (a sample, a result read back) reads
the same columns from them — one accumulation either way, so both give the same sums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridorsim.analysis.tables import chunk_bounds
from corridorsim.sim.records import CAUSES

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.sim.records import RunRecords

__all__ = ["from_records", "stage_totals"]

#: record rows read at a time (memory: ~40 bytes a row while accumulating)
CHUNK_ROWS = 2_000_000


class _Sums:
    """Running sums over keys ``route_index * width + stage_index``."""

    def __init__(self, routes: int, width: int) -> None:
        self.width = max(width, 1)
        size = routes * self.width
        self.count = np.zeros(size)
        self.teu = np.zeros(size)
        self.hours = np.zeros((len(CAUSES), size))
        self.teuh = np.zeros((len(CAUSES), size))

    def add(self, key: np.ndarray, teu: np.ndarray, counted: np.ndarray,
            wait: Callable[[int], np.ndarray]) -> None:
        """Rows with ``key`` (``route_index * width + stage_index``) and ``teu``, of which
        those ``counted`` marks are summed; ``wait(j)``: the rows' hours of cause
        ``CAUSES[j]``. Most rows wait for one or two causes only, so each cause sums its
        non-zero counted rows alone (the same sums: adding 0.0 changes none)."""
        size = len(self.count)
        k, t = key[counted], teu[counted]
        self.count += np.bincount(k, minlength=size)
        self.teu += np.bincount(k, weights=t, minlength=size)
        for j in range(len(CAUSES)):
            w = wait(j)
            nz = np.flatnonzero((w != 0) & counted)
            if not len(nz):
                continue
            k, h = key[nz], w[nz].astype(np.float64)
            self.hours[j] += np.bincount(k, weights=h, minlength=size)
            self.teuh[j] += np.bincount(k, weights=h * teu[nz], minlength=size)

    def table(self, keys: list[str]) -> pd.DataFrame:
        used = np.flatnonzero(self.count > 0)
        index = pd.MultiIndex.from_arrays(
            [[keys[int(k) // self.width] for k in used],
             (used % self.width).astype(np.int64)], names=["route_key", "stage_index"])
        cols: dict[str, np.ndarray] = {"consignments": self.count[used].astype(np.int64),
                                       "teu": self.teu[used]}
        for j, c in enumerate(CAUSES):
            cols[f"wait_{c}_h"] = self.hours[j, used]
        for j, c in enumerate(CAUSES):
            cols[f"wait_{c}_teuh"] = self.teuh[j, used]
        return pd.DataFrame(cols, index=index).sort_index()


def from_records(rec: RunRecords, warmup_h: float) -> pd.DataFrame:
    """:func:`stage_totals` of a run's records (the run's analysis step computes it beside
    the other analyses, so the map and the report only read it)."""
    in_stats = rec.created_h >= warmup_h
    sums = _Sums(len(rec.route_ids), int(rec.slots.max()) if rec.n else 1)
    for lo, hi in chunk_bounds(rec, CHUNK_ROWS):
        if hi <= lo:
            continue
        r0 = int(rec.first_row[lo])
        r1 = int(rec.first_row[hi]) if hi < rec.n else rec.n_rows
        ci = np.repeat(np.arange(lo, hi, dtype=np.int64), rec.slots[lo:hi])
        stage = np.arange(r0, r1, dtype=np.int64) - rec.first_row[ci]
        key = rec.route[ci].astype(np.int64) * sums.width + stage
        counted = in_stats[ci] & ~np.isnan(rec.t_out[r0:r1])
        sums.add(key, rec.teu[ci], counted,
                 lambda j, r0=r0, r1=r1: rec.wait[j, r0:r1])  # type: ignore[misc]
    return sums.table(list(rec.route_ids))


def _from_tables(res: RunResult) -> pd.DataFrame:
    legs, cons = res.legs, res.consignments
    keep = legs["end_h"].notna().to_numpy().copy()
    if "in_stats" in cons:
        ids = cons.loc[cons["in_stats"].astype(bool), "consignment_id"].to_numpy()
        keep &= np.isin(legs["consignment_id"].to_numpy(), ids)
    key_col = "route_key" if "route_key" in legs else "route"
    keys = pd.Index(pd.unique(legs[key_col].astype(str)))
    legs = legs[keep]
    route = keys.get_indexer(pd.Index(legs[key_col].astype(str)))
    stage = legs["stage_index"].to_numpy(np.int64)
    zeros = np.zeros(len(legs))
    wait = np.vstack([legs[f"wait_{c}_h"].fillna(0.0).to_numpy(np.float64)
                      if f"wait_{c}_h" in legs else zeros for c in CAUSES])
    sums = _Sums(len(keys), int(stage.max()) + 1 if len(stage) else 1)
    sums.add(route.astype(np.int64) * sums.width + stage, legs["teu"].to_numpy(np.float64),
             np.ones(len(legs), bool), wait.__getitem__)
    return sums.table([str(k) for k in keys])


def stage_totals(res: RunResult) -> pd.DataFrame:
    """Per ``(route_key, stage_index)``: ``consignments``, ``teu``, ``wait_<cause>_h`` and
    ``wait_<cause>_teuh`` summed over the finished stage rows of consignments booked after
    the warm-up (kept on the result once computed)."""
    trace = res.trace
    out: pd.DataFrame = res.cached(
        "stage_totals", lambda: from_records(trace.records, trace.warmup_h)
        if trace is not None else _from_tables(res))
    return out
