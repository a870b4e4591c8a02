"""Check a scenario's ids (nodes, links, routes, services, facilities) against the network."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from corridorsim.closures import TARGET_HELP, target_kind
from corridorsim.corridors import CHOKEPOINTS
from corridorsim.errors import NetworkError, RouteError, ScenarioError
from corridorsim.network import Network, extend_network
from corridorsim.network.checks import SEA_AREAS
from corridorsim.network.places import PlaceError, resolve_place
from corridorsim.routing import ROUTE_FAMILIES, RouteFamily, resolve_route
from corridorsim.scenario.defaults import FACILITY_DEFAULTS, SERVICE_DEFAULTS
from corridorsim.scenario.load import Positions, _fmt, _where
from corridorsim.scenario.model import Scenario

__all__ = ["canonical_places", "check_scenario", "scenario_network"]


def _fail(pos: Positions, loc: tuple[object, ...], source: str, found: str, allowed: Iterable[str],
          what: str) -> None:
    options = sorted(set(allowed))
    hint = difflib.get_close_matches(found, options, n=1, cutoff=0.6)
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    raise ScenarioError(
        f"{_where(pos, loc, source)}: {_fmt(loc)}: unknown {what} {found!r}"
        + (f"; did you mean {hint[0]!r}?" if hint else "")
        + f" (allowed: {shown})"
    )


def _require_shares(pos: Positions, loc: tuple[object, ...], source: str,
                    shares: Mapping[str, float] | None, allowed: Iterable[str]) -> None:
    """Reference shares, when given, must name every route in ``choice.routes``."""
    if shares is None:
        return
    missing = [r for r in allowed if r not in shares]
    if missing:
        raise ScenarioError(
            f"{_where(pos, loc, source)}: {_fmt(loc)}: no share for {missing}; give one for "
            "every route in choice.routes")


def scenario_network(scn: Scenario, net: Network, *, source: str = "<scenario>") -> Network:
    """The network the scenario runs on: the shipped one plus its ``network:`` additions."""
    add = scn.network
    if not add.nodes and not add.links:
        return net
    try:
        return extend_network(net, [n.model_dump() for n in add.nodes],
                              [lk.model_dump(by_alias=True) for lk in add.links], source=source)
    except NetworkError as exc:
        raise ScenarioError(str(exc)) from exc


def canonical_places(scn: Scenario, net: Network, *, positions: Positions | None = None,
                     source: str = "<scenario>",
                     families: Mapping[str, RouteFamily] | None = None) -> Scenario:
    """The scenario with every place written as a node id (names, any case, no diacritics
    needed: "Lodz", "aktau", "Xi'an"); an unknown place is an error with a did-you-mean."""
    pos = positions or {}
    fams = families if families is not None else ROUTE_FAMILIES
    demand = []
    changed = False
    for i, row in enumerate(scn.demand):
        ends = {}
        for end in ("origin", "destination"):
            raw = getattr(row, end)
            try:
                ends[end] = resolve_place(net, raw, what=end)
            except PlaceError as exc:
                raise ScenarioError(f"{_where(pos, ('demand', i, end), source)}: "
                                    f"demand[{i}].{end}: {exc}") from None
        if ends["origin"] == ends["destination"]:
            raise ScenarioError(f"{_where(pos, ('demand', i, 'destination'), source)}: "
                                f"demand[{i}]: origin and destination are the same place "
                                f"({ends['origin']})")
        if ends != {"origin": row.origin, "destination": row.destination}:
            changed = True
            row = row.model_copy(update=ends)
        demand.append(row)
    disruptions = []
    for i, d in enumerate(scn.disruptions):
        where = f"{_where(pos, ('disruptions', i, 'target'), source)}: disruptions[{i}]"
        hit = target_kind(d.target, net, fams)
        if hit is not None and hit[0] == "family" and d.capacity_factor != 0.0:
            raise ScenarioError(
                f"{where}: a route family ({d.target!r}) can only be closed "
                f"(capacity_factor: 0), found capacity_factor {d.capacity_factor:g}: its "
                "services are shared with other families; to scale it, target its links "
                "or nodes")
        if hit is None:
            try:
                nid = resolve_place(net, d.target, what="disruption target")
            except PlaceError as exc:
                names = [*CHOKEPOINTS, *SEA_AREAS, *fams, *(f"route:{f}" for f in fams)]
                close = difflib.get_close_matches(d.target, names, n=1, cutoff=0.75)
                msg = (f"unknown disruption target {d.target!r}; did you mean {close[0]!r}?"
                       if close else str(exc))
                raise ScenarioError(f"{where}.target: {msg} (allowed: {TARGET_HELP})"
                                    ) from None
            d = d.model_copy(update={"target": nid})
            changed = True
        disruptions.append(d)
    if not changed:
        return scn
    return scn.model_copy(update={"demand": tuple(demand), "disruptions": tuple(disruptions)})


def check_scenario(scn: Scenario, net: Network, *, positions: Positions | None = None,
                   source: str = "<scenario>",
                   families: Mapping[str, RouteFamily] | None = None) -> Scenario:
    """Raise :class:`ScenarioError` for ids that do not exist on the network; return the
    scenario with places written as node ids (:func:`canonical_places`)."""
    pos = positions or {}
    fams = families if families is not None else ROUTE_FAMILIES
    net = scenario_network(scn, net, source=source)
    scn = canonical_places(scn, net, positions=pos, source=source, families=fams)
    nodes = set(net.nodes.index)
    links = set(net.links.index)
    leg_keys = {f"{a}-{b}" for a, b in zip(net.links["from"], net.links["to"], strict=True)}
    for i, r in enumerate(scn.routes):
        if r not in fams:
            _fail(pos, ("routes", i), source, r, fams, "route family")
    _check_choice(scn, fams, pos, source)
    for i, row in enumerate(scn.demand):
        if row.route is None:
            for end in ("origin", "destination"):
                nid = getattr(row, end)
                if nid not in nodes:
                    _fail(pos, ("demand", i, end), source, nid, nodes, "node")
            continue
        if row.route not in fams:
            _fail(pos, ("demand", i, "route"), source, row.route, fams, "route family")
        if row.route not in scn.routes:
            raise ScenarioError(
                f"{_where(pos, ('demand', i, 'route'), source)}: demand[{i}].route: "
                f"{row.route!r} is not listed in routes ({', '.join(scn.routes)})"
            )
        for end in ("origin", "destination"):
            nid = getattr(row, end)
            if nid not in nodes:
                _fail(pos, ("demand", i, end), source, nid, nodes, "node")
    for i, d in enumerate(scn.disruptions):
        if target_kind(d.target, net, fams) is None:
            targets = (nodes | links | set(CHOKEPOINTS) | set(SEA_AREAS) | set(fams)
                       | {f"route:{f}" for f in fams})
            _fail(pos, ("disruptions", i, "target"), source, d.target, targets,
                  "disruption target (node, link, chokepoint, sea area or route)")
    for key in scn.services:
        if key not in SERVICE_DEFAULTS and key not in leg_keys and "-" not in key:
            _fail(pos, ("services", key), source, key, SERVICE_DEFAULTS, "service kind")
        if "-" in key and key not in SERVICE_DEFAULTS:
            a, _, b = key.partition("-")
            for nid in (a, b):
                if nid not in nodes:
                    _fail(pos, ("services", key), source, nid, nodes, "node in leg key")
    _check_route_shares(scn, pos, source)
    for key in scn.facilities:
        if key not in FACILITY_DEFAULTS and key not in nodes:
            _fail(pos, ("facilities", key), source, key, [*FACILITY_DEFAULTS, *nodes],
                  "facility kind or node")
    for key in scn.weather.places:
        if key not in nodes:
            _fail(pos, ("weather", "places", key), source, key, nodes, "node")
    _check_routes_serve(scn, net, fams, pos, source)
    return scn


def _check_route_shares(scn: Scenario, pos: Positions, source: str) -> None:
    """``route_shares`` (fixed-timetable trains, :mod:`corridorsim.sim.timetable`): only under
    ``services.fixed_timetable_train``, and only for the scenario's route families."""
    for key, sp in scn.services.items():
        if sp.route_shares is None:
            continue
        loc: tuple[object, ...] = ("services", key, "route_shares")
        if key != "fixed_timetable_train":
            raise ScenarioError(
                f"{_where(pos, loc, source)}: services.{key}.route_shares: only "
                "services.fixed_timetable_train takes route_shares (the share of each route "
                "family's consignments on fixed-timetable trains)")
        for fam in sp.route_shares:
            if fam not in scn.routes:
                _fail(pos, (*loc, fam), source, fam, scn.routes, "route family (routes)")


def _check_routes_serve(scn: Scenario, net: Network, fams: Mapping[str, RouteFamily],
                        pos: Positions, source: str) -> None:
    """Every fixed-route demand row's family serves its pair; every choice row has one."""
    choice = list(scn.choice.routes if scn.choice.routes is not None else scn.routes)
    for i, row in enumerate(scn.demand):
        ids = [row.route] if row.route is not None else choice
        reasons = []
        for fam in ids:
            try:
                resolve_route(net, fams[fam], origin=row.origin, destination=row.destination)
                break
            except RouteError as exc:
                reasons.append(str(exc))
        else:
            loc = ("demand", i, "route") if row.route is not None else ("demand", i)
            what = (f"demand[{i}].route: {reasons[0]}" if row.route is not None else
                    f"demand[{i}]: no route family in choice.routes serves {row.origin} → "
                    f"{row.destination}: " + "; ".join(reasons))
            raise ScenarioError(f"{_where(pos, loc, source)}: {what} "
                                "(`corridorsim routes --origin … --destination …` shows "
                                "which families serve a pair)")


def _check_choice(scn: Scenario, fams: Mapping[str, RouteFamily], pos: Positions,
                  source: str) -> None:
    """Route-choice ids: every family named under ``choice`` must be a known family."""
    c = scn.choice
    uses = any(r.route is None for r in scn.demand)
    allowed = list(c.routes) if c.routes is not None else list(scn.routes)
    if c.routes is not None:
        for i, r in enumerate(c.routes):
            if r not in fams:
                _fail(pos, ("choice", "routes", i), source, r, fams, "route family")
    named: dict[str, Mapping[str, object]] = {
        "initial": c.initial, "capacity_teu_per_week": c.capacity_teu_per_week,
        "asc_usd_per_teu": c.asc_usd_per_teu, "reference_shares": c.reference_shares or {}}
    for section, table in named.items():
        for r in table:
            if r not in allowed:
                _fail(pos, ("choice", section, r), source, r, allowed, "route family (choice.routes)")
    for seg, sp in c.segments.items():
        for r in sp.reference_shares or {}:
            if r not in allowed:
                _fail(pos, ("choice", "segments", seg, "reference_shares", r), source, r, allowed,
                      "route family (choice.routes)")
        if uses:
            _require_shares(pos, ("choice", "segments", seg, "reference_shares"), source,
                            sp.reference_shares, allowed)
    for name, nest in c.nests.items():
        for i, r in enumerate(nest.routes):
            if r not in allowed:
                _fail(pos, ("choice", "nests", name, "routes", i), source, r, allowed,
                      "route family (choice.routes)")
    if uses:
        _require_shares(pos, ("choice", "reference_shares"), source, c.reference_shares, allowed)
