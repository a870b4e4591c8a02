"""Filing a load's waiting hours by cause: at a departure (:func:`record_phases`) and at a
facility it passes (:func:`passage_hours`).

Each consignment on a vehicle about to leave has waited from the moment it was ready until
the departure; :func:`record_phases` splits those hours into the causes of
:data:`~corridorsim.sim.records.CAUSES`: closures first, then the service loop's own phases
(waiting for a vehicle, a slot, the vehicle to fill), the rest as queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from corridorsim.sim.records import CAUSES

if TYPE_CHECKING:
    from corridorsim.sim.facilities import Facility

__all__ = ["CAUSE", "passage_hours", "record_phases"]

#: index of each cause in the first axis of ``RunRecords.wait``
CAUSE = {c: i for i, c in enumerate(CAUSES)}

def _overlap(a: float, b: float, ready: np.ndarray, first: float,
             last: float) -> np.ndarray | float:
    """Hours of ``[a, b)`` each consignment (ready at ``ready``) spent waiting."""
    if b <= first or b <= a:
        return 0.0
    if a >= last:  # everyone was ready before it began: the same hours for all
        return b - a
    spans = b - np.maximum(a, ready)
    out: np.ndarray = np.maximum(spans, 0.0, out=spans)
    return out



def record_phases(wait: np.ndarray, rows: np.ndarray, ready: np.ndarray,
                  phases: list[tuple[float, float, str]], t_end: float,
                  closed: list[tuple[float, float, str]]) -> None:
    """File each consignment's wait ``ready → t_end`` by cause; the rest is queue.

    ``closed`` are the hours the service was closed (storms, disruptions; disjoint,
    from its calendar): whoever was waiting then waited for the closure, wherever it
    stood in the queue, so those hours go to the closure's cause first. The loop's own
    ``phases`` (waiting for a vehicle, a slot, the vehicle to fill) take the hours left.
    ``rows`` are the consignments' record rows of a leg about to depart; this is the
    first write to those rows, so values are assigned, not added.
    """
    rest = t_end - ready
    parts: dict[int, np.ndarray | float] = {}
    first, last = (float(ready.min()), float(ready.max())) if len(ready) else (0.0, 0.0)

    def add(cause: str, part: np.ndarray | float) -> None:
        nonlocal rest
        c = CAUSE[cause]
        parts[c] = parts[c] + part if c in parts else part
        rest = rest - part

    for a, b, cause in closed:
        add(cause, _overlap(a, b, ready, first, last))
    for t0, t1, cause in phases:
        t1 = min(t1, t_end)
        if t1 <= first or t1 <= t0:
            continue  # over before anyone on board was ready
        part = _overlap(t0, t1, ready, first, last)
        for a, b, _ in closed:  # hours inside a closure are the closure's
            if a < t1 and b > t0:
                part = part - _overlap(max(a, t0), min(b, t1), ready, first, last)
        add(cause, part)
    if isinstance(rest, np.ndarray):
        np.maximum(rest, 0.0, out=rest)
    q = CAUSE["queue"]
    parts[q] = parts[q] + rest if q in parts else rest
    for c, part in parts.items():
        wait[c][rows] = part


def passage_hours(fac: Facility, phases: list[tuple[float, float, str]], waited: float,
               base: float, service: float, dwell: float, slowed_by: str | None
               ) -> tuple[np.ndarray, float]:
    """The hours of one passage by cause, and its moving hours: closure and opening-hour
    phases as filed; server wait -> queue; service -> handling (ports, terminals) or border,
    moving at a chokepoint; a window slowing the work (wind, a partial disruption) is the
    cause of the time beyond the normal work; dwell -> border at borders and gauge changes,
    handling at ports. Every consignment of the load gets the same hours."""
    hours = np.zeros(len(CAUSES))
    for t0, t1, cause in phases:
        if t1 > t0:
            hours[CAUSE[cause]] += t1 - t0
    hours[CAUSE["queue"]] += waited
    work = base if slowed_by is not None else service
    if slowed_by is not None:
        hours[CAUSE[slowed_by]] += service - base
    own = CAUSE["border" if fac.is_border else "handling"]
    moving = 0.0
    if fac.kind == "chokepoint":
        moving = work
    else:
        hours[own] += work
    hours[own] += dwell
    return hours, moving
