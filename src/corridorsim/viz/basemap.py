"""The map's basemap: Natural Earth countries (offline, the default; whole countries, so no
edge of the layer shows at any zoom) in their own pane under the routes, and CartoDB Positron
tiles as an online option.
"""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd

__all__ = ["BASEMAP_PANE", "add_base_layers"]

TILE_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
TILE_ATTR = "© OpenStreetMap contributors © CARTO"
#: the offline basemap's pane, under the route panes (map_routes) and the overlay pane
BASEMAP_PANE = "basemap"


def add_base_layers(m: folium.Map, countries_path: Path | str) -> None:
    """Natural Earth countries (offline, default) and CartoDB Positron tiles (online option)."""
    folium.map.CustomPane(BASEMAP_PANE, z_index=250, pointer_events=True).add_to(m)
    gdf = gpd.read_file(countries_path)
    gdf["geometry"] = gdf.geometry.simplify(0.05, preserve_topology=True)
    gdf = gdf[["name", "geometry"]]
    folium.GeoJson(
        gdf.to_json(drop_id=True), name="Natural Earth countries (offline)", overlay=False,
        control=True, show=True, tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        style_function=lambda _f: {"fillColor": "#f4f1ea", "color": "#a9a9a9",
                                   "weight": 0.6, "fillOpacity": 1.0},
        pane=BASEMAP_PANE,
    ).add_to(m)
    folium.TileLayer(TILE_URL, attr=TILE_ATTR, name="CartoDB Positron (online tiles)",
                     overlay=False, control=True, show=False, subdomains="abcd",
                     max_zoom=19).add_to(m)
