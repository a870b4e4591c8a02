"""The map's basemap: Natural Earth countries (offline, the default) in their own pane under
the routes, faded out towards the edges of their clipped extent, and CartoDB Positron tiles
as an online option.
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
SEA_COLOUR = "#dbe7f0"


def _edge_fade(bounds: tuple[float, ...]) -> list[tuple[list[list[list[float]]], float]]:
    """Bands just inside the basemap's extent, sea-coloured and more opaque towards its edge,
    so land cut by the extent fades out instead of ending at a straight line."""
    from shapely.geometry import box

    # a side at a whole degree is where the AOI clip cut the land; push the others out
    x0, y0, x1, y1 = (v if float(v).is_integer() else v + 5 * (1 if i > 1 else -1)
                      for i, v in enumerate(bounds))
    bands = []
    n, step = 12, 0.4  # bands of 0.4°, the outermost nearly opaque
    for k in range(n):
        a, b = (k * step if k else -0.5), (k + 1) * step  # the first covers the cut line
        opacity = round((1 - k / n) ** 1.5, 3)
        outer = box(x0 + a, y0 + a, x1 - a, y1 - a)
        inner = box(x0 + b, y0 + b, x1 - b, y1 - b)
        rings = [[[round(y, 4), round(x, 4)] for x, y in r.coords]
                 for r in (outer.exterior, inner.exterior)]
        bands.append((rings, opacity))
    return bands


def add_base_layers(m: folium.Map, countries_path: Path | str) -> None:
    """Natural Earth countries (offline, default) and CartoDB Positron tiles (online option)."""
    folium.map.CustomPane(BASEMAP_PANE, z_index=250, pointer_events=True).add_to(m)
    gdf = gpd.read_file(countries_path)
    gdf["geometry"] = gdf.geometry.simplify(0.05, preserve_topology=True)
    gdf = gdf[["name", "geometry"]]
    base = folium.GeoJson(
        gdf.to_json(drop_id=True), name="Natural Earth countries (offline)", overlay=False,
        control=True, show=True, tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        style_function=lambda _f: {"fillColor": "#f4f1ea", "color": "#a9a9a9",
                                   "weight": 0.6, "fillOpacity": 1.0},
        pane=BASEMAP_PANE,
    ).add_to(m)
    for rings, opacity in _edge_fade(tuple(gdf.total_bounds)):
        folium.Polygon(
            rings, stroke=False, fill=True, fillColor=SEA_COLOUR, fillOpacity=opacity,
            interactive=False, pane=BASEMAP_PANE, className="basemap-edge").add_to(base)
    folium.TileLayer(TILE_URL, attr=TILE_ATTR, name="CartoDB Positron (online tiles)",
                     overlay=False, control=True, show=False, subdomains="abcd",
                     max_zoom=19).add_to(m)
