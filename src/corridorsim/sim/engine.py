"""The SimPy engine: services (vehicles) and facilities move whole batches of consignments.

Consignments are rows in arrays (:class:`~corridorsim.sim.records.RunRecords`). A vehicle
departure, arrival or facility passage writes the times of every consignment on board in
one vectorised step, so the number of SimPy events grows with vehicles and facilities, not
with containers. This is the only package that imports simpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from corridorsim.errors import InternalError
from corridorsim.scenario.model import FacilityParams, ServiceParams
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.records import CAUSES, RunRecords
from corridorsim.sim.streams import sample

C = {c: i for i, c in enumerate(CAUSES)}
INF = math.inf


@dataclass
class Facility:
    """A node where vehicles queue for servers (tracks, cranes, berths)."""

    node: str
    kind: str
    params: FacilityParams
    calendar: Calendar
    rng: np.random.Generator
    resource: simpy.Resource
    is_border: bool = False
    # statistics (per vehicle passage)
    busy_h: float = 0.0
    passages: int = 0
    teu: float = 0.0
    wait_sum_h: float = 0.0
    wait_max_h: float = 0.0
    queue_trace: list[tuple[float, int]] = field(default_factory=list)
    yard_level: float = 0.0
    yard_event: simpy.Event | None = None

    def service_time(self, load_teu: float) -> float:
        p = self.params
        t = float(sample(p.service, self.rng))
        if p.handling_teu_per_h:
            t += load_teu / p.handling_teu_per_h
        return t


@dataclass
class Service:
    """A vehicle service on one leg, shared by every route that uses the same leg."""

    key: str
    kind: str
    params: ServiceParams
    km: float
    waypoints: list[tuple[float, Facility]]
    from_node: str
    to_node: str
    calendar: Calendar
    rng: np.random.Generator
    idle: int
    queue: BatchQueue
    vehicle_event: simpy.Event | None = None
    trips: int = 0


class BatchQueue:
    """Consignments waiting for a service, in order of readiness.

    ``future`` holds pre-booked arrivals (sorted by ready time); ``present`` holds batches
    handed over by upstream stages. Both are plain arrays.
    """

    def __init__(self, env: simpy.Environment, rec: RunRecords) -> None:
        self.env = env
        self.rec = rec
        self.f_idx = np.empty(0, dtype=np.int64)
        self.f_ready = np.empty(0)
        self.f_cum = np.empty(0)
        self.f_pos = 0
        self.p_idx = np.empty(0, dtype=np.int64)
        self.p_ready = np.empty(0)
        self.p_teu = np.empty(0)
        self.push_event: simpy.Event = env.event()
        self.node_facility: Facility | None = None

    def preload(self, idx: np.ndarray, ready: np.ndarray) -> None:
        order = np.argsort(ready, kind="stable")
        self.f_idx = np.concatenate([self.f_idx[self.f_pos:], idx[order]])
        self.f_ready = np.concatenate([self.f_ready[self.f_pos:], ready[order]])
        order2 = np.argsort(self.f_ready, kind="stable")
        self.f_idx, self.f_ready = self.f_idx[order2], self.f_ready[order2]
        self.f_cum = np.cumsum(self.rec.teu[self.f_idx])
        self.f_pos = 0

    def push(self, idx: np.ndarray, ready_h: float) -> None:
        self.p_idx = np.concatenate([self.p_idx, idx])
        self.p_ready = np.concatenate([self.p_ready, np.full(len(idx), ready_h)])
        self.p_teu = np.concatenate([self.p_teu, self.rec.teu[idx]])
        ev, self.push_event = self.push_event, self.env.event()
        ev.succeed()

    def _future_teu_before(self, t: float) -> tuple[int, float]:
        k = int(np.searchsorted(self.f_ready, t, side="right"))
        if k <= self.f_pos:
            return self.f_pos, 0.0
        base = self.f_cum[self.f_pos - 1] if self.f_pos > 0 else 0.0
        return k, float(self.f_cum[k - 1] - base)

    def first_ready(self) -> float | None:
        if len(self.p_idx):
            return float(self.p_ready[0])
        if self.f_pos < len(self.f_idx):
            return float(self.f_ready[self.f_pos])
        return None

    def time_full(self, capacity: float) -> float:
        """Earliest time the ready TEU reach ``capacity`` from known arrivals (inf if never)."""
        need = capacity - float(self.p_teu.sum())
        if need <= 0:
            return float(self.p_ready[-1]) if len(self.p_ready) else self.env.now
        base = self.f_cum[self.f_pos - 1] if self.f_pos > 0 else 0.0
        k = int(np.searchsorted(self.f_cum, base + need - 1e-9, side="left"))
        if k >= len(self.f_cum):
            return INF
        return float(self.f_ready[k])

    def take(self, t: float, capacity: float) -> np.ndarray:
        """Remove and return consignments ready by ``t``, first come first served, up to capacity."""
        k, _ = self._future_teu_before(t)
        if k > self.f_pos:
            fi = self.f_idx[self.f_pos:k]
            idx = np.concatenate([self.p_idx, fi])
            ready = np.concatenate([self.p_ready, self.f_ready[self.f_pos:k]])
            teu = np.concatenate([self.p_teu, self.rec.teu[fi]])
            if len(self.p_idx):
                order = np.argsort(ready, kind="stable")
                idx, ready, teu = idx[order], ready[order], teu[order]
            self.f_pos = k
        else:
            idx, ready, teu = self.p_idx, self.p_ready, self.p_teu
        cum = np.cumsum(teu)
        n = int(np.searchsorted(cum, capacity + 1e-9, side="right"))
        out = idx[:n]
        self.p_idx, self.p_ready, self.p_teu = idx[n:], ready[n:], teu[n:]
        return out


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
        self.on_progress: Callable[[float], None] | None = None
        # extra SimPy process factories started with the run (e.g. weekly route choice)
        self.extra_processes: list[Callable[[], Generator[Any, Any, None]]] = []

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

    def _record_phases(self, rows: np.ndarray, ready: np.ndarray,
                       phases: list[tuple[float, float, str]], t_end: float) -> None:
        """Split each consignment's wait ``ready → t_end`` over the phases; the rest is queue.

        ``rows`` are the consignments' flat record rows (one stage each).
        """
        total = t_end - ready
        acc = np.zeros(len(rows))
        blk = self.rec.wait[rows]
        for t0, t1, cause in phases:
            part = np.clip(np.minimum(t1, t_end) - np.maximum(t0, ready), 0.0, None)
            if part.any():
                blk[:, C[cause]] += part
                acc += part
        rest = total - acc
        blk[:, C["queue"]] += np.clip(rest, 0.0, None)
        self.rec.wait[rows] = blk

    # ------------------------------------------------------------------ facility passage
    def _pass(self, fac: Facility, rows: np.ndarray, load: float, *,
              may_block: bool) -> Generator[Any, Any, None]:
        """A vehicle (its consignments' record ``rows``, ``load`` TEU) passes facility
        ``fac``; waits are recorded. With ``may_block`` the vehicle keeps its berth while
        the facility's yard is full (unloading stops)."""
        env, rec = self.env, self.rec
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
        req = fac.resource.request()
        t_q = env.now
        yield req
        waited = env.now - t_q
        fac.queue_trace.append((env.now, len(fac.resource.queue)))
        cap_f, _ = fac.calendar.factors(env.now)
        service = fac.service_time(load) / max(cap_f, 1e-6)
        t_s = env.now
        yield env.timeout(service)
        # blocking: containers cannot leave the berth while the yard is full
        if may_block and p.yard_teu:
            while fac.yard_level + load > p.yard_teu and fac.yard_level > 0:
                fac.yard_event = env.event()
                t_b = env.now
                yield fac.yard_event
                phases.append((t_b, env.now, "blocking"))
        fac.resource.release(req)
        fac.busy_h += env.now - t_s
        dwell = float(sample(p.dwell, fac.rng))
        yield env.timeout(dwell)
        fac.passages += 1
        fac.teu += load
        fac.wait_sum_h += waited
        fac.wait_max_h = max(fac.wait_max_h, waited)
        # attribute: server wait -> queue; service -> handling (ports, terminals) or border;
        # dwell -> border at borders and gauge changes, handling at ports
        svc_cause = "border" if fac.is_border else ("moving" if fac.kind == "chokepoint" else "handling")
        # one gather and one scatter per passage
        w = rec.wait[rows]
        for t0, t1, cause in phases:
            if t1 > t0:
                w[:, C[cause]] += t1 - t0
        w[:, C["queue"]] += waited
        if svc_cause == "moving":
            rec.moving[rows] += service
        else:
            w[:, C[svc_cause]] += service
        w[:, C["border" if fac.is_border else "handling"]] += dwell
        rec.wait[rows] = w

    # ------------------------------------------------------------------ stops
    def _stop(self, idx: np.ndarray, fac: Facility) -> Generator[Any, Any, None]:
        env, rec = self.env, self.rec
        stage = rec.cur[idx]
        rows = rec.rows(idx, stage)
        rec.t_in[rows] = env.now
        load = float(rec.teu[idx].sum())
        yield from self._pass(fac, rows, load, may_block=True)
        rec.t_out[rows] = env.now
        nxt = stage + 1
        rec.cur[idx] = nxt
        last = nxt >= rec.n_stages[rec.route[idx]]
        if last.any():
            done = idx[last]
            rec.delivered_h[done] = env.now
            rec.cur[done] = stage[last]
        live = idx[~last]
        if len(live):
            rec.t_in[rows[~last] + 1] = env.now
            routes = rec.route[live]
            stages_ = nxt[~last]
            keys = routes.astype(np.int64) * 1000 + stages_
            for key in np.unique(keys):
                sel = live[keys == key]
                svc = self.leg_service[(int(key // 1000), int(key % 1000))]
                load = float(rec.teu[sel].sum())
                if fac.params.yard_teu and svc.from_node == fac.node:
                    fac.yard_level += load
                svc.queue.push(sel, env.now)

    # ------------------------------------------------------------------ services
    def _service(self, svc: Service) -> Generator[Any, Any, None]:
        env, rec, q = self.env, self.rec, svc.queue
        p = svc.params
        while env.now < self.horizon_h:
            phases: list[tuple[float, float, str]] = []
            # 1. a vehicle
            if svc.params.fleet is not None and svc.idle <= 0:
                t0 = env.now
                svc.vehicle_event = env.event()
                yield svc.vehicle_event
                phases.append((t0, env.now, "queue"))
            # 2. cargo
            first = q.first_ready()
            if first is None:
                yield q.push_event
                continue
            if first > env.now:
                yield env.timeout(first - env.now)
            t_first = env.now
            # 3. departure rule
            cap_f, _ = svc.calendar.factors(env.now)
            # a vehicle always takes at least one FEU, however far capacity is scaled down
            capacity = max(2.0, float(p.capacity_teu or 2.0) * (cap_f if cap_f > 0 else 1.0))
            if p.headway_h is not None:
                first_dep = p.first_departure_h or 0.0
                k = math.ceil((env.now - first_dep) / p.headway_h - 1e-12)
                slot = first_dep + max(k, 0) * p.headway_h
                if slot > env.now:
                    t0 = env.now
                    yield env.timeout(slot - env.now)
                    phases.append((t0, env.now, "schedule"))
            else:
                deadline = t_first + float(p.max_hold_h or 0.0)
                while True:
                    t_full = q.time_full(capacity)
                    if t_full <= env.now or env.now >= deadline:
                        break
                    wake = min(deadline, t_full)
                    yield env.any_of([env.timeout(wake - env.now), q.push_event])
                if env.now > t_first:
                    phases.append((t_first, env.now, "consolidation"))
            # 4. closures (weather, disruptions)
            phases += yield from self._closure_wait(svc.calendar)
            if env.now >= self.horizon_h:
                break
            # 5. load and depart
            idx = q.take(env.now, capacity)
            if len(idx) == 0:
                raise InternalError(
                    f"service {svc.key}: a departure at {env.now:.2f} h loaded nothing although "
                    "cargo was ready; please report this with the scenario"
                )
            if svc.params.fleet is not None:
                svc.idle -= 1
            t_dep = env.now
            stage = rec.cur[idx]
            rows = rec.rows(idx, stage)
            ready = rec.t_in[rows]
            self._record_phases(rows, ready, phases, t_dep)
            load = float(rec.teu[idx].sum())
            fac = q.node_facility
            if fac is not None and fac.params.yard_teu:
                fac.yard_level = max(0.0, fac.yard_level - load)
                if fac.yard_event is not None and not fac.yard_event.triggered:
                    fac.yard_event.succeed()
            svc.trips += 1
            env.process(self._trip(svc, idx, stage, rows, t_dep, load, capacity))

    def _trip(self, svc: Service, idx: np.ndarray, stage: np.ndarray, rows: np.ndarray,
              t_dep: float, load: float, capacity: float) -> Generator[Any, Any, None]:
        env, rec = self.env, self.rec
        _, spd_f = svc.calendar.factors(env.now)
        speed = float(svc.params.speed_kmh or 50.0) * spd_f
        done_km = 0.0
        moving = 0.0
        for km, fac in svc.waypoints:
            dt = (km - done_km) / speed
            yield env.timeout(dt)
            moving += dt
            done_km = km
            yield from self._pass(fac, rows, load, may_block=False)
        delay = float(sample(svc.params.delay, svc.rng))
        dt = (svc.km - done_km) / speed + delay
        yield env.timeout(dt)
        moving += dt
        rec.moving[rows] += moving
        rec.t_out[rows] = env.now
        t_arr = env.now
        self.trip_log.append((svc.key, svc.trips, t_dep, t_arr, load, capacity))
        # hand over to the next stop
        nxt = stage + 1
        rec.cur[idx] = nxt
        rec.t_in[rows + 1] = env.now
        # one vehicle, one passage: every consignment on board arrives at the same node, so
        # the train or ship is processed once whichever route families it carries
        routes = rec.route[idx]
        keys = routes.astype(np.int64) * 1000 + nxt
        by_fac: dict[int, tuple[Facility, list[np.ndarray]]] = {}
        for key in np.unique(keys):
            fac = self.stop_facility[(int(key // 1000), int(key % 1000))]
            by_fac.setdefault(id(fac), (fac, []))[1].append(idx[keys == key])
        for fac, parts in by_fac.values():
            env.process(self._stop(np.sort(np.concatenate(parts)), fac))
        if svc.params.fleet is not None:
            env.process(self._return(svc, t_arr - t_dep))

    def _return(self, svc: Service, outbound_h: float) -> Generator[Any, Any, None]:
        turnaround = float(svc.params.turnaround_h or 0.0)
        yield self.env.timeout(2 * turnaround + outbound_h)
        svc.idle += 1
        if svc.vehicle_event is not None and not svc.vehicle_event.triggered:
            svc.vehicle_event.succeed()

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
