"""The map's basemap: Natural Earth countries (offline, the default; whole countries, so no
edge of the layer shows at any zoom) in their own pane under the routes, and CartoDB Positron
tiles as an online option.

The countries are drawn simplified (:data:`SIMPLIFY_DEG`, :func:`basemap_frame`). The shipped
geodata carries that layer ready-made (``basemap.geojson``, written by
``tools/build_geodata.py`` with this function), so a map only reads it; a geodata folder
without it has its ``countries.geojson`` simplified when the map is drawn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd

__all__ = ["BASEMAP_FILE", "BASEMAP_PANE", "SIMPLIFY_DEG", "add_base_layers", "basemap_frame",
           "basemap_geojson"]

TILE_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
TILE_ATTR = "© OpenStreetMap contributors © CARTO"
#: the offline basemap's pane, under the route panes (map_routes) and the overlay pane
BASEMAP_PANE = "basemap"
#: the countries as the map draws them, prepared in the geodata folder
BASEMAP_FILE = "basemap.geojson"
#: tolerance (degrees) of the map's simplification of ``countries.geojson`` (~5 km, under a
#: pixel up to zoom 5; the routes are drawn on the corridors' own geometry, not this one)
SIMPLIFY_DEG = 0.05


def basemap_frame(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``countries.geojson`` (columns ``iso3``, ``name``) as the map draws it: the name and
    the outline simplified by :data:`SIMPLIFY_DEG` (topology kept: no country loses a part
    or crosses its neighbour)."""
    simple = countries.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    return gpd.GeoDataFrame({"name": countries["name"].to_numpy()}, geometry=simple.to_numpy(),
                            crs=countries.crs)


def basemap_geojson(geodata: Path | str) -> dict[str, Any]:
    """The basemap's features (GeoJSON): ``basemap.geojson`` of the ``geodata`` folder, or
    :func:`basemap_frame` of its ``countries.geojson`` when it has none."""
    prepared = Path(geodata) / BASEMAP_FILE
    if prepared.is_file():
        doc: dict[str, Any] = json.loads(prepared.read_text(encoding="utf-8"))
        return {"type": "FeatureCollection", "features": doc["features"]}
    frame = basemap_frame(gpd.read_file(Path(geodata) / "countries.geojson"))
    return {"type": "FeatureCollection",
            "features": json.loads(frame.to_json(drop_id=True))["features"]}


def add_base_layers(m: folium.Map, geodata: Path | str) -> None:
    """Natural Earth countries (offline, default) and CartoDB Positron tiles (online option);
    ``geodata`` is the network's geodata folder."""
    folium.map.CustomPane(BASEMAP_PANE, z_index=250, pointer_events=True).add_to(m)
    folium.GeoJson(
        basemap_geojson(geodata), name="Natural Earth countries (offline)", overlay=False,
        control=True, show=True, tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        style_function=lambda _f: {"fillColor": "#f4f1ea", "color": "#a9a9a9",
                                   "weight": 0.6, "fillOpacity": 1.0},
        pane=BASEMAP_PANE,
    ).add_to(m)
    folium.TileLayer(TILE_URL, attr=TILE_ATTR, name="CartoDB Positron (online tiles)",
                     overlay=False, control=True, show=False, subdomains="abcd",
                     max_zoom=19).add_to(m)
