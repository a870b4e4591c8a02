"""What a run's answer does not contain, in plain words (``run.json: warnings``)."""

from __future__ import annotations

from collections.abc import Mapping

from corridorsim.closures import Closures
from corridorsim.network import Network
from corridorsim.routing.instances import RouteInstance
from corridorsim.scenario.model import Scenario
from corridorsim.scenario.specs import service_spec
from corridorsim.sim.demand import service_volumes
from corridorsim.sim.keys import service_key

__all__ = ["run_warnings"]


def run_warnings(scn: Scenario, net: Network, routes: Mapping[str, RouteInstance],
                 closures: Closures) -> list[str]:
    """Caveats of this run:

    - a fleet-limited service (a Caspian feeder) used in both directions gets a fleet in each:
      the ships of one direction do not carry the other's cargo on their way back;
    - a disruption of something no route passes, or that starts after the horizon, changes
      nothing; an episode partly in the warm-up is partly left out of the KPIs;
    - a planner's link drawn as a straight line is shorter than any railway or sea lane;
    - the planner's own shipments on a service no corridor traffic uses fill its vehicles
      alone, so they wait for them to fill (the scenario lacks the corridor's traffic).

    (Routes whose empty returns are not costed say so in the summary's ``empty_basis`` and
    under the report's cost chart: every one-directional run has them.)
    """
    return (_fleets_both_ways(scn, routes) + _idle_disruptions(scn, routes, closures)
            + _straight_links(scn, net, routes) + _shipments_alone(scn, routes))


def _fleets_both_ways(scn: Scenario, routes: Mapping[str, RouteInstance]) -> list[str]:
    fleet_legs: dict[tuple[str, str, str], set[str]] = {}
    for inst in routes.values():
        for leg in inst.route.legs:
            way = f"{leg.from_node}-{leg.to_node}"
            if service_spec(leg.service, way, scn).fleet is not None:
                a, b = sorted((leg.from_node, leg.to_node))
                fleet_legs.setdefault((leg.service, a, b), set()).add(way)
    return [f"{service} {a}–{b} runs in both directions: each direction has its own fleet "
            "(ships do not yet carry the other direction's cargo on their way back), so the "
            "crossing's capacity is overstated for this run"
            for (service, a, b), ways in sorted(fleet_legs.items()) if len(ways) > 1]


def _idle_disruptions(scn: Scenario, routes: Mapping[str, RouteInstance],
                      closures: Closures) -> list[str]:
    idle = set(closures.touching_nothing(routes.values()))
    out = []
    for i, d in enumerate(scn.disruptions):
        label = f"disruptions[{i}] ({d.name or d.target}, {d.window(scn.start_date)})"
        if i in idle:
            out.append(f"{label}: no route of this run passes {d.target!r}, so it changes "
                       "nothing")
        elif d.start_d >= scn.horizon_d:
            out.append(f"{label}: starts after the horizon ({scn.horizon_d:g} days), so it "
                       "changes nothing")
        elif d.start_d < scn.warmup_d and d.end_d < scn.horizon_d:
            # an episode (not a closure for the rest of the run) partly in the warm-up
            out.append(f"{label}: overlaps the warm-up (the first {scn.warmup_d:g} days), whose "
                       "bookings the KPIs leave out: part of its effect is not in them")
    return out


def _straight_links(scn: Scenario, net: Network, routes: Mapping[str, RouteInstance]
                    ) -> list[str]:
    used = {lid for inst in routes.values() for leg in inst.route.legs for lid in leg.link_ids}
    out = []
    for i, lk in enumerate(scn.network.links):
        lid = f"{lk.from_}-{lk.to}"
        if lk.geometry is None and lid in used:
            out.append(f"network.links[{i}] {lid} is a straight line (no geometry, "
                       f"{float(net.links.at[lid, 'length_km']):,.0f} km): the great-circle "
                       "distance, shorter than any railway or sea lane; give its geometry for "
                       "a real route")
    return out


def _shipments_alone(scn: Scenario, routes: Mapping[str, RouteInstance]) -> list[str]:
    if not any(row.shipment for row in scn.demand):
        return []
    traffic = scn.model_copy(update={"demand": tuple(r for r in scn.demand if not r.shipment)})
    volume = service_volumes(traffic, routes)
    out = []
    for inst in routes.values():
        if not any(r.shipment and (r.origin, r.destination) == (inst.origin, inst.destination)
                   for r in scn.demand):
            continue
        alone = [leg for leg in inst.route.legs
                 if volume.get(service_key(leg, inst.route.direction), 0.0) == 0.0]
        if alone:
            out.append(f"{inst.key}: no corridor traffic rides {len(alone)} of its legs "
                       f"(e.g. {alone[0].service} {alone[0].from_node}→{alone[0].to_node}), so "
                       "your shipments fill those vehicles alone and wait for them to fill; add "
                       "the corridor's traffic (e.g. extends: baseline_2024.yaml) for real "
                       "departures")
    return out
