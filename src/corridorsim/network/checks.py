"""Checks of the corridor network's nodes and links: every problem raises
:class:`~corridorsim.errors.NetworkError` naming the file (or scenario section) and the
feature id. :func:`validate_network` runs them all; :mod:`corridorsim.network` loads the
data and calls it.
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
from pyproj import CRS, Geod

from corridorsim.errors import NetworkError

if TYPE_CHECKING:
    from shapely.geometry import Point

__all__ = [
    "ENDPOINT_TOL_DEG",
    "GAUGES_MM",
    "GEOD",
    "LENGTH_REL_TOL",
    "LINK_COLUMNS",
    "LINK_MODES",
    "NODE_COLUMNS",
    "NODE_KINDS",
    "SEA_AREAS",
    "TRACTIONS",
    "as_int",
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

#: geodesic lengths (WGS84 ellipsoid)
GEOD = Geod(ellps="WGS84")


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
        if geom_type == "LineString" and not GEOD.geometry_length(geom) > 0:
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
        _check_link_attributes(rec, lpath)
        _check_link_length(rec, node_pts, lpath)


def _check_link_attributes(rec: dict[str, Any], lpath: Path) -> None:
    """Mode, gauge, traction and sea area of one link record."""
    lid, mode = rec["id"], rec["mode"]
    if mode not in LINK_MODES:
        raise NetworkError(
            f"{lpath}: link {lid!r} has mode {mode!r}; allowed: {', '.join(LINK_MODES)}"
        )
    if mode == "rail":
        gauge = rec.get("gauge_mm")
        if as_int(gauge) not in GAUGES_MM:
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


def _check_link_length(rec: dict[str, Any], node_pts: dict[str, Point], lpath: Path) -> None:
    """A link's geometry starts and ends at its nodes; its stored length_km (if any)
    matches the geodesic length of the geometry."""
    lid = rec["id"]
    geom = rec["geometry"]
    start, end = geom.coords[0], geom.coords[-1]
    for label, nid, pt in (("start", rec["from"], start), ("end", rec["to"], end)):
        node = node_pts[nid]
        if abs(node.x - pt[0]) > ENDPOINT_TOL_DEG or abs(node.y - pt[1]) > ENDPOINT_TOL_DEG:
            raise NetworkError(
                f"{lpath}: link {lid!r} geometry {label}s at ({pt[0]:.4f}, {pt[1]:.4f}), "
                f"not at its node {nid!r} ({node.x:.4f}, {node.y:.4f})"
            )
    geod_km = GEOD.geometry_length(geom) / 1000.0
    if not geod_km > 0:
        raise NetworkError(f"{lpath}: link {lid!r} has non-positive length ({geod_km:.3f} km)")
    stored = rec.get("length_km")
    if stored is None or (isinstance(stored, float) and math.isnan(stored)):
        return
    if isinstance(stored, bool) or not isinstance(stored, numbers.Real):
        raise NetworkError(
            f"{lpath}: link {lid!r} has length_km {stored!r}; expected a number of km"
        )
    km = float(stored)
    if not km > 0:
        raise NetworkError(
            f"{lpath}: link {lid!r} has non-positive length_km {stored!r}"
        )
    if abs(km - geod_km) > LENGTH_REL_TOL * geod_km + 0.2:
        raise NetworkError(
            f"{lpath}: link {lid!r} has length_km {km:.1f} but its geometry "
            f"measures {geod_km:.1f} km geodesically"
        )


def as_int(value: Any) -> int | None:
    """``value`` as a whole number, or None (missing, NaN, text, 1435.5, ...)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) and f == int(f) else None
