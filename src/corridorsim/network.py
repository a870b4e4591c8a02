"""Load and validate the corridor network (nodes + links) from geodata files.

The network is two GeoDataFrames (``nodes``, ``links``) in EPSG:4326 plus an undirected
:class:`networkx.MultiGraph` whose edges carry the link attributes. Every problem with the
data raises :class:`~corridorsim.errors.NetworkError` naming the file and the feature id.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from pyproj import CRS, Geod

from corridorsim.errors import NetworkError

__all__ = [
    "GAUGE_BY_COUNTRY",
    "LINK_MODES",
    "NODE_KINDS",
    "Network",
    "default_geodata_dir",
    "extend_network",
    "load_network",
    "validate_network",
]

NODE_KINDS = ("terminal", "border", "gauge_change", "port", "hub", "chokepoint")
LINK_MODES = ("rail", "sea", "road")
GAUGES_MM = (1435, 1520)
TRACTIONS = ("electric", "diesel")
SEA_AREAS = ("deep_sea", "caspian", "black_sea", "lake_van")
NODE_COLUMNS = ("id", "name", "country", "kind")
LINK_COLUMNS = ("id", "from", "to", "mode")
# Tolerance for the geometry endpoint matching its node (degrees, ~1 km).
ENDPOINT_TOL_DEG = 0.01
# Relative tolerance between the stored length_km and the geodesic length of the geometry.
LENGTH_REL_TOL = 0.01

_GEOD = Geod(ellps="WGS84")

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


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise NetworkError(f"{path}: file not found (expected a GeoJSON or GeoPackage layer)")
    try:
        return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise NetworkError(f"{path}: cannot be read as a vector layer ({exc})") from exc


def _check_crs(gdf: gpd.GeoDataFrame, path: Path) -> None:
    if gdf.crs is None:
        raise NetworkError(f"{path}: missing CRS; expected EPSG:4326 (lon/lat WGS84)")
    if CRS.from_user_input(gdf.crs) != CRS.from_epsg(4326):
        raise NetworkError(
            f"{path}: CRS is {gdf.crs.to_string()}; expected EPSG:4326 (lon/lat WGS84)"
        )


def _check_columns(gdf: gpd.GeoDataFrame, path: Path, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise NetworkError(f"{path}: missing column(s) {', '.join(missing)}")


def _check_ids(gdf: gpd.GeoDataFrame, path: Path, what: str) -> None:
    ids = gdf["id"]
    bad = ids[ids.isna() | (ids.astype(str).str.strip() == "")]
    if len(bad):
        raise NetworkError(f"{path}: {what} at row {int(bad.index[0])} has an empty id")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise NetworkError(f"{path}: duplicate {what} id {dup.iloc[0]!r}; ids must be unique")


def _check_geometry(gdf: gpd.GeoDataFrame, path: Path, what: str, geom_type: str) -> None:
    for fid, geom in zip(gdf["id"], gdf.geometry, strict=True):
        if geom is None or geom.is_empty:
            raise NetworkError(f"{path}: {what} {fid!r} has an empty or missing geometry")
        if geom.geom_type != geom_type:
            raise NetworkError(
                f"{path}: {what} {fid!r} has a {geom.geom_type} geometry; expected {geom_type}"
            )
        if geom_type == "LineString" and not _GEOD.geometry_length(geom) > 0:
            raise NetworkError(f"{path}: {what} {fid!r} has non-positive length (0 km geometry)")
        if not geom.is_valid:
            raise NetworkError(f"{path}: {what} {fid!r} has an invalid geometry")
        xs, ys = geom.xy if geom_type == "LineString" else ([geom.x], [geom.y])
        if any(not (-180 <= x <= 200 and -90 <= y <= 90) for x, y in zip(xs, ys, strict=True)):
            raise NetworkError(
                f"{path}: {what} {fid!r} has coordinates outside lon -180..200 / lat -90..90"
            )


def validate_network(
    nodes: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame,
    *,
    nodes_path: Path | str = "nodes",
    links_path: Path | str = "links",
) -> None:
    """Check nodes and links; raise :class:`NetworkError` on the first problem found."""
    npath, lpath = Path(nodes_path), Path(links_path)
    for gdf, path, cols, what, gtype in (
        (nodes, npath, NODE_COLUMNS, "node", "Point"),
        (links, lpath, LINK_COLUMNS, "link", "LineString"),
    ):
        _check_crs(gdf, path)
        _check_columns(gdf, path, cols)
        if gdf.empty:
            raise NetworkError(f"{path}: no features; expected at least one {what}")
        _check_ids(gdf, path, what)
        _check_geometry(gdf, path, what, gtype)

    for fid, kind in zip(nodes["id"], nodes["kind"], strict=True):
        if kind not in NODE_KINDS:
            raise NetworkError(
                f"{npath}: node {fid!r} has kind {kind!r}; allowed: {', '.join(NODE_KINDS)}"
            )
    node_pts = dict(zip(nodes["id"], nodes.geometry, strict=True))
    for rec in links[["id", "from", "to"]].to_dict("records"):
        lid = rec["id"]
        for end in ("from", "to"):
            nid = rec[end]
            if nid not in node_pts:
                raise NetworkError(
                    f"{lpath}: link {lid!r} has dangling '{end}' endpoint {nid!r}: "
                    f"no node with that id in {npath}"
                )
    for rec in links.to_dict("records"):
        lid, mode = rec["id"], rec["mode"]
        if mode not in LINK_MODES:
            raise NetworkError(
                f"{lpath}: link {lid!r} has mode {mode!r}; allowed: {', '.join(LINK_MODES)}"
            )
        if mode == "rail":
            gauge = rec.get("gauge_mm")
            if _as_int(gauge) not in GAUGES_MM:
                raise NetworkError(
                    f"{lpath}: rail link {lid!r} has gauge_mm {gauge!r}; allowed: 1435, 1520"
                )
            if rec.get("traction") not in TRACTIONS:
                raise NetworkError(
                    f"{lpath}: rail link {lid!r} has traction {rec.get('traction')!r}; "
                    "allowed: electric, diesel"
                )
        if mode == "sea" and rec.get("sea_area") not in SEA_AREAS:
            raise NetworkError(
                f"{lpath}: sea link {lid!r} has sea_area {rec.get('sea_area')!r}; "
                f"allowed: {', '.join(SEA_AREAS)}"
            )
        geom = rec["geometry"]
        start, end = geom.coords[0], geom.coords[-1]
        for label, nid, pt in (("start", rec["from"], start), ("end", rec["to"], end)):
            node = node_pts[nid]
            if abs(node.x - pt[0]) > ENDPOINT_TOL_DEG or abs(node.y - pt[1]) > ENDPOINT_TOL_DEG:
                raise NetworkError(
                    f"{lpath}: link {lid!r} geometry {label}s at ({pt[0]:.4f}, {pt[1]:.4f}), "
                    f"not at its node {nid!r} ({node.x:.4f}, {node.y:.4f})"
                )
        geod_km = _GEOD.geometry_length(geom) / 1000.0
        if not geod_km > 0:
            raise NetworkError(f"{lpath}: link {lid!r} has non-positive length ({geod_km:.3f} km)")
        stored = rec.get("length_km")
        if stored is not None and not (isinstance(stored, float) and math.isnan(stored)):
            if isinstance(stored, bool) or not isinstance(stored, numbers.Real):
                raise NetworkError(
                    f"{lpath}: link {lid!r} has length_km {stored!r}; expected a number of km"
                )
            if not stored > 0:
                raise NetworkError(
                    f"{lpath}: link {lid!r} has non-positive length_km {stored!r}"
                )
            if abs(stored - geod_km) > LENGTH_REL_TOL * geod_km + 0.2:
                raise NetworkError(
                    f"{lpath}: link {lid!r} has length_km {stored:.1f} but its geometry "
                    f"measures {geod_km:.1f} km geodesically"
                )


def _as_int(value: Any) -> int | None:
    """``value`` as a whole number, or None (missing, NaN, text, 1435.5, ...)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) and f == int(f) else None


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
    links["length_km"] = [round(_GEOD.geometry_length(g) / 1000.0, 3) for g in links.geometry]
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
    from shapely.geometry import LineString, Point

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
    all_nodes = pd.concat([net.nodes, _frame(new_nodes)]) if new_nodes else net.nodes
    pts = dict(zip(all_nodes.index, all_nodes.geometry, strict=True))
    countries = dict(zip(all_nodes.index, all_nodes["country"], strict=True))
    new_links = []
    for i, lk in enumerate(links):
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
        ca, cb = str(countries[a]), str(countries[b])
        km = _GEOD.geometry_length(geom) / 1000.0
        if mode == "sea":
            kmc: dict[str, float] = {}
            crossed = ""
        else:
            kmc = {ca: km} if ca == cb else {ca: km / 2.0, cb: km / 2.0}
            crossed = ca if ca == cb else f"{ca};{cb}"
        gauge = lk.get("gauge_mm")
        if mode == "rail" and gauge is None:
            ga, gb = all_nodes.at[a, "gauge_mm"], all_nodes.at[b, "gauge_mm"]
            gauge = next((int(g) for g in (ga, gb) if _as_int(g)),
                         GAUGE_BY_COUNTRY.get(ca, 1435))
        new_links.append({
            "id": lid, "from": a, "to": b, "mode": mode,
            "gauge_mm": gauge if mode == "rail" else None,
            "traction": (lk.get("traction") or "diesel") if mode == "rail" else None,
            "country": ca if mode != "sea" else None, "countries": crossed,
            "km_by_country": kmc, "sea_area": lk.get("sea_area") if mode == "sea" else None,
            "chokepoints": "", "geometry_source": gsrc, "source": lk.get("source") or source,
            "assumed": assumed or (mode == "rail" and not lk.get("traction")),
            "note": "added by the scenario" + ("; straight line" if gsrc != "scenario" else ""),
            "length_km": round(km, 3), "geometry": geom,
        })
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
