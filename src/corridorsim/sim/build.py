"""Assemble the engine for one scenario, in steps that read top to bottom.

:func:`build_engine`: the TEU each service carries → bookings → records → facilities and
services (with their calendars) → route choice → fixed-route bookings on their first leg.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from corridorsim.closures import Closures
from corridorsim.errors import InternalError
from corridorsim.network import Network
from corridorsim.routing import Leg, Stop
from corridorsim.routing.instances import RouteInstance
from corridorsim.routing.schedule import due_days
from corridorsim.scenario.model import Scenario
from corridorsim.scenario.specs import ServiceSpec, facility_spec, service_spec
from corridorsim.sim.calendar import (
    Calendar,
    leg_calendar,
    node_calendar,
    place_calendars,
    storm_calendars,
)
from corridorsim.sim.choice import ChoiceModel
from corridorsim.sim.choice_setup import build_choice
from corridorsim.sim.demand import (
    Bookings,
    book_demand,
    choice_families,
    leg_volume,
    open_at,
    service_volumes,
)
from corridorsim.sim.engine import Engine
from corridorsim.sim.facilities import Facility, Service
from corridorsim.sim.keys import facility_key, service_key
from corridorsim.sim.notify import Signal
from corridorsim.sim.queue import BatchQueue
from corridorsim.sim.records import RunRecords
from corridorsim.sim.sea_reliability import late_arrivals
from corridorsim.sim.streams import Streams
from corridorsim.sim.timetable import (
    PRIORITY_KINDS,
    Timetable,
    add_timetable_trains,
    route_shares,
)

if TYPE_CHECKING:
    from corridorsim.accounting.route_rates import ChoiceRates

__all__ = ["Built", "build_engine"]

BORDER_KINDS = frozenset({"gauge_change", "border", "border_internal"})


@dataclass(frozen=True)
class Built:
    """An engine ready to run, its records, the TEU refused at booking by family, and the
    route-choice model (None without route-choice demand)."""

    engine: Engine
    records: RunRecords
    refused: dict[str, float]
    choice: ChoiceModel | None
    #: storm windows by sea area (a calendar each)
    storms: dict[str, Calendar]
    #: per consignment (record order): the planner's own cargo (``shipment: true`` rows)
    shipment: np.ndarray
    #: weather at single places by node id (``weather.places``; a calendar each)
    places: dict[str, Calendar] = field(default_factory=dict)


def build_engine(scn: Scenario, net: Network, routes: Mapping[str, RouteInstance],
                 streams: Streams, closures: Closures, rates: ChoiceRates | None = None
                 ) -> Built:
    """Records and engine for ``scn`` on ``routes`` (see the module docstring); ``rates``
    (freight and emissions of each route, :mod:`corridorsim.accounting.route_rates`) are
    needed when the scenario has route-choice demand."""
    volumes = service_volumes(scn, routes)
    bookings = book_demand(scn, routes, closures, streams, volumes)
    rec = make_records(routes, bookings)
    eng = Engine(rec, scn.horizon_d * 24.0)
    assembly = Assembly(eng, scn, net, streams, closures)
    assembly.add_routes(routes)
    choice = None
    if (bookings.choice_row >= 0).any():
        if rates is None:
            raise InternalError("route-choice demand needs the routes' rates (a bug)")
        choice = _route_choice(eng, scn, routes, bookings, closures, volumes, rates)
        eng.extra_processes.append(lambda: choice.process(eng, streams))
    fixed = bookings.choice_row < 0
    for ri in range(len(routes)):
        sel = np.flatnonzero((rec.route == ri) & fixed)
        if len(sel):
            eng.book_first_leg(ri, sel)
    return Built(eng, rec, bookings.refused, choice, assembly.storms, bookings.shipment,
                 assembly.places)


def make_records(routes: Mapping[str, RouteInstance], b: Bookings) -> RunRecords:
    """The run's records: one slot per stage of the longest route of each consignment's
    origin–destination pair (so route choice may move it to another family of its pair)."""
    keys = list(routes)
    od_ids = sorted({f"{r.origin}-{r.destination}" for r in routes.values()})
    od = np.array([od_ids.index(f"{routes[k].origin}-{routes[k].destination}") for k in keys],
                  dtype=np.int64)
    n_stages = np.array([len(routes[k].route.stages) for k in keys], dtype=np.int64)
    rec = RunRecords(
        route_ids=keys, od_ids=od_ids, segment_ids=b.segments, route=b.route,
        od=od.astype(np.int32)[b.route] if len(b.route) else np.empty(0, np.int32),
        segment=b.segment, teu=b.teu, reefer=b.reefer, created_h=b.created_h, due_h=b.due_h,
        n_stages=n_stages,
        slots_per_route=np.array([n_stages[od == od[k]].max() for k in range(len(keys))],
                                 dtype=np.int64),
    )
    # origin stop: zero time; consignments ready for the first leg when booked
    rec.t_in[rec.first_row] = rec.created_h
    rec.t_out[rec.first_row] = rec.created_h
    rec.t_in[rec.first_row + 1] = rec.created_h
    return rec


class Assembly:
    """Facilities and services of the routes, each created once per direction and shared
    by every route that passes it."""

    def __init__(self, eng: Engine, scn: Scenario, net: Network, streams: Streams,
                 closures: Closures) -> None:
        self.eng, self.scn, self.net, self.streams, self.closures = eng, scn, net, streams, closures
        self.storms = storm_calendars(scn, streams)
        self.places = place_calendars(scn, streams)
        self.services: dict[str, Service] = {}
        #: borders give fixed-timetable trains priority (a priority queue) when there are any
        self.priority = False

    def add_routes(self, routes: Mapping[str, RouteInstance]) -> None:
        eng = self.eng
        shares = route_shares(self.scn, routes)
        self.priority = bool(shares)
        for ri, inst in enumerate(routes.values()):
            way = inst.route.direction
            for stage in inst.route.stages:
                if isinstance(stage, Stop):
                    if stage.role != "origin":
                        eng.stop_facility[(ri, stage.index)] = self.facility(
                            stage.node, stage.kind, way)
                    continue
                arrival = inst.route.stages[stage.index + 1]
                assert isinstance(arrival, Stop)  # a leg always ends at a stop
                eng.leg_service[(ri, stage.index)] = self.service(stage, arrival.kind, way)
        if shares:
            self.add_timetable_trains(routes, shares)
        # the facility at a service's departure node owns the yard its cargo waits in
        for svc in eng.services:
            svc.from_facility = eng.facilities.get(facility_key(svc.from_node, svc.direction))
        per_route = eng.rec.slots_per_route
        n_slots = int(per_route.max()) if per_route is not None and len(per_route) else 1
        eng.index_stages(len(routes), n_slots)

    def add_timetable_trains(self, routes: Mapping[str, RouteInstance],
                             shares: Mapping[str, float]) -> None:
        """Fixed-timetable trains beside the block trains of the families in ``shares``
        (:mod:`corridorsim.sim.timetable`)."""
        eng = self.eng
        eng.timetable = Timetable(eng.rec.n, self.streams, list(routes.values()), shares)
        add_timetable_trains(
            list(routes.values()), self.scn, shares,
            lambda ri, st: eng.leg_service[(ri, st)].key,
            lambda leg, kind, way, spec: self.service(leg, kind, way, spec).key,
            eng.timetable)

    def facility(self, node: str, kind: str, direction: str) -> Facility:
        fkey = facility_key(node, direction)
        if kind not in (str(self.net.nodes.at[node, "kind"]), "border_internal"):
            # a stop of another kind than its node: the rail terminal of a port city
            fkey += f" [{kind}]"
        fac = self.eng.facilities.get(fkey)
        if fac is None:
            spec = facility_spec(node, kind, self.scn)
            env = self.eng.env
            fac = Facility(
                node=node, kind=kind, params=spec,
                calendar=node_calendar(node, self.closures, self.places),
                rng=self.streams.get(f"facility:{fkey}"),
                resource=(simpy.PriorityResource if self.priority and kind in PRIORITY_KINDS
                          else simpy.Resource)(env, capacity=spec.servers),
                yard_room=Signal(env),
                is_border=kind in BORDER_KINDS, direction=direction,
            )
            self.eng.facilities[fkey] = fac
        return fac

    def service(self, leg: Leg, arrival_kind: str, direction: str,
                spec: ServiceSpec | None = None) -> Service:
        """The service of ``leg`` (created once per key; ``spec``: its parameters, if not the
        leg's resolved defaults and overrides)."""
        skey = service_key(leg, direction)
        svc = self.services.get(skey)
        if svc is not None:
            return svc
        eng = self.eng
        if spec is None:
            spec = service_spec(leg.service, f"{leg.from_node}-{leg.to_node}", self.scn)
        svc = Service(
            key=skey, kind=leg.service, params=spec, km=leg.km,
            waypoints=[(w.km_from_start, self.facility(w.node, w.kind, direction))
                       for w in leg.waypoints],
            from_node=leg.from_node, to_node=leg.to_node,
            calendar=leg_calendar(leg, self.storms, self.closures, self.places),
            rng=self.streams.get(f"service:{skey}"), queue=BatchQueue(eng.env, eng.rec),
            to_facility=self.facility(leg.to_node, arrival_kind, direction),
            fleet=(simpy.Container(eng.env, capacity=spec.fleet, init=spec.fleet)
                   if spec.fleet is not None and spec.classes is None else None),
            vehicles=_vehicles(eng.env, spec),
            direction=direction,
        )
        self.services[skey] = svc
        eng.services.append(svc)
        late = late_arrivals(spec, self.streams, skey)
        if late is not None:
            eng.late[skey] = late
        return svc


def _vehicles(env: simpy.Environment, spec: ServiceSpec) -> simpy.Store | None:
    """A fleet of several vehicle sizes: every vehicle idle at the start, largest first."""
    if spec.classes is None:
        return None
    store = simpy.Store(env)
    for cls in sorted(spec.classes, key=lambda c: -c.capacity_teu):
        store.items.extend([cls] * cls.count)
    return store


def _route_choice(eng: Engine, scn: Scenario, routes: Mapping[str, RouteInstance],
                  b: Bookings, closures: Closures, volumes: Mapping[str, float],
                  rates: ChoiceRates) -> ChoiceModel:
    """The weekly route-choice model over the route-choice bookings."""
    rec, keys = eng.rec, list(routes)
    fams = choice_families(scn, routes)
    book = np.flatnonzero(b.choice_row >= 0)
    inst = np.stack([b.candidates[int(i)] for i in b.choice_row[book]]) if len(book) else \
        np.empty((0, len(fams)), dtype=np.int64)
    avail = np.zeros(inst.shape, dtype=bool)
    for ri, k in enumerate(keys):
        hit = inst == ri
        if hit.any():
            b_i, f_i = np.nonzero(hit)
            avail[b_i, f_i] = open_at(closures.booking_closed(routes[k]),
                                      rec.created_h[book[b_i]])
    due_route_h = np.array([due_days(r.route, scn, volume=leg_volume(volumes, r.route.direction))
                            * 24.0 for r in routes.values()])
    return build_choice(scn, routes, rec, fams, book, inst, avail, b.due_h[book],
                        np.flatnonzero(b.choice_row < 0), due_route_h, rates)

