"""The SimPy engine: services (vehicles) and facilities move whole batches of consignments.

Consignments are rows in arrays (:class:`~corridorsim.sim.records.RunRecords`). A vehicle
departure, arrival or facility passage writes the times of every consignment on board in
one vectorised step, so the number of SimPy events grows with vehicles and facilities, not
with containers. This is the only package that imports simpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from corridorsim.errors import InternalError
from corridorsim.scenario.specs import VehicleSpec
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.facilities import Facility, Service
from corridorsim.sim.records import CAUSES, RunRecords
from corridorsim.sim.sea_reliability import LateArrivals
from corridorsim.sim.streams import sample
from corridorsim.sim.timetable import PRIORITY_OTHER, PRIORITY_SLOT, TIMETABLE_KIND, Timetable
from corridorsim.sim.waits import passage_hours, record_phases

INF = math.inf


class Engine:
    """Runs one replication: builds processes from services and facilities, then simulates."""

    def __init__(self, rec: RunRecords, horizon_h: float) -> None:
        self.env = simpy.Environment()
        self.rec = rec
        self.horizon_h = horizon_h
        self.services: list[Service] = []
        self.facilities: dict[str, Facility] = {}
        # next stage routing: (route_idx, stage) -> Service for legs, Facility for stops
        self.leg_service: dict[tuple[int, int], Service] = {}
        self.stop_facility: dict[tuple[int, int], Facility] = {}
        self.trip_log: list[tuple[str, int, float, float, float, float]] = []
        # departure time of every departure, in order; rec.trip points here
        self.departures: list[float] = []
        # the service index of every departure, in the same order
        self.departure_service: list[int] = []
        # filled by :meth:`index_stages`: (route index, stage) -> service index (-1 where
        # the stage is not a leg, or beyond the route)
        self.next_service = np.empty((0, 0), dtype=np.int64)
        self.on_progress: Callable[[float], None] | None = None
        # extra SimPy process factories started with the run (e.g. weekly route choice)
        self.extra_processes: list[Callable[[], Generator[Any, Any, None]]] = []
        # fixed-timetable trains beside block trains (None: the scenario has none)
        self.timetable: Timetable | None = None
        # schedule reliability: the late-arrival process of a service, by service key
        self.late: dict[str, LateArrivals] = {}
        # a fixed-timetable train runs once per slot: its next slot is after this time
        self.slot_taken: dict[str, float] = {}

    def index_stages(self, n_routes: int, n_slots: int) -> None:
        """Integer look-up table of the service of every (route, stage).

        A leg always ends at a stop at its arrival node, whose facility is the node's: a
        vehicle is handed to ``facilities[service.to_node]`` without a look-up.
        """
        for i, svc in enumerate(self.services):
            svc.index = i
        self.next_service = np.full((n_routes, n_slots + 1), -1, dtype=np.int64)
        for (ri, st), svc in self.leg_service.items():
            self.next_service[ri, st] = svc.index
            fac = self.stop_facility.get((ri, st + 1))
            if fac is None or fac is not svc.to_facility:
                raise InternalError(f"route {ri} stage {st}: leg {svc.key} is not followed by "
                                    f"a stop at {svc.to_node}")
        if self.timetable is not None:
            self.timetable.index([svc.key for svc in self.services])

    def book_first_leg(self, ri: int, idx: np.ndarray) -> None:
        """Book consignments ``idx`` of route ``ri`` on its first leg (on its fixed-timetable
        train, for those who ride one)."""
        svc = self.leg_service[(ri, 1)]
        groups = [(svc.index, idx)]
        if self.timetable is not None and len(idx):
            nxt = self.timetable.redirect(idx, np.full(len(idx), ri),
                                          np.full(len(idx), svc.index))
            groups = [(int(k), idx[nxt == k]) for k in np.unique(nxt)]
        for k, sel in groups:
            self.services[k].queue.preload(sel, self.rec.created_h[sel])

    # ------------------------------------------------------------------ helpers
    def _closure_wait(self, cal: Calendar) -> Generator[Any, Any, list[tuple[float, float, str]]]:
        phases: list[tuple[float, float, str]] = []
        while True:
            hit = cal.blocked(self.env.now)
            if hit is None:
                return phases
            reopen, cause = hit
            t0 = self.env.now
            if reopen >= self.horizon_h:
                yield self.env.timeout(self.horizon_h - t0 + 1.0)
            else:
                yield self.env.timeout(reopen - t0)
            phases.append((t0, self.env.now, cause))

    def _add_waits(self, rows: np.ndarray, hours: np.ndarray, *, first: bool) -> None:
        """Add the same hours per cause (``hours[cause]``) to every row of a vehicle load
        (assign when this is the ``first`` write to the rows)."""
        wait = self.rec.wait
        for c in np.flatnonzero(hours).tolist():
            w = wait[c]
            if first:
                w[rows] = hours[c]
            else:
                w[rows] += hours[c]

    # ------------------------------------------------------------------ facility passage
    def _pass(self, fac: Facility, load: float, *, may_block: bool,
              priority: int = PRIORITY_OTHER) -> Generator[Any, Any, tuple[np.ndarray, float]]:
        """A vehicle (``load`` TEU) passes facility ``fac``. Returns the hours every
        consignment on board spent there by cause, and the hours moving (a chokepoint
        transit). With ``may_block`` the vehicle keeps its berth while the facility's yard
        is full (unloading stops). A facility with a priority queue serves the lowest
        ``priority`` first (a fixed-timetable train's slot at a border)."""
        env = self.env
        t_arrive = env.now
        phases = yield from self._closure_wait(fac.calendar)
        p = fac.params
        if p.open_hours is not None:
            start, end = p.open_hours
            hod = env.now % 24.0
            if not (start <= hod < end):
                delay = (start - hod) % 24.0
                t0 = env.now
                yield env.timeout(delay)
                phases.append((t0, env.now, "schedule"))
        fac.queue_trace.append((env.now, len(fac.resource.queue) + 1))
        req = (fac.resource.request(priority=priority)
               if isinstance(fac.resource, simpy.PriorityResource) else fac.resource.request())
        t_q = env.now
        yield req
        waited = env.now - t_q
        fac.queue_trace.append((env.now, len(fac.resource.queue)))
        cap_f, _ = fac.calendar.factors(env.now)
        base = fac.service_time(load)
        service = base / max(cap_f, 1e-6)
        slowed_by = fac.calendar.slowed_by(env.now) if cap_f < 1.0 else None
        t_s = env.now
        yield env.timeout(service)
        # blocking: containers cannot leave the berth while the yard is full
        if may_block:
            while fac.yard_full_for(load):
                t_b = env.now
                yield fac.yard_room.wait()
                phases.append((t_b, env.now, "blocking"))
        fac.resource.release(req)
        fac.busy_h += env.now - t_s
        t_free = env.now
        dwell = float(sample(p.dwell, fac.rng))
        yield env.timeout(dwell)
        fac.passages_log.append((t_arrive, t_s, t_free, env.now, load))
        fac.passages += 1
        fac.teu += load
        fac.wait_sum_h += waited
        fac.wait_max_h = max(fac.wait_max_h, waited)
        return passage_hours(fac, phases, waited, base, service, dwell, slowed_by)

    # ------------------------------------------------------------------ stops
    def _stop(self, idx: np.ndarray, rows: np.ndarray, fac: Facility,
              priority: int = PRIORITY_OTHER) -> Generator[Any, Any, None]:
        """Consignments ``idx`` (record ``rows``, entered at ``now``) pass stop ``fac``."""
        env, rec = self.env, self.rec
        load = float(rec.teu[idx].sum())
        hours, moving = yield from self._pass(fac, load, may_block=True, priority=priority)
        self._add_waits(rows, hours, first=True)
        if moving:
            rec.moving[rows] = moving
        now = env.now
        rec.t_out[rows] = now
        stage = rows - rec.first_row[idx]
        nxt_svc = self.next_service[rec.route[idx], stage + 1]
        last = nxt_svc < 0
        if last.any():
            done = idx[last]
            rec.delivered_h[done] = now
            rec.last_stage[done] = stage[last]  # the stage it was delivered in
            live, rows_live, nxt_svc = idx[~last], rows[~last], nxt_svc[~last]
        else:
            live, rows_live = idx, rows
        if not len(live):
            return
        rows_live = rows_live + 1
        rec.t_in[rows_live] = now
        if self.timetable is not None:
            nxt_svc = self.timetable.redirect(live, rec.route[live], nxt_svc)
        first, lo = int(nxt_svc[0]), int(nxt_svc.min())
        groups = [(first, live, rows_live)] if lo == int(nxt_svc.max()) else \
            [(int(k), live[m], rows_live[m]) for k in np.unique(nxt_svc)
             for m in [nxt_svc == k]]
        for k, sel, sel_rows in groups:
            svc = self.services[k]
            if svc.from_facility is fac:
                fac.yard_add(float(rec.teu[sel].sum()))
            svc.queue.push(sel, sel_rows, now)

    # ------------------------------------------------------------------ services
    def _service(self, svc: Service) -> Generator[Any, Any, None]:
        """A service's loop: a vehicle, cargo, the departure rule, closures, depart."""
        env, q = self.env, svc.queue
        have_vehicle = False  # taken from the fleet while waiting for one
        vehicle: VehicleSpec | None = None  # of a fleet of several sizes: the one at hand
        while env.now < self.horizon_h:
            phases: list[tuple[float, float, str]] = []
            # 1. a vehicle
            if svc.fleet is not None and not have_vehicle and svc.fleet.level < 1:
                t0 = env.now
                yield svc.fleet.get(1)
                have_vehicle = True
                phases.append((t0, env.now, "queue"))
            elif svc.vehicles is not None and vehicle is None:
                got = svc.vehicles.get()  # the one idle longest, if any is
                if not got.triggered:
                    t0 = env.now
                    yield got
                    phases.append((t0, env.now, "queue"))
                vehicle = got.value
            # 2. cargo
            first = q.first_ready()
            if first is None:
                yield q.arrived.wait()
                continue
            if first > env.now:
                yield env.timeout(first - env.now)
            # 3. departure rule
            cap_f, _ = svc.calendar.factors(env.now)
            # a vehicle always takes at least one FEU, however far capacity is scaled down
            size = vehicle.capacity_teu if vehicle is not None else svc.params.capacity_teu
            capacity = max(2.0, size * (cap_f if cap_f > 0 else 1.0))
            phases += yield from self._until_departure(svc, capacity)
            # 4. closures (weather, disruptions): their hours are filed at departure from
            # the calendar (closed_between), wherever each consignment stood in the queue
            yield from self._closure_wait(svc.calendar)
            if env.now >= self.horizon_h:
                break
            # 5. load and depart
            if svc.fleet is not None and not have_vehicle:
                svc.fleet.get(1)  # one is idle (step 1): taken at once
            have_vehicle = False
            self._depart(svc, capacity, phases, vehicle)
            vehicle = None

    def _until_departure(self, svc: Service,
                         capacity: float) -> Generator[Any, Any, list[tuple[float, float, str]]]:
        """Wait for the departure rule: the next timetable slot (``headway_h``), or until the
        vehicle is full or ``max_hold_h`` after the first container was ready; in both, not
        with less than ``min_load_share`` of its capacity on board."""
        env, q, p = self.env, svc.queue, svc.params
        phases: list[tuple[float, float, str]] = []
        t_first = env.now
        min_teu = p.min_load_share * capacity - 1e-9
        if p.headway_h is not None:
            while True:
                after = max(env.now, self.slot_taken.get(svc.key, -INF))
                k = math.ceil((after - p.first_departure_h) / p.headway_h - 1e-12)
                slot = p.first_departure_h + max(k, 0) * p.headway_h
                if slot > env.now:
                    t0 = env.now
                    yield env.timeout(slot - env.now)
                    phases.append((t0, env.now, "schedule"))
                if min_teu <= 0 or q.ready_teu(env.now) >= min_teu:
                    return phases
                t0 = env.now  # too little on board: this departure is cancelled
                yield env.timeout(p.headway_h)
                phases.append((t0, env.now, "schedule"))
        deadline = t_first + p.max_hold_h
        while True:
            t_full = q.time_full(capacity)
            if t_full <= env.now:
                break
            if env.now >= deadline:
                if min_teu <= 0 or q.ready_teu(env.now) >= min_teu:
                    break
                wake = q.time_full(min_teu)
            else:
                wake = min(deadline, t_full)
            yield (q.arrived.wait() if wake == INF else
                   env.any_of([env.timeout(wake - env.now), q.arrived.wait()]))
        if env.now > t_first:
            phases.append((t_first, env.now, "consolidation"))
        return phases

    def _depart(self, svc: Service, capacity: float, phases: list[tuple[float, float, str]],
                vehicle: VehicleSpec | None) -> None:
        """Load what is ready, up to capacity, and send the vehicle on its trip."""
        env, rec = self.env, self.rec
        idx, rows = svc.queue.take(env.now, capacity)
        if len(idx) == 0:
            raise InternalError(
                f"service {svc.key}: a departure at {env.now:.2f} h loaded nothing although "
                "cargo was ready; please report this with the scenario"
            )
        t_dep = env.now
        ready = rec.t_in[rows]
        closed = (svc.calendar.closed_between(float(ready.min()), t_dep)
                  if svc.calendar.windows and len(ready) else [])
        record_phases(self.rec.wait, rows, ready, phases, t_dep, closed)
        load = float(rec.teu[idx].sum())
        if svc.from_facility is not None:
            svc.from_facility.yard_remove(load)
        svc.trips += 1
        rec.trip[rows] = len(self.departures)
        self.departures.append(t_dep)
        self.departure_service.append(svc.index)
        if svc.kind == TIMETABLE_KIND:  # what did not fit waits for the next slot
            self.slot_taken[svc.key] = t_dep + 1e-6
        env.process(self._trip(svc, idx, rows, t_dep, load, capacity, svc.trips, vehicle))

    def _trip(self, svc: Service, idx: np.ndarray, rows: np.ndarray,
              t_dep: float, load: float, capacity: float, trip_no: int,
              vehicle: VehicleSpec | None) -> Generator[Any, Any, None]:
        env, rec = self.env, self.rec
        _, spd_f = svc.calendar.factors(env.now)
        speed = (vehicle.speed_kmh if vehicle is not None else svc.params.speed_kmh) * spd_f
        done_km = 0.0
        moving = 0.0
        hours = np.zeros(len(CAUSES))
        prio = PRIORITY_SLOT if svc.kind == TIMETABLE_KIND else PRIORITY_OTHER
        for km, fac in svc.waypoints:
            dt = (km - done_km) / speed
            yield env.timeout(dt)
            moving += dt
            done_km = km
            h, m = yield from self._pass(fac, load, may_block=False, priority=prio)
            hours += h
            moving += m
        delay = float(sample(svc.params.delay, svc.rng))
        late = self.late.get(svc.key)
        if late is not None:  # schedule reliability: this arrival may be late
            delay += late.draw()
        dt = (svc.km - done_km) / speed + delay
        yield env.timeout(dt)
        moving += dt
        now = t_arr = env.now
        # en-route waits are the same for everyone on board: one scatter per cause
        self._add_waits(rows, hours, first=False)
        rec.moving[rows] = moving  # the first write to the leg's moving hours
        rec.t_out[rows] = now
        self.trip_log.append((svc.key, trip_no, t_dep, t_arr, load, capacity))
        # hand over to the next stop
        nxt_rows = rows + 1
        rec.t_in[nxt_rows] = now
        # one vehicle, one passage: every consignment on board arrives at the same node, so
        # the train or ship is processed once whichever route families it carries
        env.process(self._stop(idx, nxt_rows, svc.to_facility, prio))
        if svc.fleet is not None:
            env.process(self._return(svc, t_arr - t_dep, None))
        elif vehicle is not None:
            env.process(self._return(svc, t_arr - t_dep, vehicle))

    def _return(self, svc: Service, outbound_h: float,
                vehicle: VehicleSpec | None) -> Generator[Any, Any, None]:
        """The vehicle sails back empty (as long as it took out) and turns round twice."""
        yield self.env.timeout(2 * svc.params.turnaround_h + outbound_h)
        if vehicle is not None and svc.vehicles is not None:
            yield svc.vehicles.put(vehicle)
        elif svc.fleet is not None:
            yield svc.fleet.put(1)

    def _progress(self) -> Generator[Any, Any, None]:
        step = self.horizon_h / 100.0
        while True:
            yield self.env.timeout(step)
            if self.on_progress is not None:
                self.on_progress(min(1.0, self.env.now / self.horizon_h))

    def run(self) -> None:
        for svc in self.services:
            self.env.process(self._service(svc))
        for factory in self.extra_processes:
            self.env.process(factory())
        if self.on_progress is not None:
            self.env.process(self._progress())
        self.env.run(until=self.horizon_h)

