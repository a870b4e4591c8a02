"""Routes for any origin and destination: each corridor's best path, resolved into stages.

For a route family (:mod:`corridorsim.corridors`) and an origin–destination pair the router
takes the part of the network the family may use and finds the path of least routing
impedance on it (km weighted by mode, :data:`~corridorsim.corridors.ROUTING_WEIGHT`). The
network is undirected with symmetric weights, so B → A is the reverse of A → B. A family
that cannot serve a pair is reported as not applicable with the reason; a shortest path
never visits a node twice.

A route is a sequence of *stages*: a :class:`Stop` (a facility where containers are lifted:
origin terminal, gauge change, port, destination terminal) alternating with a :class:`Leg`
(one vehicle trip on one service: a block train, a Caspian feeder, a deep-sea loop). A leg
passes en-route :class:`Waypoint` facilities (borders without transshipment, canals and
straits) without unloading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx
import pandas as pd
from shapely import LineString, line_merge
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge

from corridorsim.corridors import CORRIDORS, CUSTOMS_UNIONS, ROUTING_WEIGHT, Corridor
from corridorsim.errors import RouteError
from corridorsim.network import Network

__all__ = [
    "DEFAULT_DESTINATION",
    "DEFAULT_ORIGIN",
    "ROUTE_FAMILIES",
    "ROUTE_TABLE_COLUMNS",
    "Leg",
    "NotApplicable",
    "Route",
    "RouteFamily",
    "RouteOption",
    "Stop",
    "Waypoint",
    "border_kind",
    "resolve_route",
    "resolve_routes",
    "route_options",
    "route_table",
    "segments_table",
    "stops_table",
]

DEFAULT_ORIGIN = "CN_XIY"
DEFAULT_DESTINATION = "DE_DUI"

#: The shipped route families (the registry in :mod:`corridorsim.corridors`).
ROUTE_FAMILIES: dict[str, Corridor] = CORRIDORS
RouteFamily = Corridor

SERVICE_BY_SEA_AREA = {"deep_sea": "deep_sea", "caspian": "caspian_feeder",
                       "black_sea": "black_sea_feeder", "lake_van": "lake_van_ferry"}
SERVICE_BY_MODE = {"rail": "block_train", "road": "truck"}


@dataclass(frozen=True)
class Waypoint:
    """A facility passed en route without unloading (border, canal, strait)."""

    node: str
    kind: str
    km_from_start: float
    country: str


@dataclass(frozen=True)
class Stop:
    """A facility stage where containers are lifted (terminal, gauge change, port)."""

    index: int
    node: str
    kind: str
    country: str
    role: str  # "origin", "transfer" or "destination"
    km_from_origin: float


@dataclass(frozen=True)
class Leg:
    """One vehicle trip on one service."""

    index: int
    mode: str
    service: str
    from_node: str
    to_node: str
    link_ids: tuple[str, ...]
    km: float
    km_from_origin: float
    gauge_mm: int | None
    sea_area: str | None
    chokepoints: tuple[str, ...]
    countries: tuple[str, ...]
    waypoints: tuple[Waypoint, ...]
    # (country, traction) -> km; traction is "" for sea and road
    km_by_country_traction: tuple[tuple[str, str, float], ...]
    geometry: BaseGeometry = field(repr=False, compare=False)
    assumed: bool = False


@dataclass(frozen=True)
class Route:
    """A route family resolved between one origin and one destination."""

    id: str
    family: RouteFamily
    origin: str
    destination: str
    nodes: tuple[str, ...]
    stages: tuple[Stop | Leg, ...]
    #: "westbound" when the destination lies west of the origin, else "eastbound"
    direction: str = "westbound"

    @property
    def legs(self) -> tuple[Leg, ...]:
        return tuple(s for s in self.stages if isinstance(s, Leg))

    @property
    def stops(self) -> tuple[Stop, ...]:
        return tuple(s for s in self.stages if isinstance(s, Stop))

    @property
    def total_km(self) -> float:
        return sum(leg.km for leg in self.legs)

    def km_by_mode(self, mode: str) -> float:
        return sum(leg.km for leg in self.legs if leg.mode == mode)

    @property
    def countries(self) -> tuple[str, ...]:
        seen: list[str] = []
        for stage in self.stages:
            names = stage.countries if isinstance(stage, Leg) else (stage.country,)
            for c in names:
                if c and c not in seen:
                    seen.append(c)
        return tuple(seen)

    @property
    def chokepoints(self) -> tuple[str, ...]:
        seen: list[str] = []
        for leg in self.legs:
            for c in leg.chokepoints:
                if c not in seen:
                    seen.append(c)
        return tuple(seen)

    @property
    def gauge_changes(self) -> int:
        return sum(1 for s in self.stops if s.kind == "gauge_change")


def _split(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value:
        return ()
    return tuple(v for v in value.split(";") if v)


def _oriented(geom: BaseGeometry, reverse: bool) -> LineString:
    coords = list(geom.coords)
    return LineString(coords[::-1] if reverse else coords)


class NotApplicable(RouteError):
    """A route family cannot serve an origin–destination pair (the message says why)."""


def _country(net: Network, node: str) -> str:
    return str(net.nodes.at[node, "country"])


def _place(net: Network, node: str) -> str:
    return f"{net.nodes.at[node, 'name']} ({node}, {_country(net, node)})"


def border_kind(net: Network, node: str) -> str:
    """``border_internal`` for a border inside a customs union (the node's country and the
    countries of every link at it in one union), else the node's own kind."""
    kind = str(net.nodes.at[node, "kind"])
    if kind != "border":
        return kind
    links = net.links
    countries = {str(c) for c in links.loc[(links["from"] == node) | (links["to"] == node),
                                           "country"].dropna()}
    countries.add(str(net.nodes.at[node, "country"]))
    return "border_internal" if any(countries <= u for u in CUSTOMS_UNIONS) else "border"


def _family_graph(net: Network, fam: Corridor) -> nx.MultiGraph:
    """The part of the network ``fam`` may use, each link weighted by its routing
    impedance ``w`` (cached on the network: built once per family)."""
    cache: dict[Corridor, nx.MultiGraph] = net.cache.setdefault("family_graphs", {})
    if fam in cache:
        return cache[fam]
    nodes, links = net.nodes, net.links
    avoid_c = set(fam.avoid_countries)
    allow_c = set(fam.countries) if fam.countries is not None else None
    avoid_n = set(fam.avoid_nodes)
    sea_links = set(fam.sea_links) if fam.sea_links is not None else None

    def node_ok(n: str, country: str, kind: str) -> bool:
        if n in avoid_n:
            return False
        if kind == "chokepoint" and "sea" in fam.modes:
            return True  # straits and canals: the sea links decide
        if country in avoid_c:
            return False
        return allow_c is None or country in allow_c

    ok_nodes = {n for n, c, k in zip(nodes.index, nodes["country"].astype(str),
                                     nodes["kind"].astype(str), strict=True) if node_ok(n, c, k)}
    g = nx.MultiGraph()
    g.add_nodes_from(ok_nodes)
    for k, a, b, mode, area, crossed_s, km in zip(
            links.index, links["from"], links["to"], links["mode"].astype(str),
            links["sea_area"], links["countries"], links["length_km"], strict=True):
        if a not in ok_nodes or b not in ok_nodes or mode not in fam.modes:
            continue
        if mode == "sea":
            if str(area) not in fam.sea_areas:
                continue
            if sea_links is not None and k not in sea_links and f"{b}-{a}" not in sea_links:
                continue
        else:
            crossed = set(_split(crossed_s))
            if crossed & avoid_c or (allow_c is not None and crossed and not crossed <= allow_c):
                continue
        g.add_edge(a, b, key=k, w=float(km) * ROUTING_WEIGHT.get(mode, 1.0),
                   length_km=float(km))
    cache[fam] = g
    return g


def _why_not(net: Network, fam: Corridor, origin: str, destination: str) -> str | None:
    """Why ``fam`` cannot serve the pair at all (an end in a country it avoids), or None."""
    for label, n in (("origin", origin), ("destination", destination)):
        c = _country(net, n)
        if c in fam.avoid_countries:
            return f"the {label} {_place(net, n)} is in {c}, which {fam.id} does not enter"
        if fam.countries is not None and c not in fam.countries:
            reach = "China and Europe" if fam.deep_sea else ", ".join(fam.countries)
            return (f"the {label} {_place(net, n)} lies outside what {fam.id} serves "
                    f"({reach})")
        if n in fam.avoid_nodes:
            return f"{fam.id} does not use {_place(net, n)}"
    return None


def _node_path(net: Network, fam: Corridor, origin: str, destination: str
               ) -> list[tuple[str, str, str]]:
    """The family's least-impedance path as (from, to, link_id) steps."""
    reason = _why_not(net, fam, origin, destination)
    if reason:
        raise NotApplicable(f"{fam.id} cannot serve {origin} → {destination}: {reason}")
    graph = _family_graph(net, fam)
    try:
        path = nx.dijkstra_path(graph, origin, destination, weight="w")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        raise NotApplicable(
            f"{fam.id} cannot serve {origin} → {destination}: no path on the network within "
            f"its definition ({fam.label})") from None
    gates = {n for group in fam.gateways for n in group}
    if gates and not gates & set(path):
        names = ", ".join(sorted({str(net.nodes.at[n, "name"]).split(" (")[0]
                                  for n in gates if n in net.nodes.index}))
        raise NotApplicable(
            f"{fam.id} cannot serve {origin} → {destination}: the pair does not use this "
            f"corridor (its path passes none of {fam.id}'s gateways: {names})")
    steps: list[tuple[str, str, str]] = []
    for u, v in pairwise(path):
        edges = graph.get_edge_data(u, v)
        lid = min(edges, key=lambda k: (float(edges[k]["w"]), k))
        steps.append((u, v, lid))
    return steps


def resolve_route(
    net: Network,
    family: RouteFamily | str,
    *,
    origin: str = DEFAULT_ORIGIN,
    destination: str = DEFAULT_DESTINATION,
) -> Route:
    """Resolve a route family between ``origin`` and ``destination`` into stages (once per
    network: checking a scenario and running it share the result)."""
    if isinstance(family, str):
        if family not in ROUTE_FAMILIES:
            raise RouteError(f"unknown route family {family!r}; allowed: "
                             f"{', '.join(ROUTE_FAMILIES)}")
        fam = ROUTE_FAMILIES[family]
    else:
        fam = family
    memo: dict[tuple[Corridor, str, str], Route | RouteError] = net.cache.setdefault(
        "routes", {})
    key = (fam, origin, destination)
    if key not in memo:
        try:
            memo[key] = _resolve(net, fam, origin, destination)
        except RouteError as exc:
            memo[key] = exc
    found = memo[key]
    if isinstance(found, RouteError):
        raise found.with_traceback(None)
    return found


def _resolve(net: Network, fam: Corridor, origin: str, destination: str) -> Route:
    for label, nid in (("origin", origin), ("destination", destination)):
        if nid not in net.nodes.index:
            raise RouteError(f"route {fam.id!r}: unknown {label} node {nid!r}")
    if origin == destination:
        raise NotApplicable(f"{fam.id}: origin and destination are the same place ({origin})")
    steps = _node_path(net, fam, origin, destination)
    links, nodes = net.links, net.nodes

    # group steps into legs: break at a change of mode, gauge or sea area, at a gauge-change
    # node, and where a ship calls at a port; a train runs through terminals, hubs and port
    # cities on its way (no re-consolidation there)
    groups: list[list[tuple[str, str, str]]] = []
    for step in steps:
        u, _, lid = step
        if groups:
            prev_lid = groups[-1][-1][2]
            p, c = links.loc[prev_lid], links.loc[lid]
            same = (
                p["mode"] == c["mode"]
                and (p["gauge_mm"] == c["gauge_mm"] or p["mode"] != "rail")
                and (p["sea_area"] == c["sea_area"] or p["mode"] != "sea")
                and nodes.at[u, "kind"] != "gauge_change"
                and not (c["mode"] == "sea" and nodes.at[u, "kind"] == "port")
            )
            if same:
                groups[-1].append(step)
                continue
        groups.append([step])

    stages: list[Stop | Leg] = []
    km_done = 0.0

    def add_stop(node: str, role: str, by_sea: bool = False) -> None:
        """An end of the route is a port only where the ship berths there; a train reaching a
        port city ends at its rail terminal."""
        kind = border_kind(net, node)
        if role != "transfer" and not (kind == "gauge_change" or (kind == "port" and by_sea)):
            kind = "terminal"
        stages.append(Stop(len(stages), node, kind, str(nodes.at[node, "country"]), role, km_done))

    add_stop(origin, "origin", by_sea=bool(groups) and links.at[groups[0][0][2], "mode"] == "sea")
    for gi, group in enumerate(groups):
        first = links.loc[group[0][2]]
        mode = str(first["mode"])
        sea_area = first["sea_area"] if mode == "sea" else None
        service = SERVICE_BY_SEA_AREA[str(sea_area)] if mode == "sea" else SERVICE_BY_MODE[mode]
        km = 0.0
        waypoints_: list[Waypoint] = []
        countries: list[str] = []
        chokepoints: list[str] = []
        km_ct: dict[tuple[str, str], float] = {}
        geoms: list[LineString] = []
        assumed = False
        for si, (u, _v, lid) in enumerate(group):
            rec = links.loc[lid]
            reverse = rec["from"] != u
            if si > 0 and nodes.at[u, "kind"] in ("border", "chokepoint"):
                waypoints_.append(Waypoint(u, border_kind(net, u), km, str(nodes.at[u, "country"])))
            link_countries = list(_split(rec["countries"]))
            for c in (link_countries[::-1] if reverse else link_countries):
                if c not in countries:
                    countries.append(c)
            for c in _split(rec["chokepoints"]):
                if c not in chokepoints:
                    chokepoints.append(c)
            length = float(rec["length_km"])
            traction = str(rec["traction"]) if mode == "rail" and rec["traction"] else ""
            by_country = dict(rec["km_by_country"])
            total_c = sum(by_country.values())
            if mode != "sea" and total_c > 0:
                for c, ckm in by_country.items():
                    key = (c, traction)
                    km_ct[key] = km_ct.get(key, 0.0) + length * ckm / total_c
            else:
                land = str(rec["country"] or nodes.at[u, "country"] or "")
                key = ("" if mode == "sea" else land, traction)
                km_ct[key] = km_ct.get(key, 0.0) + length
            km += length
            geoms.append(_oriented(rec.geometry, reverse))
            assumed = assumed or bool(rec.get("assumed", False))
        merged = linemerge(geoms) if len(geoms) > 1 else geoms[0]
        if merged.geom_type != "LineString":
            merged = line_merge(merged)
        stages.append(
            Leg(
                index=len(stages),
                mode=mode,
                service=service,
                from_node=group[0][0],
                to_node=group[-1][1],
                link_ids=tuple(s[2] for s in group),
                km=km,
                km_from_origin=km_done,
                gauge_mm=int(first["gauge_mm"]) if mode == "rail" else None,
                sea_area=str(sea_area) if sea_area else None,
                chokepoints=tuple(chokepoints),
                countries=tuple(countries),
                waypoints=tuple(waypoints_),
                km_by_country_traction=tuple((c, t, k) for (c, t), k in km_ct.items()),
                geometry=merged,
                assumed=assumed,
            )
        )
        km_done += km
        add_stop(group[-1][1], "destination" if gi == len(groups) - 1 else "transfer",
                 by_sea=mode == "sea")
    west = float(nodes.geometry[destination].x) < float(nodes.geometry[origin].x)
    return Route(
        id=fam.id, family=fam, origin=origin, destination=destination,
        nodes=tuple([steps[0][0], *[s[1] for s in steps]]) if steps else (origin,),
        stages=tuple(stages), direction="westbound" if west else "eastbound",
    )


@dataclass(frozen=True)
class RouteOption:
    """A family's answer for one pair: its route, or why it has none."""

    family: str
    route: Route | None
    reason: str = ""


def route_options(
    net: Network,
    families: Iterable[str] | None = None,
    *,
    origin: str = DEFAULT_ORIGIN,
    destination: str = DEFAULT_DESTINATION,
    distinct: bool = True,
    registry: Mapping[str, Corridor] | None = None,
) -> list[RouteOption]:
    """Every family's route for the pair, or the reason it has none.

    ``families`` are ids in ``registry`` (the shipped :data:`ROUTE_FAMILIES` by default). With
    ``distinct`` a family whose path is the same as an earlier family's (e.g. two Middle
    Corridor variants between China and Almaty, before their crossings differ) is reported as
    not applicable, naming that family, so that no route is offered twice.
    """
    fams = registry if registry is not None else ROUTE_FAMILIES
    ids = list(families) if families is not None else list(fams)
    unknown = [f for f in ids if f not in fams]
    if unknown:
        raise RouteError(f"unknown route family {unknown[0]!r}; allowed: {', '.join(fams)}")
    out: list[RouteOption] = []
    seen: dict[tuple[str, ...], str] = {}
    for f in ids:
        try:
            r = resolve_route(net, fams[f], origin=origin, destination=destination)
        except NotApplicable as exc:
            out.append(RouteOption(f, None, str(exc).split(": ", 1)[-1]))
            continue
        if distinct and r.nodes in seen:
            out.append(RouteOption(f, None, f"same path as {seen[r.nodes]} for this pair"))
            continue
        seen[r.nodes] = f
        out.append(RouteOption(f, r))
    return out


def resolve_routes(
    net: Network,
    families: Iterable[str] | None = None,
    *,
    origin: str = DEFAULT_ORIGIN,
    destination: str = DEFAULT_DESTINATION,
) -> dict[str, Route]:
    """The routes of the families that serve the pair (all shipped families by default)."""
    return {o.family: o.route for o in route_options(net, families, origin=origin,
                                                       destination=destination)
            if o.route is not None}


def route_via(route: Route) -> str:
    """The node ids of the route in order, ``;``-separated."""
    return ";".join(route.nodes)


ROUTE_TABLE_COLUMNS = ["route", "origin", "destination", "total_km", "rail_km", "sea_km",
                       "road_km", "countries", "chokepoints", "legs", "transshipments",
                       "gauge_changes", "borders", "via"]


def route_table(routes: dict[str, Route]) -> pd.DataFrame:
    """One row per route: the ``corridorsim routes`` table."""
    rows = []
    for r in routes.values():
        rows.append({
            "route": r.id,
            "origin": r.origin,
            "destination": r.destination,
            "total_km": round(r.total_km, 1),
            "rail_km": round(r.km_by_mode("rail"), 1),
            "sea_km": round(r.km_by_mode("sea"), 1),
            "road_km": round(r.km_by_mode("road"), 1),
            "countries": ";".join(r.countries),
            "chokepoints": ";".join(r.chokepoints),
            "legs": len(r.legs),
            "transshipments": sum(1 for s in r.stops if s.role == "transfer"),
            "gauge_changes": r.gauge_changes,
            "borders": sum(1 for leg in r.legs for w in leg.waypoints
                           if w.kind in ("border", "border_internal"))
            + sum(1 for s in r.stops if s.kind == "gauge_change"),
            "via": route_via(r),
        })
    return pd.DataFrame(rows, columns=ROUTE_TABLE_COLUMNS)


def segments_table(routes: dict[str, Route]) -> pd.DataFrame:
    """Static route structure for accounting: one row per (route, leg, country, traction)."""
    rows = [
        {"route": r.id, "stage_index": leg.index, "mode": leg.mode, "service": leg.service,
         "sea_area": leg.sea_area or "", "country": c, "traction": t, "km": k}
        for r in routes.values() for leg in r.legs for c, t, k in leg.km_by_country_traction
    ]
    return pd.DataFrame(rows, columns=["route", "stage_index", "mode", "service", "sea_area",
                                       "country", "traction", "km"])


def stops_table(routes: dict[str, Route]) -> pd.DataFrame:
    """Static facility stops for accounting: one row per (route, stop)."""
    rows = [
        {"route": r.id, "stage_index": s.index, "node": s.node, "kind": s.kind,
         "transshipment": True, "country": s.country}
        for r in routes.values() for s in r.stops
    ]
    rows += [
        {"route": r.id, "stage_index": leg.index, "node": w.node, "kind": w.kind,
         "transshipment": False, "country": w.country}
        for r in routes.values() for leg in r.legs for w in leg.waypoints
    ]
    return pd.DataFrame(rows, columns=["route", "stage_index", "node", "kind", "transshipment",
                                       "country"])
