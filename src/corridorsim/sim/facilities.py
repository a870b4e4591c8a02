"""What vehicles and containers wait for: facilities (a node's servers and yard) and
services (the vehicles of a leg)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from corridorsim.scenario.specs import FacilitySpec, ServiceSpec
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.notify import Signal
from corridorsim.sim.queue import BatchQueue
from corridorsim.sim.streams import sample

__all__ = ["Facility", "Service"]


@dataclass
class Facility:
    """A node where vehicles queue for servers (tracks, cranes, berths)."""

    node: str
    kind: str
    params: FacilitySpec
    calendar: Calendar
    rng: np.random.Generator
    resource: simpy.Resource
    #: notified whenever containers leave the yard: every vessel blocked at a berth checks
    #: whether its load fits now
    yard_room: Signal
    is_border: bool = False
    # statistics (per vehicle passage)
    busy_h: float = 0.0
    passages: int = 0
    teu: float = 0.0
    wait_sum_h: float = 0.0
    wait_max_h: float = 0.0
    queue_trace: list[tuple[float, int]] = field(default_factory=list)
    #: every vehicle passage: (arrived, served from, server released, left, TEU on board)
    passages_log: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    yard_level: float = 0.0
    direction: str = "westbound"

    def service_time(self, load_teu: float) -> float:
        p = self.params
        t = float(sample(p.service, self.rng))
        if p.handling_teu_per_h is not None:
            t += load_teu / p.handling_teu_per_h
        return t

    def yard_full_for(self, load_teu: float) -> bool:
        """A vessel cannot unload ``load_teu`` now: the yard is full (an empty yard always
        takes a load, however large)."""
        cap = self.params.yard_teu
        return cap is not None and self.yard_level + load_teu > cap and self.yard_level > 0

    def yard_add(self, teu: float) -> None:
        if self.params.yard_teu is not None:
            self.yard_level += teu

    def yard_remove(self, teu: float) -> None:
        """Containers leave the yard on a vehicle: wake every vessel blocked at a berth."""
        if self.params.yard_teu is not None:
            self.yard_level = max(0.0, self.yard_level - teu)
            self.yard_room.notify()


@dataclass
class Service:
    """A vehicle service on one leg, shared by every route that uses the same leg."""

    key: str
    kind: str
    params: ServiceSpec
    km: float
    waypoints: list[tuple[float, Facility]]
    from_node: str
    to_node: str
    calendar: Calendar
    rng: np.random.Generator
    queue: BatchQueue
    #: the facility at ``to_node`` for this direction, where each vehicle is handed over
    to_facility: Facility
    #: idle vehicles of a fleet-limited service (None: a vehicle whenever one is needed)
    fleet: simpy.Container | None = None
    #: idle vehicles of a fleet of several sizes (``classes``), first idle first out
    vehicles: simpy.Store | None = None
    #: the facility at ``from_node`` for this direction: its yard holds the cargo waiting
    #: for this service (None where no route stops there: the consignments' origin)
    from_facility: Facility | None = None
    trips: int = 0
    index: int = -1
    direction: str = "westbound"
