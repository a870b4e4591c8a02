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

The path itself is found in :mod:`corridorsim.routing.paths`; every family's answer for a
pair, and the route tables, are in :mod:`corridorsim.routing.options` and
:mod:`corridorsim.routing.tables`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from shapely import LineString, line_merge
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge

from corridorsim.corridors import CORRIDORS, CUSTOMS_UNIONS, Corridor
from corridorsim.errors import NotApplicable, RouteError
from corridorsim.network import Network
from corridorsim.routing.paths import Step, node_country, node_path, split_tags

__all__ = [
    "DEFAULT_DESTINATION",
    "DEFAULT_ORIGIN",
    "ROUTE_FAMILIES",
    "Leg",
    "Route",
    "RouteFamily",
    "Stop",
    "Waypoint",
    "border_kind",
    "resolve_route",
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


def _oriented(geom: BaseGeometry, reverse: bool) -> LineString:
    coords = list(geom.coords)
    return LineString(coords[::-1] if reverse else coords)


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


# ----------------------------------------------------------------------------- the stages
def _group_steps(net: Network, steps: list[Step]) -> list[list[Step]]:
    """Steps grouped into legs: a break at a change of mode, gauge or sea area, at a
    gauge-change node, and where a ship calls at a port; a train runs through terminals,
    hubs and port cities on its way (no re-consolidation there)."""
    links, nodes = net.links, net.nodes
    groups: list[list[Step]] = []
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
    return groups


def _stop(net: Network, node: str, role: str, index: int, km_from_origin: float,
          by_sea: bool = False) -> Stop:
    """An end of the route is a port only where the ship berths there; a train reaching a
    port city ends at its rail terminal."""
    kind = border_kind(net, node)
    if role != "transfer" and not (kind == "gauge_change" or (kind == "port" and by_sea)):
        kind = "terminal"
    return Stop(index, node, kind, node_country(net, node), role, km_from_origin)


def _add_unique(seen: list[str], names: Iterable[str]) -> None:
    for name in names:
        if name not in seen:
            seen.append(name)


def _add_km(km_ct: dict[tuple[str, str], float], rec: pd.Series, mode: str,
            node_country: object) -> None:
    """Add a link's km to ``km_ct`` by (country, traction): split by its km per country
    where known, else all to the link's (or its start node's) country; sea is countryless."""
    length = float(rec["length_km"])
    traction = str(rec["traction"]) if mode == "rail" and rec["traction"] else ""
    by_country = dict(rec["km_by_country"])
    total_c = sum(by_country.values())
    if mode != "sea" and total_c > 0:
        for c, ckm in by_country.items():
            key = (c, traction)
            km_ct[key] = km_ct.get(key, 0.0) + length * ckm / total_c
    else:
        land = str(rec["country"] or node_country or "")
        key = ("" if mode == "sea" else land, traction)
        km_ct[key] = km_ct.get(key, 0.0) + length


def _leg(net: Network, group: list[Step], index: int, km_from_origin: float) -> Leg:
    """One leg from a group of steps on one service."""
    links, nodes = net.links, net.nodes
    first = links.loc[group[0][2]]
    mode = str(first["mode"])
    sea_area = first["sea_area"] if mode == "sea" else None
    km = 0.0
    waypoints: list[Waypoint] = []
    countries: list[str] = []
    chokepoints: list[str] = []
    km_ct: dict[tuple[str, str], float] = {}
    geoms: list[LineString] = []
    assumed = False
    for si, (u, _v, lid) in enumerate(group):
        rec = links.loc[lid]
        reverse = rec["from"] != u
        if si > 0 and nodes.at[u, "kind"] in ("border", "chokepoint"):
            waypoints.append(Waypoint(u, border_kind(net, u), km, node_country(net, u)))
        link_countries = list(split_tags(rec["countries"]))
        _add_unique(countries, link_countries[::-1] if reverse else link_countries)
        _add_unique(chokepoints, split_tags(rec["chokepoints"]))
        _add_km(km_ct, rec, mode, nodes.at[u, "country"])
        km += float(rec["length_km"])
        geoms.append(_oriented(rec.geometry, reverse))
        assumed = assumed or bool(rec.get("assumed", False))
    merged = linemerge(geoms) if len(geoms) > 1 else geoms[0]
    if merged.geom_type != "LineString":
        merged = line_merge(merged)
    return Leg(
        index=index,
        mode=mode,
        service=SERVICE_BY_SEA_AREA[str(sea_area)] if mode == "sea" else SERVICE_BY_MODE[mode],
        from_node=group[0][0],
        to_node=group[-1][1],
        link_ids=tuple(s[2] for s in group),
        km=km,
        km_from_origin=km_from_origin,
        gauge_mm=int(first["gauge_mm"]) if mode == "rail" else None,
        sea_area=str(sea_area) if sea_area else None,
        chokepoints=tuple(chokepoints),
        countries=tuple(countries),
        waypoints=tuple(waypoints),
        km_by_country_traction=tuple((c, t, k) for (c, t), k in km_ct.items()),
        geometry=merged,
        assumed=assumed,
    )


# ---------------------------------------------------------------------------- the router
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
    steps = node_path(net, fam, origin, destination)
    groups = _group_steps(net, steps)
    links, nodes = net.links, net.nodes
    first_by_sea = bool(groups) and links.at[groups[0][0][2], "mode"] == "sea"
    stages: list[Stop | Leg] = [_stop(net, origin, "origin", 0, 0.0, by_sea=first_by_sea)]
    km_done = 0.0
    for gi, group in enumerate(groups):
        leg = _leg(net, group, len(stages), km_done)
        stages.append(leg)
        km_done += leg.km
        role = "destination" if gi == len(groups) - 1 else "transfer"
        stages.append(_stop(net, group[-1][1], role, len(stages), km_done,
                            by_sea=leg.mode == "sea"))
    west = float(nodes.geometry[destination].x) < float(nodes.geometry[origin].x)
    return Route(
        id=fam.id, family=fam, origin=origin, destination=destination,
        nodes=tuple([steps[0][0], *[s[1] for s in steps]]) if steps else (origin,),
        stages=tuple(stages), direction="westbound" if west else "eastbound",
    )
