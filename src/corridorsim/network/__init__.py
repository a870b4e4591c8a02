"""Load and validate the corridor network (nodes + links) from geodata files.

The network is two GeoDataFrames (``nodes``, ``links``) in EPSG:4326 plus an undirected
:class:`networkx.MultiGraph` whose edges carry the link attributes. Every problem with the
data raises :class:`~corridorsim.errors.NetworkError` naming the file and the feature id.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from corridorsim.errors import NetworkError
from corridorsim.network.checks import (
    GEOD,
    LINK_MODES,
    NODE_KINDS,
    SEA_AREAS,
    as_int,
    validate_network,
)

if TYPE_CHECKING:
    from shapely.geometry import Point

__all__ = [
    "GAUGE_BY_COUNTRY",
    "LINK_MODES",
    "NODE_KINDS",
    "SEA_AREAS",
    "Network",
    "default_geodata_dir",
    "extend_network",
    "load_network",
    "validate_network",
]

#: Track gauge by country where a planner's rail link does not say (facts §1: S59, S66,
#: S69, S70): 1520 mm in the former Soviet Union and Mongolia, 1435 mm elsewhere.
GAUGE_BY_COUNTRY = {c: 1520 for c in ("RUS", "BLR", "KAZ", "UZB", "TKM", "KGZ", "TJK", "AZE",
                                      "GEO", "ARM", "MNG", "UKR", "MDA", "LTU", "LVA", "EST",
                                      "FIN")}


def default_geodata_dir() -> Path:
    """The geodata shipped with corridorsim (``corridorsim/data/geodata``)."""
    return Path(str(resources.files("corridorsim") / "data" / "geodata"))


@dataclass(frozen=True)
class Network:
    """A validated corridor network.

    Attributes
    ----------
    nodes : GeoDataFrame
        Indexed by node id; columns ``name, country, kind, gauge_mm, source`` and Point geometry.
    links : GeoDataFrame
        Indexed by link id; columns ``from, to, mode, gauge_mm, traction, country, countries,
        km_by_country, sea_area, chokepoints, length_km, ...`` and LineString geometry.
    graph : networkx.MultiGraph
        Nodes are node ids; each edge has key = link id and the link's attributes.
    source : str
        The geodata folder the network was read from (``countries.geojson`` lies there too).
    added : str
        What was added to it (a scenario's ``network:`` section), for ``run.json``.
    cache : dict
        What is derived from the network once and reused (the place-name index, each
        family's graph, resolved routes); a network is never changed, so it never goes stale.
    """

    nodes: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    graph: nx.MultiGraph = field(repr=False)
    source: str = ""
    added: str = ""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def names(self) -> dict[str, str]:
        """Node id → place name (built once per network)."""
        got: dict[str, str] | None = self.cache.get("names")
        if got is None:
            got = self.cache["names"] = {str(k): str(v)
                                         for k, v in self.nodes["name"].items()}
        return got


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise NetworkError(f"{path}: file not found (expected a GeoJSON or GeoPackage layer)")
    try:
        return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise NetworkError(f"{path}: cannot be read as a vector layer ({exc})") from exc


def _as_dict(value: Any, path: Path, lid: str) -> dict[str, float]:
    if isinstance(value, dict):
        raw = value
    elif value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return {}
    else:
        try:
            raw = json.loads(value)
        except (TypeError, ValueError) as exc:
            raise NetworkError(
                f"{path}: link {lid!r} has km_by_country {value!r}; expected a JSON object "
                'like {"KAZ": 812.3}'
            ) from exc
    if not isinstance(raw, dict) or not all(
        isinstance(v, (int, float)) and v >= 0 for v in raw.values()
    ):
        raise NetworkError(
            f"{path}: link {lid!r} has km_by_country {value!r}; expected ISO3 → km >= 0"
        )
    return {str(k): float(v) for k, v in raw.items()}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def load_network(geodata_dir: Path | str | None = None) -> Network:
    """Read ``nodes.geojson`` and ``links.geojson`` from ``geodata_dir`` and validate them.

    Parameters
    ----------
    geodata_dir
        Folder holding ``nodes.geojson`` and ``links.geojson``. Defaults to the geodata
        shipped with the package.
    """
    folder = Path(geodata_dir) if geodata_dir is not None else default_geodata_dir()
    npath, lpath = folder / "nodes.geojson", folder / "links.geojson"
    nodes, links = _read(npath), _read(lpath)
    validate_network(nodes, links, nodes_path=npath, links_path=lpath)
    # length is always the geodesic length of the geometry (km)
    links = links.copy()
    links["length_km"] = [round(GEOD.geometry_length(g) / 1000.0, 3) for g in links.geometry]
    for col, default in (
        ("gauge_mm", None), ("traction", None), ("sea_area", None), ("chokepoints", ""),
        ("countries", ""), ("km_by_country", None), ("country", None), ("assumed", False),
        ("source", ""), ("note", ""), ("geometry_source", ""),
    ):
        if col not in links.columns:
            links[col] = default
    for col in ("gauge_mm", "source"):
        if col not in nodes.columns:
            nodes[col] = None
    for col in ("roles", "aliases"):
        if col not in nodes.columns:
            nodes[col] = ""
        nodes[col] = nodes[col].fillna("").astype(str)
    # GeoJSON readers may parse the km_by_country JSON text into dicts; keep one form: dict
    links["km_by_country"] = [_as_dict(v, lpath, lid) for v, lid in
                              zip(links["km_by_country"], links["id"], strict=True)]
    nodes = nodes.set_index("id", drop=False)
    links = links.set_index("id", drop=False)
    graph = nx.MultiGraph()
    for rec in nodes.drop(columns="geometry").to_dict("records"):
        graph.add_node(rec["id"], **{k: _clean(v) for k, v in rec.items()})
    for rec in links.drop(columns="geometry").to_dict("records"):
        attrs = {k: _clean(v) for k, v in rec.items()}
        graph.add_edge(rec["from"], rec["to"], key=rec["id"], **attrs)
    return Network(nodes=nodes, links=links, graph=graph, source=str(folder))


def _frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    df = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    return df.set_index("id", drop=False)


def _added_nodes(net: Network, nodes: list[dict[str, Any]], source: str
                 ) -> list[dict[str, Any]]:
    """Records (with Point geometry) of a scenario's ``network.nodes``."""
    from shapely.geometry import Point

    new_nodes = []
    for n in nodes:
        if n["id"] in net.nodes.index:
            raise NetworkError(f"{source}: network.nodes: id {n['id']!r} already exists "
                               f"({net.nodes.at[n['id'], 'name']}); pick another id")
        new_nodes.append({
            "id": n["id"], "name": n["name"], "country": n["country"], "kind": n["kind"],
            "gauge_mm": n.get("gauge_mm"), "source": n.get("source") or source,
            "roles": ";".join(n.get("roles") or ("od",)),
            "aliases": ";".join(n.get("aliases") or ()),
            "geometry": Point(float(n["lon"]), float(n["lat"])),
        })
    return new_nodes


def _added_link(i: int, lk: dict[str, Any], net: Network, all_nodes: gpd.GeoDataFrame,
                pts: dict[str, Point], source: str) -> dict[str, Any]:
    """The record (with LineString geometry) of a scenario's ``network.links[i]``;
    ``all_nodes`` are the network's and the scenario's places, ``pts`` their points."""
    from shapely.geometry import LineString

    a, b, mode = lk["from"], lk["to"], lk.get("mode", "rail")
    for end in (a, b):
        if end not in pts:
            raise NetworkError(f"{source}: network.links[{i}]: no node {end!r} (give a "
                               "shipped node id or one added under network.nodes)")
    lid = f"{a}-{b}"
    if lid in net.links.index:
        raise NetworkError(f"{source}: network.links[{i}]: link {lid!r} already exists")
    if lk.get("geometry"):
        coords = [tuple(map(float, c)) for c in lk["geometry"]]
        coords = [(pts[a].x, pts[a].y), *coords, (pts[b].x, pts[b].y)]
        coords = [c for j, c in enumerate(coords) if j == 0 or c != coords[j - 1]]
        assumed = bool(lk.get("assumed") or False)
        gsrc = "scenario"
    else:
        coords = [(pts[a].x, pts[a].y), (pts[b].x, pts[b].y)]
        assumed, gsrc = True, "straight line (assumed)"
    if len(coords) < 2:
        raise NetworkError(f"{source}: network.links[{i}]: {a} and {b} are the same point")
    geom = LineString(coords)
    ca, cb = str(all_nodes.at[a, "country"]), str(all_nodes.at[b, "country"])
    km = GEOD.geometry_length(geom) / 1000.0
    if mode == "sea":
        kmc: dict[str, float] = {}
        crossed = ""
    else:
        kmc = {ca: km} if ca == cb else {ca: km / 2.0, cb: km / 2.0}
        crossed = ca if ca == cb else f"{ca};{cb}"
    gauge = lk.get("gauge_mm")
    if mode == "rail" and gauge is None:
        ga, gb = all_nodes.at[a, "gauge_mm"], all_nodes.at[b, "gauge_mm"]
        gauge = next((int(g) for g in (ga, gb) if as_int(g)),
                     GAUGE_BY_COUNTRY.get(ca, 1435))
    return {
        "id": lid, "from": a, "to": b, "mode": mode,
        "gauge_mm": gauge if mode == "rail" else None,
        "traction": (lk.get("traction") or "diesel") if mode == "rail" else None,
        "country": ca if mode != "sea" else None, "countries": crossed,
        "km_by_country": kmc, "sea_area": lk.get("sea_area") if mode == "sea" else None,
        "chokepoints": "", "geometry_source": gsrc, "source": lk.get("source") or source,
        "assumed": assumed or (mode == "rail" and not lk.get("traction")),
        "note": "added by the scenario" + ("; straight line" if gsrc != "scenario" else ""),
        "length_km": round(km, 3), "geometry": geom,
    }


def extend_network(net: Network, nodes: list[dict[str, Any]], links: list[dict[str, Any]],
                   *, source: str = "scenario") -> Network:
    """A copy of ``net`` with places and links added (a scenario's ``network:`` section).

    ``nodes``: dicts with ``id, name, country, kind, lon, lat`` (optional ``gauge_mm, roles,
    aliases, source``). ``links``: dicts with ``from, to, mode`` (optional ``gauge_mm,
    traction, sea_area, geometry`` as ``[[lon, lat], ...]``, ``source, assumed``). A link
    without geometry is a straight line flagged ``assumed``. Everything is validated like
    the shipped geodata (:func:`validate_network`); problems name ``source``.
    """
    if not nodes and not links:
        return net
    new_nodes = _added_nodes(net, nodes, source)
    all_nodes = pd.concat([net.nodes, _frame(new_nodes)]) if new_nodes else net.nodes
    pts = dict(zip(all_nodes.index, all_nodes.geometry, strict=True))
    new_links = [_added_link(i, lk, net, all_nodes, pts, source) for i, lk in enumerate(links)]
    all_links = pd.concat([net.links, _frame(new_links)]) if new_links else net.links
    check_nodes = all_nodes.reset_index(drop=True)
    check_links = all_links.reset_index(drop=True)
    validate_network(check_nodes, check_links, nodes_path=f"{source}: network.nodes",
                     links_path=f"{source}: network.links")
    graph = net.graph.copy()
    for rec in new_nodes:
        graph.add_node(rec["id"], **{k: v for k, v in rec.items() if k != "geometry"})
    for rec in new_links:
        graph.add_edge(rec["from"], rec["to"], key=rec["id"],
                       **{k: v for k, v in rec.items() if k != "geometry"})
    return Network(nodes=gpd.GeoDataFrame(all_nodes, crs="EPSG:4326"),
                   links=gpd.GeoDataFrame(all_links, crs="EPSG:4326"), graph=graph,
                   source=net.source,
                   added=f"{len(new_nodes)} node(s), {len(new_links)} link(s) from {source}")
