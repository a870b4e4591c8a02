"""The engine's waiting mechanisms: yards, fleets and cargo hand-over lose no wake-up."""

from __future__ import annotations

import numpy as np
import simpy

from corridorsim.scenario.params import fixed
from corridorsim.scenario.specs import FacilitySpec
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.engine import Engine
from corridorsim.sim.facilities import Facility
from corridorsim.sim.notify import Signal
from corridorsim.sim.records import RunRecords


def _engine() -> Engine:
    rec = RunRecords(route_ids=[], od_ids=[], segment_ids=[], route=np.empty(0, np.int32),
                     od=np.empty(0, np.int32), segment=np.empty(0, np.int32),
                     teu=np.empty(0), reefer=np.empty(0, bool), created_h=np.empty(0),
                     due_h=np.empty(0), n_stages=np.empty(0, np.int64))
    return Engine(rec, horizon_h=1000.0)


def _port(eng: Engine, *, berths: int, yard_teu: float) -> Facility:
    spec = FacilitySpec(kind="port", servers=berths, service=fixed(1.0),
                        handling_teu_per_h=None, dwell=None, yard_teu=yard_teu,
                        open_hours=None)
    return Facility(node="AZ_ALT", kind="port", params=spec, calendar=Calendar(),
                    rng=np.random.default_rng(0),
                    resource=simpy.Resource(eng.env, capacity=berths),
                    yard_room=Signal(eng.env))


def test_two_vessels_blocked_at_a_two_berth_port_both_unload_when_the_yard_empties() -> None:
    """Two berths, a 100-TEU yard holding 90 TEU: two 80-TEU vessels both block at berth.
    When the yard is emptied (a train leaves with its 90 TEU), both must finish — with one
    wake-up event per facility the first vessel kept its berth forever."""
    eng = _engine()
    env = eng.env
    port = _port(eng, berths=2, yard_teu=100.0)
    port.yard_add(90.0)
    finished: dict[str, float] = {}

    def vessel(name: str, arrive_h: float):  # type: ignore[no-untyped-def]
        yield env.timeout(arrive_h)
        hours, _ = yield from eng._pass(port, 80.0, may_block=True)
        finished[name] = env.now
        assert hours.sum() > 0

    def train_leaves(at_h: float):  # type: ignore[no-untyped-def]
        yield env.timeout(at_h)
        port.yard_remove(90.0)

    env.process(vessel("A", 0.0))
    env.process(vessel("B", 0.5))
    env.process(train_leaves(10.0))
    env.run(until=100.0)
    assert set(finished) == {"A", "B"}
    assert all(t >= 10.0 for t in finished.values())
    assert port.resource.count == 0  # both berths released


def test_signal_wakes_every_waiter_and_only_those_waiting() -> None:
    env = simpy.Environment()
    sig = Signal(env)
    woken: list[tuple[str, float]] = []

    def waiter(name: str, start: float):  # type: ignore[no-untyped-def]
        yield env.timeout(start)
        yield sig.wait()
        woken.append((name, env.now))

    for i, start in enumerate((0.0, 1.0, 2.0)):
        env.process(waiter(f"w{i}", start))
    env.process(waiter("late", 6.0))

    def notifier():  # type: ignore[no-untyped-def]
        yield env.timeout(5.0)
        sig.notify()
        yield env.timeout(5.0)
        sig.notify()

    env.process(notifier())
    env.run()
    assert woken == [("w0", 5.0), ("w1", 5.0), ("w2", 5.0), ("late", 10.0)]
