"""Tiny in-memory corridor networks for tests (real Network objects, built from GeoDataFrames)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import geopandas as gpd
from shapely.geometry import LineString, Point

from corridorsim.corridors import Corridor
from corridorsim.network import SEA_AREAS, Network, load_network


def open_family(fid: str, label: str, colour: str = "#333333") -> Corridor:
    """A route family that may use every link of a test network (its shortest path)."""
    return Corridor(fid, label, colour, modes=("rail", "sea", "road"), sea_areas=SEA_AREAS)


def write_network(tmp_path, nodes: Sequence[dict], links: Sequence[dict]):
    """Write nodes/links GeoJSON into ``tmp_path`` and return the folder.

    nodes: dicts with id, name, country, kind, lon, lat (+ gauge_mm)
    links: dicts with from, to, mode (+ gauge_mm, traction, sea_area, chokepoints, coords)
    """
    pts = {n["id"]: (n["lon"], n["lat"]) for n in nodes}
    ngdf = gpd.GeoDataFrame(
        [{k: v for k, v in n.items() if k not in ("lon", "lat")} for n in nodes],
        geometry=[Point(pts[n["id"]]) for n in nodes], crs="EPSG:4326",
    )
    rows, geoms = [], []
    for link in links:
        coords = link.get("coords") or [pts[link["from"]], pts[link["to"]]]
        row = {
            "id": link.get("id", f"{link['from']}-{link['to']}"),
            "from": link["from"], "to": link["to"], "mode": link.get("mode", "rail"),
            "gauge_mm": link.get("gauge_mm", 1435 if link.get("mode", "rail") == "rail" else None),
            "traction": link.get("traction", "electric" if link.get("mode", "rail") == "rail" else None),
            "sea_area": link.get("sea_area"),
            "chokepoints": link.get("chokepoints", ""),
            "country": link.get("country"),
            "countries": link.get("countries", link.get("country") or ""),
            "km_by_country": json.dumps(link.get("km_by_country", {})),
        }
        rows.append(row)
        geoms.append(LineString(coords))
    lgdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    tmp_path.mkdir(parents=True, exist_ok=True)
    ngdf.to_file(tmp_path / "nodes.geojson", driver="GeoJSON")
    lgdf.to_file(tmp_path / "links.geojson", driver="GeoJSON")
    return tmp_path


def line_network(tmp_path) -> Network:
    """A → (gauge change G) → port P1 ~sea~ port P2 → D: one of each stage kind."""
    nodes = [
        {"id": "A", "name": "Origin", "country": "CHN", "kind": "terminal", "lon": 80.0, "lat": 44.0, "gauge_mm": 1435},
        {"id": "G", "name": "Gauge", "country": "KAZ", "kind": "gauge_change", "lon": 78.0, "lat": 44.0},
        {"id": "B", "name": "Border", "country": "KAZ", "kind": "border", "lon": 70.0, "lat": 44.0, "gauge_mm": 1520},
        {"id": "P1", "name": "Port 1", "country": "KAZ", "kind": "port", "lon": 51.2, "lat": 43.6},
        {"id": "P2", "name": "Port 2", "country": "AZE", "kind": "port", "lon": 49.4, "lat": 40.0},
        {"id": "D", "name": "Dest", "country": "GEO", "kind": "terminal", "lon": 44.8, "lat": 41.7, "gauge_mm": 1520},
    ]
    links = [
        {"from": "A", "to": "G", "gauge_mm": 1435, "country": "CHN", "km_by_country": {"CHN": 1}},
        {"from": "G", "to": "B", "gauge_mm": 1520, "country": "KAZ", "km_by_country": {"KAZ": 1}},
        {"from": "B", "to": "P1", "gauge_mm": 1520, "traction": "diesel", "country": "KAZ", "km_by_country": {"KAZ": 1}},
        {"from": "P1", "to": "P2", "mode": "sea", "sea_area": "caspian"},
        {"from": "P2", "to": "D", "gauge_mm": 1520, "country": "AZE", "km_by_country": {"AZE": 1}},
    ]
    return load_network(write_network(tmp_path, nodes, links))
