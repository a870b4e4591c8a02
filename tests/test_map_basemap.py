"""The map's basemap: the shipped ``basemap.geojson`` is ``countries.geojson`` as the map
draws it (so the map may read it instead of simplifying the countries each run)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import shapely

from corridorsim.network import default_geodata_dir
from corridorsim.viz.basemap import BASEMAP_FILE, SIMPLIFY_DEG, basemap_frame, basemap_geojson


def _shapes(features: list[dict]) -> list[tuple[str, shapely.Geometry]]:
    return [(f["properties"]["name"], shapely.geometry.shape(f["geometry"])) for f in features]


def test_shipped_basemap_is_the_simplified_countries() -> None:
    geodata = default_geodata_dir()
    doc = json.loads((geodata / BASEMAP_FILE).read_text(encoding="utf-8"))
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:OGC:1.3:CRS84"
    countries = gpd.read_file(geodata / "countries.geojson")
    want = basemap_frame(countries)
    got = _shapes(doc["features"])
    assert [n for n, _ in got] == list(countries["name"])
    assert all(set(f["properties"]) == {"name"} for f in doc["features"])
    for (name, geom), simple in zip(got, want.geometry, strict=True):
        assert geom.equals_exact(simple, 1e-9), name  # 4 decimals keep the 1e-4 grid
    # simplified indeed: fewer vertices; each outline stays near the country (GEOS keeps
    # topology, which may leave a vertex up to ~1.5 tolerances off)
    n_in = int(shapely.get_num_coordinates(countries.geometry.to_numpy()).sum())
    n_out = int(shapely.get_num_coordinates(want.geometry.to_numpy()).sum())
    assert n_out < 0.8 * n_in
    assert max(shapely.hausdorff_distance(a, b) for a, b in
               zip(countries.geometry, want.geometry, strict=True)) <= 2 * SIMPLIFY_DEG


def test_geodata_without_basemap_is_simplified_at_draw_time(tmp_path: Path) -> None:
    shutil.copy(default_geodata_dir() / "countries.geojson", tmp_path)
    assert not (tmp_path / BASEMAP_FILE).exists()
    drawn = basemap_geojson(tmp_path)
    shipped = basemap_geojson(default_geodata_dir())
    assert drawn == shipped
    assert drawn["type"] == "FeatureCollection" and len(drawn["features"]) == 240
