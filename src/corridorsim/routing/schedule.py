"""A route's undisturbed schedule, and the due date promised from it.

The undisturbed schedule is what a box would take if nothing queued: running time at each
service's speed plus its typical running delay, the mean wait for a timetabled departure
(half the headway), and the typical service and dwell at every stop and en-route facility (borders,
canals). It knows nothing of queues, storms or disruptions — the simulation adds those — and of
train formation only when told the volume on each leg (a run knows it from its demand). It
sets:

- the **due date** of a demand row that gives no ``due_d``: the undisturbed schedule plus
  :data:`DUE_MARGIN_SHARE` of it plus :data:`DUE_MARGIN_D` days (ASSUMED, the slack a
  forwarder quotes on top of a published schedule);
- the starting expectation of route choice for a family without a prior.

It is computed from the same defaults and scenario overrides the engine uses, so a faster
ship or a slower border moves the promise too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from corridorsim.routing import Leg, Route, Stop
from corridorsim.scenario.specs import facility_spec, service_spec
from corridorsim.units import WEEK_H

if TYPE_CHECKING:
    from corridorsim.scenario.model import Scenario
    from corridorsim.scenario.params import Distribution

__all__ = ["DUE_MARGIN_D", "DUE_MARGIN_SHARE", "due_days", "typical_departure_wait_hours",
           "typical_facility_hours", "undisturbed_days", "undisturbed_hours"]

#: ASSUMED slack on top of the undisturbed schedule (share of it, and days): a forwarder's
#: quote of schedule + 15 % + 1.5 days; on baseline_2024 this reproduces the schedule claims
#: plus slack used before (MC 26, Northern 16, Suez 42, Cape 50 days; S23, S39, S41).
DUE_MARGIN_SHARE = 0.15
DUE_MARGIN_D = 1.5


def _typical_h(dist: Distribution) -> float:
    """A distribution's typical value: the median of a lognormal (its mean is pulled up by
    the long tail the simulation samples), else the mean."""
    if dist.lognormal is not None:
        return float(dist.lognormal.median_h)
    return float(dist.mean_h)


def typical_facility_hours(node: str, kind: str, scn: Scenario | None = None,
                           load_teu: float = 0.0, *, mean: bool = False) -> float:
    """Undisturbed hours a box spends at a facility (a stop or an en-route waypoint): the
    typical service (or, for ships, half of a ``load_teu`` vessel's handling), the typical
    dwell and the mean wait for its opening hours — nothing for queues, storms or closures.
    ``mean``: the service and dwell distributions' means (what an undisturbed box waits on
    average) instead of their typical values."""
    typical = (lambda d: float(d.mean_h)) if mean else _typical_h
    p = facility_spec(node, kind if kind != "origin" else "terminal", scn)
    h = 0.0
    if p.service is not None:
        h += typical(p.service)
    elif p.handling_teu_per_h is not None:
        h += load_teu / p.handling_teu_per_h / 2.0  # on average a box waits for half the ship
    if p.dwell is not None:
        h += typical(p.dwell)
    if p.open_hours is not None:  # mean wait for the daily window, arriving at random
        a, b = p.open_hours
        closed = (a - b) % 24.0
        h += closed / 24.0 * closed / 2.0
    return h


LegVolume = Callable[[Leg], float]


def typical_departure_wait_hours(stage: Leg, scn: Scenario | None = None, *,
                                 volume: LegVolume | None = None) -> float:
    """Undisturbed hours a box waits for its leg's departure: half the headway of a
    timetabled service; else, given the leg's TEU per week (``volume``), half the time its
    vehicle takes to fill (at most half of ``max_hold_h``); else nothing."""
    p = service_spec(stage.service, f"{stage.from_node}-{stage.to_node}", scn)
    if p.headway_h:
        return p.headway_h / 2.0
    if volume is not None and p.max_hold_h:
        per_h = max(volume(stage), 1e-9) / WEEK_H
        return min(p.max_hold_h, p.capacity_teu / per_h) / 2.0
    return 0.0


def undisturbed_hours(route: Route, scn: Scenario | None = None, *,
                      volume: LegVolume | None = None) -> float:
    """Hours door to door if nothing queued (see the module docstring).

    ``volume`` gives the TEU per week that ride a leg's service; with it, a service without a
    timetable adds the mean wait for its vehicle to fill (half of capacity ÷ volume, at most
    half of ``max_hold_h``) — train formation, which a thin flow cannot avoid.
    """
    total = 0.0
    load = 0.0
    for stage in route.stages:
        if isinstance(stage, Leg):
            p = service_spec(stage.service, f"{stage.from_node}-{stage.to_node}", scn)
            total += stage.km / p.speed_kmh
            if p.delay is not None:
                total += _typical_h(p.delay)
            total += typical_departure_wait_hours(stage, scn, volume=volume)
            load = p.capacity_teu
            for w in stage.waypoints:
                total += typical_facility_hours(w.node, w.kind, scn, load)
        elif isinstance(stage, Stop) and stage.role != "origin":
            total += typical_facility_hours(stage.node, stage.kind, scn, load)
    return total


def undisturbed_days(route: Route, scn: Scenario | None = None, *,
                     volume: LegVolume | None = None) -> float:
    return undisturbed_hours(route, scn, volume=volume) / 24.0


def due_days(route: Route, scn: Scenario | None = None, *,
             volume: LegVolume | None = None) -> float:
    """Days promised door to door when a demand row gives no ``due_d``."""
    return round(undisturbed_days(route, scn, volume=volume) * (1.0 + DUE_MARGIN_SHARE)
                 + DUE_MARGIN_D, 1)
