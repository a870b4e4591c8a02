"""The shipped basemap layer (geodata/countries.geojson) holds whole countries: no straight cut
where a clip box or the antimeridian used to end the land (issue 21)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from corridorsim.network import default_geodata_dir

#: the area of interest the rail graph is clipped to (tools/build_geodata.py AOI); the country
#: layer used to be clipped to it too
AOI_SIDES = {"x": (-20.0, 135.0), "y": (-40.0, 65.0)}


@pytest.fixture(scope="module")
def countries() -> gpd.GeoDataFrame:
    return gpd.read_file(default_geodata_dir() / "countries.geojson")


def _segments_along(geoms: np.ndarray, axis: int, value: float) -> int:
    """Ring segments lying on the line x = value (axis 0) or y = value (axis 1)."""
    n = 0
    for ring in shapely.get_rings(shapely.get_parts(geoms)):
        xy = shapely.get_coordinates(ring)
        on = np.isclose(xy[:, axis], value, atol=1e-6)
        n += int((on[:-1] & on[1:]).sum())
    return n


def test_countries_are_whole_not_clipped(countries: gpd.GeoDataFrame) -> None:
    x0, y0, x1, y1 = countries.total_bounds
    assert x0 < -150 and x1 > 180 and y0 < -50 and y1 > 80  # Alaska, Chukotka, Tierra del Fuego
    assert {"USA", "BRA", "AUS", "JPN", "RUS", "ZAF"} <= set(countries["iso3"])
    geoms = countries.geometry.values
    cuts = {f"{axis}={v}": _segments_along(geoms, i, v)
            for i, axis in enumerate(("x", "y")) for v in AOI_SIDES[axis]}
    cuts |= {f"x={v}": _segments_along(geoms, 0, v) for v in (-180.0, 180.0)}
    assert not any(cuts.values()), cuts


def test_antimeridian_countries_in_one_piece(countries: gpd.GeoDataFrame) -> None:
    russia = countries.loc[countries["iso3"] == "RUS", "geometry"].iloc[0]
    # Chukotka continues east of 180° instead of reappearing at the world's left edge
    assert russia.bounds[0] > 0 and russia.bounds[2] > 185
    assert countries.is_valid.all() and not countries.is_empty.any()
    assert "ATA" not in set(countries["iso3"])  # cut at ±180° by Natural Earth: left out
