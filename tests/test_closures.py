"""One reading of what a disruption closes, shared by the simulation, route choice, the map
and the scenario check."""

from __future__ import annotations

import pytest

from corridorsim.closures import Closures, target_kind
from corridorsim.network import Network
from corridorsim.routing import ROUTE_FAMILIES
from corridorsim.routing.instances import RouteInstance, resolve_instances
from corridorsim.scenario.load import scenario_from_dict


def _setup(network: Network, target: str, **extra: object
           ) -> tuple[Closures, dict[str, RouteInstance]]:
    scn = scenario_from_dict({
        "name": "closure", "horizon_d": 60, "routes": ["middle_corridor", "northern", "suez"],
        "demand": [{"origin": "CN_XIY", "destination": "DE_DUI", "teu_per_week": 100}],
        "disruptions": [{"target": target, "start_d": 10, "end_d": 20, **extra}]})
    routes = resolve_instances(scn, network)
    return Closures(scn, network, ROUTE_FAMILIES), routes


def _by_family(routes: dict[str, RouteInstance]) -> dict[str, list[RouteInstance]]:
    out: dict[str, list[RouteInstance]] = {}
    for inst in routes.values():
        out.setdefault(inst.family, []).append(inst)
    return out


def test_route_family_closed_the_same_however_written(network: Network) -> None:
    """``northern`` and the documented ``route:northern`` close the same: bookings on the
    family, and on the map the links only the Northern route uses."""
    bare, routes = _setup(network, "northern")
    prefixed, _ = _setup(network, "route:northern")
    links_bare, _ = bare.closed_on_map(_by_family(routes))
    links_prefixed, _ = prefixed.closed_on_map(_by_family(routes))
    assert links_prefixed and links_prefixed.keys() == links_bare.keys()
    northern = next(r for r in routes.values() if r.family == "northern")
    assert prefixed.family_closed("northern") == [(240.0, 480.0)]
    assert prefixed.booking_closed(northern) == [(240.0, 480.0)]
    middle = next(r for r in routes.values() if r.family == "middle_corridor")
    assert prefixed.booking_closed(middle) == []
    # only links no other route uses are drawn closed
    other_links = {lid for r in routes.values() if r.family != "northern"
                   for leg in r.route.legs for lid in leg.link_ids}
    assert not set(links_prefixed) & other_links


def test_chokepoint_acts_on_legs_through_it_not_on_bookings_of_fixed_routes(
        network: Network) -> None:
    closures, routes = _setup(network, "suez")
    suez = next(r for r in routes.values() if r.family == "suez")
    legs = [leg for leg in suez.route.legs if closures.on_leg(leg)]
    assert legs and all("suez" in leg.chokepoints for leg in legs)
    assert closures.family_closed("suez") == []  # "suez" alone is the canal, not the family
    assert closures.booking_closed(suez) == [(240.0, 480.0)]  # route choice avoids it
    links, nodes = closures.closed_on_map(_by_family(routes))
    assert "EG_SUZ" in nodes and links


def test_a_scaled_disruption_is_not_drawn_closed_and_does_not_refuse_bookings(
        network: Network) -> None:
    closures, routes = _setup(network, "KZ_DOS", capacity_factor=0.5)
    assert all(not closures.booking_closed(r) for r in routes.values())
    assert closures.closed_on_map(_by_family(routes)) == ({}, {})
    assert [w.capacity_factor for w in closures.on_node("KZ_DOS")] == [0.5]


@pytest.mark.parametrize(("target", "kind"), [
    ("suez", "chokepoint"), ("route:suez", "family"), ("northern", "family"),
    ("caspian", "sea_area"), ("KZ_DOS", "node"), ("nowhere", None)])
def test_target_kinds(network: Network, target: str, kind: str | None) -> None:
    hit = target_kind(target, network, ROUTE_FAMILIES)
    assert (hit[0] if hit else None) == kind


def test_scaling_a_route_family_is_refused_with_the_reason(network: Network) -> None:
    from corridorsim.errors import ScenarioError
    from corridorsim.scenario.check import check_scenario

    scn = scenario_from_dict({
        "name": "scaled", "horizon_d": 60, "routes": ["northern"],
        "demand": [{"origin": "CN_XIY", "destination": "DE_DUI", "route": "northern",
                    "teu_per_week": 100}],
        "disruptions": [{"target": "route:northern", "capacity_factor": 0.5}]})
    with pytest.raises(ScenarioError, match=r"can only be closed.*target its links or nodes"):
        check_scenario(scn, network)
