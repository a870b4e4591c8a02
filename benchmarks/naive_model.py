"""A naive per-consignment SimPy model: a COMPARATOR for ``make bench``, not a product.

Issue #20 asks how corridorsim's engine compares with the model one would write first in
SimPy: one process per consignment, vehicles as SimPy stores, facilities as SimPy
resources. This module is that model, run on a sample of the benchmark's own demand and
routes, so ``run_bench.py`` can report ``naive_consignments_per_s`` and
``speedup_vs_naive`` (corridorsim's consignments/s on the benchmark / this model's).

What it models (from the scenario through corridorsim's own route and parameter look-ups,
so the route mix, distances, vehicle sizes and facility parameters are the benchmark's):

* a consignment is a SimPy process; for each leg of its route it ``put``s itself in the
  leg's service store and waits for its own "arrived" event;
* a service is a dispatcher process: on a timetable (``headway_h``) it departs with
  whatever waits, up to capacity; otherwise a vehicle leaves when full or ``max_hold_h``
  after its first container (a consignment is never split);
* a departed vehicle is a process: it runs ``km / speed_kmh`` hours, passing every
  facility on the way (border crossings) and the arrival facility as a
  ``simpy.Resource`` (one server per vehicle for the mean service time, or load /
  ``handling_teu_per_h``), then the mean dwell, then it wakes every consignment on board.

What it leaves out (each would make it slower, so the speed-up it gives is a lower bound):
fleets and turnaround, minimum loads, running delays, weather, closures and disruptions,
yards, opening hours, random service times (means are used), and every record and
analysis (no KPIs, no accounting, no invariant checks).

The demand sample is the first ``n`` bookings of the benchmark's demand (its own arrival
process and seed, every demand row, in booking order): a contiguous window at full rate,
so vehicles fill as in the full run and the route mix is the benchmark's. The run ends
when every sampled consignment is delivered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

__all__ = ["NaiveResult", "run_naive"]


@dataclass
class NaiveResult:
    consignments: int
    teu: float
    wall_s: float
    sim_h: float
    vehicle_trips: int

    @property
    def consignments_per_s(self) -> float:
        return self.consignments / self.wall_s


class _Consignment:
    __slots__ = ("done", "teu")

    def __init__(self, teu: float, done: simpy.Event | None) -> None:
        self.teu = teu
        self.done = done


class _Facility:
    def __init__(self, env: simpy.Environment, spec: Any) -> None:
        self.env = env
        self.res = simpy.Resource(env, capacity=spec.servers)
        self.service_h = spec.service.mean_h if spec.service is not None else 0.0
        self.rate = spec.handling_teu_per_h
        self.dwell_h = spec.dwell.mean_h if spec.dwell is not None else 0.0

    def passage(self, load_teu: float):  # type: ignore[no-untyped-def]
        with self.res.request() as req:
            yield req
            hold = self.service_h + (load_teu / self.rate if self.rate else 0.0)
            if hold > 0:
                yield self.env.timeout(hold)
        if self.dwell_h > 0:
            yield self.env.timeout(self.dwell_h)


class _Service:
    def __init__(self, model: NaiveModel, spec: Any, km: float,
                 waypoints: list[tuple[float, _Facility]], to_facility: _Facility) -> None:
        self.m = model
        self.env = model.env
        self.store = simpy.Store(self.env)
        self.cap = spec.capacity_teu
        self.speed = spec.speed_kmh
        self.km = km
        self.max_hold = spec.max_hold_h
        self.headway = spec.headway_h
        self.first = spec.first_departure_h or 0.0
        self.waypoints = sorted(waypoints, key=lambda w: w[0])
        self.to_facility = to_facility
        self.carry: _Consignment | None = None
        self.env.process(self.timetable() if self.headway else self.when_full())

    def timetable(self):  # type: ignore[no-untyped-def]
        env = self.env
        yield env.timeout(self.first)
        while True:
            load: list[_Consignment] = []
            teu = 0.0
            while self.store.items and teu + self.store.items[0].teu <= self.cap:
                c = yield self.store.get()
                load.append(c)
                teu += c.teu
            if load:
                env.process(self.vehicle(load, teu))
            yield env.timeout(self.headway)

    def when_full(self):  # type: ignore[no-untyped-def]
        env = self.env
        while True:
            if self.carry is not None:
                first, self.carry = self.carry, None
            else:
                first = yield self.store.get()
            load, teu = [first], first.teu
            deadline = env.now + (self.max_hold or 0.0)
            while teu < self.cap and env.now < deadline:
                get = self.store.get()
                timer = env.timeout(deadline - env.now)
                yield get | timer
                if not get.triggered:
                    get.cancel()
                    break
                c = get.value
                if teu + c.teu > self.cap:
                    self.carry = c  # never split a consignment: it waits for the next one
                    break
                load.append(c)
                teu += c.teu
            env.process(self.vehicle(load, teu))

    def vehicle(self, load: list[_Consignment], teu: float):  # type: ignore[no-untyped-def]
        env = self.env
        self.m.trips += 1
        at = 0.0
        for km, fac in self.waypoints:
            if km > at:
                yield env.timeout((km - at) / self.speed)
                at = km
            yield from fac.passage(teu)
        if self.km > at:
            yield env.timeout((self.km - at) / self.speed)
        yield from self.to_facility.passage(teu)
        for c in load:
            c.done.succeed()  # type: ignore[union-attr]


class NaiveModel:
    def __init__(self, setup: Any) -> None:
        from corridorsim.routing import Leg, Stop
        from corridorsim.scenario.specs import facility_spec, service_spec

        self.env = simpy.Environment()
        self.trips = 0
        self.delivered = 0
        scn = setup.scenario
        facilities: dict[tuple[str, str, str], _Facility] = {}
        services: dict[tuple[str, str, str, str], _Service] = {}

        def facility(node: str, kind: str, way: str) -> _Facility:
            key = (node, kind, way)
            if key not in facilities:
                facilities[key] = _Facility(self.env, facility_spec(node, kind, scn))
            return facilities[key]

        self.route_services: dict[str, list[_Service]] = {}
        for key, inst in setup.routes.items():
            way = inst.route.direction
            stages = inst.route.stages
            legs: list[_Service] = []
            for stage in stages:
                if not isinstance(stage, Leg):
                    continue
                arrival = stages[stage.index + 1]
                assert isinstance(arrival, Stop)
                skey = (stage.service, stage.from_node, stage.to_node, way)
                if skey not in services:
                    spec = service_spec(stage.service, f"{stage.from_node}-{stage.to_node}", scn)
                    wps = [(w.km_from_start, facility(w.node, w.kind, way))
                           for w in stage.waypoints]
                    services[skey] = _Service(self, spec, stage.km, wps,
                                              facility(arrival.node, arrival.kind, way))
                legs.append(services[skey])
            self.route_services[key] = legs

    def consignment(self, at: float, teu: float, legs: list[_Service], all_done: simpy.Event,
                    n: int):  # type: ignore[no-untyped-def]
        env = self.env
        if at > env.now:
            yield env.timeout(at - env.now)
        for svc in legs:
            c = _Consignment(teu, env.event())
            yield svc.store.put(c)
            yield c.done
        self.delivered += 1
        if self.delivered == n:
            all_done.succeed()


def sample_demand(setup: Any, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The first ``n`` bookings of the scenario's demand: times (h), sizes (TEU), route keys."""
    from corridorsim.routing.instances import route_key
    from corridorsim.sim.demand import arrivals

    scn = setup.scenario
    rng = np.random.default_rng(scn.seed)
    times, sizes, keys = [], [], []
    for row in scn.demand:
        t, s = arrivals(row, scn, rng)
        key = route_key(row.route, row.origin, row.destination)
        if key not in setup.routes:  # places written as node ids by canonical_places
            key = next(k for k in setup.routes if k.startswith(f"{row.route}:"))
        times.append(t)
        sizes.append(s)
        keys.append(np.full(len(t), key, dtype=object))
    t_all = np.concatenate(times)
    order = np.argsort(t_all, kind="stable")[:n]
    return t_all[order], np.concatenate(sizes)[order], list(np.concatenate(keys)[order])


def run_naive(scenario_path: str, n: int = 30_000) -> NaiveResult:
    """Run the naive model on the first ``n`` bookings of ``scenario_path``'s demand."""
    from corridorsim.network import load_network
    from corridorsim.run import prepare
    from corridorsim.scenario.load import load_scenario

    scn, _ = load_scenario(scenario_path)
    setup = prepare(scn, load_network(), None)
    times, sizes, keys = sample_demand(setup, n)
    t0 = time.perf_counter()
    model = NaiveModel(setup)
    env = model.env
    all_done = env.event()
    count = len(times)
    for at, teu, key in zip(times.tolist(), sizes.tolist(), keys, strict=True):
        env.process(model.consignment(at, teu, model.route_services[key], all_done, count))
    env.run(until=all_done)
    wall = time.perf_counter() - t0
    return NaiveResult(count, float(sizes.sum()), wall, env.now, model.trips)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    path = sys.argv[1] if len(sys.argv) > 1 else str(
        Path(__file__).resolve().parent.parent / "scenarios" / "benchmark_10m.yaml")
    r = run_naive(path, int(sys.argv[2]) if len(sys.argv) > 2 else 30_000)
    print(r, f"{r.consignments_per_s:.0f} consignments/s")
