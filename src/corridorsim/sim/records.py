"""What a run records: plain arrays, one row per consignment, one column per stage."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["CAUSES", "RunRecords"]

#: Causes of waiting, in the order of the last axis of :attr:`RunRecords.wait`.
CAUSES = (
    "consolidation",  # waiting for the vehicle to fill or its hold time to run out
    "queue",          # waiting for a vehicle, a server (track, crane, berth) or room on board
    "schedule",       # waiting for a timetable slot or an opening window
    "weather",        # sailings suspended by storms
    "border",         # customs, inspection and gauge-change work at borders
    "handling",       # loading, unloading and port dwell
    "disruption",     # a closed node, link, chokepoint or route
    "blocking",       # a vessel held at berth because the yard is full
)


@dataclass
class RunRecords:
    """Per-consignment arrays filled by the engine.

    Attributes
    ----------
    route, od, segment : int arrays (n,)
        Index into :attr:`route_ids`, :attr:`od_ids`, :attr:`segment_ids`.
    teu : float array (n,)
        Size of the consignment in TEU.
    created_h, delivered_h, due_h : float arrays (n,)
        Booking time, delivery time (NaN while in transit), promised door-to-door hours.
    t_in, t_out, moving : float arrays (n, stages)
        Time a consignment entered and left each stage and the hours it spent moving there.
    wait : float array (n, stages, len(CAUSES))
        Hours waited in each stage by cause.
    cur : int array (n,)
        Current stage of each consignment.
    """

    route_ids: list[str]
    od_ids: list[str]
    segment_ids: list[str]
    route: np.ndarray
    od: np.ndarray
    segment: np.ndarray
    teu: np.ndarray
    reefer: np.ndarray
    created_h: np.ndarray
    due_h: np.ndarray
    n_stages: np.ndarray  # per route index
    delivered_h: np.ndarray = field(init=False)
    t_in: np.ndarray = field(init=False)
    t_out: np.ndarray = field(init=False)
    moving: np.ndarray = field(init=False)
    wait: np.ndarray = field(init=False)
    cur: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.teu)
        s = int(self.n_stages.max()) if len(self.n_stages) else 1
        self.delivered_h = np.full(n, np.nan)
        self.t_in = np.full((n, s), np.nan)
        self.t_out = np.full((n, s), np.nan)
        self.moving = np.zeros((n, s))
        self.wait = np.zeros((n, s, len(CAUSES)))
        self.cur = np.zeros(n, dtype=np.int64)

    @property
    def n(self) -> int:
        return len(self.teu)
