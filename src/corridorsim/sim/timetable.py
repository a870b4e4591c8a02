"""China Railway's fixed-timetable trains (T-V10) beside ordinary block trains.

What the model does (decided here, see also ``SERVICE_DEFAULTS["fixed_timetable_train"]``):

- **Who rides them.** ``services.fixed_timetable_train.route_shares`` gives, per route family,
  the share of its consignments on fixed-timetable trains (e.g. ``{northern: 0.2}``), on
  the family's routes that start in China (China Railway's product, T-V10; a route from
  Almaty keeps its block trains). Every
  consignment draws one uniform number from the stream ``fixed_timetable`` before the run; it
  rides fixed-timetable trains when the number is below its family's share (for route-choice
  cargo: the family it is booked on). The stream is new, so no other draw moves.
- **Where.** On the route's first run of rail legs (``block_train``: from its first rail
  leg up to the first leg that is not rail — a ferry, a ship) a second service, of kind
  ``fixed_timetable_train``, runs beside the block train: same track, its own trains and
  queue (service key ``fixed_timetable_train:FROM-TO``). It is one China Railway train
  through every country until its cargo leaves the rails; after a ferry or a ship the
  cargo rides the block trains of the far side, which are not China Railway's slots.
- **When.** On the first rail leg the train leaves at its timetable slots (every
  ``headway_h`` from ``first_departure_h``; by default the gateway's trains per week from
  :data:`~corridorsim.scenario.defaults.TIMETABLE_TRAINS_PER_WEEK`) with whatever is ready,
  whatever its load: no consolidation wait. A slot with nothing ready is not run; what does
  not fit waits for the next slot. On the later rail legs the train keeps its slot ("fixed
  slots across all countries"): it leaves as soon as its cargo is handed over — no
  consolidation and no slot wait after a gauge change or a border.
- **Borders.** At gauge changes and borders (``gauge_change``, ``border``,
  ``border_internal``) a fixed-timetable train goes ahead of the block trains queued for a
  track (a priority request; it does not interrupt a train being served). Its customs dwell
  and transshipment time are a block train's: T-V10 gives slots, not faster clearance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from corridorsim.routing import Leg, Stop
from corridorsim.routing.instances import RouteInstance
from corridorsim.scenario.defaults import TIMETABLE_TRAINS_PER_WEEK
from corridorsim.scenario.model import Scenario
from corridorsim.scenario.specs import ServiceSpec, service_spec
from corridorsim.sim.streams import Streams
from corridorsim.units import WEEK_H

__all__ = ["BLOCK_KIND", "PRIORITY_KINDS", "TIMETABLE_KIND", "Timetable", "add_timetable_trains",
           "route_shares", "timetable_spec"]

TIMETABLE_KIND = "fixed_timetable_train"
#: the service a fixed-timetable train runs beside
BLOCK_KIND = "block_train"
#: border facilities where a fixed-timetable train has priority
PRIORITY_KINDS = frozenset({"gauge_change", "border", "border_internal"})
#: priorities of a facility request (lower goes first)
PRIORITY_SLOT, PRIORITY_OTHER = 0, 1
#: the country a route must start in to have fixed-timetable trains (China Railway's, T-V10)
TIMETABLE_COUNTRY = "CHN"


def route_shares(scn: Scenario, routes: Mapping[str, RouteInstance]) -> dict[str, float]:
    """The positive shares of ``route_shares`` for the families among ``routes``."""
    p = scn.services.get(TIMETABLE_KIND)
    given = (p.route_shares if p is not None else None) or {}
    have = {r.family for r in routes.values()}
    return {f: float(s) for f, s in given.items() if s > 0 and f in have}


def route_share(inst: RouteInstance, shares: Mapping[str, float]) -> float:
    """The share of route ``inst``'s consignments on fixed-timetable trains (0 for a route
    that does not start in China)."""
    start = inst.route.stages[0]
    if not isinstance(start, Stop) or start.country != TIMETABLE_COUNTRY:
        return 0.0
    return float(shares.get(inst.family, 0.0))


def _gateway_headway_h(inst: RouteInstance) -> float | None:
    """168 h over the trains per week of the first exit gateway the route passes (T-V10)."""
    for node in inst.route.nodes:
        per_week = TIMETABLE_TRAINS_PER_WEEK.get(node)
        if per_week:
            return WEEK_H / per_week
    return None


def timetable_spec(leg: Leg, inst: RouteInstance, scn: Scenario, *, first: bool) -> ServiceSpec:
    """The spec of the fixed-timetable train on ``leg`` of route ``inst``: on the route's
    first rail leg (``first``) its timetable — the scenario's ``headway_h`` if it gives one,
    else its gateway's (T-V10), else the kind's default —; on a later rail leg it leaves on
    arrival (its slot is carried through)."""
    spec = service_spec(TIMETABLE_KIND, f"{leg.from_node}-{leg.to_node}", scn)
    if not first:
        return replace(spec, headway_h=None, max_hold_h=0.0, min_load_share=0.0)
    given = scn.services.get(TIMETABLE_KIND)
    if given is not None and given.headway_h is not None:
        return spec
    gateway = _gateway_headway_h(inst)
    return replace(spec, headway_h=gateway) if gateway is not None else spec


#: make_service(leg, arrival stop kind, direction, spec) -> the new service's key
MakeService = Callable[[Leg, str, str, ServiceSpec], str]


class Timetable:
    """Which consignments ride fixed-timetable trains, and each block train's twin."""

    def __init__(self, n_consignments: int, streams: Streams,
                 routes: Sequence[RouteInstance], shares: Mapping[str, float]) -> None:
        #: one uniform number per consignment (record order), from its own stream
        self.u = streams.get("fixed_timetable").random(n_consignments)
        #: per route index: the share of its consignments on fixed-timetable trains
        self.share = np.array([route_share(r, shares) for r in routes], dtype=float)
        #: per service index: the index of its fixed-timetable twin, -1 for none
        self.twin = np.empty(0, dtype=np.int64)
        self._pairs: dict[str, str] = {}

    def pair(self, block: str, twin: str) -> None:
        """Service ``twin`` (a key) is the fixed-timetable train beside block train ``block``."""
        self._pairs[block] = twin

    def index(self, service_keys: Sequence[str]) -> None:
        """Resolve the pairs to service indices (the engine's service order)."""
        where = {k: i for i, k in enumerate(service_keys)}
        self.twin = np.full(len(service_keys), -1, dtype=np.int64)
        for block, twin in self._pairs.items():
            self.twin[where[block]] = where[twin]

    def riders(self, idx: np.ndarray, route: np.ndarray) -> np.ndarray:
        """Whether consignments ``idx`` (on route indices ``route``) ride fixed-timetable
        trains."""
        out: np.ndarray = self.u[idx] < self.share[route]
        return out

    def redirect(self, idx: np.ndarray, route: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        """The service indices ``nxt`` of consignments ``idx``, with their block train replaced
        by its fixed-timetable twin for those who ride them."""
        twin = self.twin[nxt]
        use = (twin >= 0) & self.riders(idx, route)
        if not use.any():
            return nxt
        out: np.ndarray = np.where(use, twin, nxt)
        return out


def slotted_legs(inst: RouteInstance) -> list[Leg]:
    """The legs a fixed-timetable train runs on: the route's first run of rail legs."""
    out: list[Leg] = []
    for leg in inst.route.legs:
        if leg.service == BLOCK_KIND:
            out.append(leg)
        elif out:
            break
    return out


def add_timetable_trains(routes: Sequence[RouteInstance], scn: Scenario,
                         shares: Mapping[str, float], block_key: Callable[[int, int], str],
                         make_service: MakeService, timetable: Timetable) -> None:
    """A fixed-timetable twin beside every block-train leg of the routes of the families in
    ``shares``; ``block_key(route index, stage)`` is the block train's service key."""
    for ri, inst in enumerate(routes):
        if route_share(inst, shares) <= 0:
            continue
        for k, leg in enumerate(slotted_legs(inst)):
            arrival = inst.route.stages[leg.index + 1]
            spec = timetable_spec(leg, inst, scn, first=k == 0)
            twin = make_service(replace(leg, service=TIMETABLE_KIND),
                                str(getattr(arrival, "kind", "")), inst.route.direction, spec)
            timetable.pair(block_key(ri, leg.index), twin)
