"""The shipped corridor network loads, and every kind of broken geodata gets a precise error."""

from __future__ import annotations

import json
import shutil

import pytest

from corridorsim.errors import NetworkError
from corridorsim.network import NODE_KINDS, default_geodata_dir, load_network


def test_shipped_network_is_valid(network):
    assert len(network.nodes) >= 50 and len(network.links) >= 60
    assert set(network.nodes["kind"]) <= set(NODE_KINDS)
    assert network.nodes.crs.to_epsg() == 4326 and network.links.crs.to_epsg() == 4326
    rail = network.links[network.links["mode"] == "rail"]
    assert set(rail["gauge_mm"].astype(int)) == {1435, 1520}
    assert set(rail["traction"]) == {"electric", "diesel"}
    assert (network.links["length_km"] > 0).all()
    # graph carries every link as an edge keyed by link id
    assert network.graph.number_of_edges() == len(network.links)


def test_gauge_change_nodes_join_both_gauges(network):
    links = network.links[network.links["mode"] == "rail"]
    for node in ("KZ_DOS", "KZ_ALT", "PL_MAL", "GE_AKH"):
        touching = links[(links["from"] == node) | (links["to"] == node)]
        assert set(touching["gauge_mm"].astype(int)) == {1435, 1520}, node


def _copy(tmp_path):
    dst = tmp_path / "geo"
    shutil.copytree(default_geodata_dir(), dst)
    return dst


def _edit(path, fn):
    data = json.loads(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _feature(data, fid):
    return next(f for f in data["features"] if f["properties"]["id"] == fid)


LINK = "KZ_AKU-AZ_ALT"


def _dangling(d):
    _feature(d, LINK)["properties"]["to"] = "AZ_NOWHERE"


def _unknown_from(d):
    _feature(d, LINK)["properties"]["from"] = "XX_GHOST"


def _duplicate_link(d):
    _feature(d, "KZ_ALA-KZ_SHU")["properties"]["id"] = LINK


def _empty_geom(d):
    _feature(d, LINK)["geometry"] = None


def _wrong_geom_type(d):
    _feature(d, LINK)["geometry"] = {
        "type": "Polygon", "coordinates": [[[51.2, 43.6], [50, 41], [49.4, 40.0], [51.2, 43.6]]]}


def _zero_length(d):
    f = _feature(d, LINK)
    p = f["geometry"]["coordinates"][0]
    f["geometry"]["coordinates"] = [p, p]
    f["properties"]["to"] = f["properties"]["from"]


def _negative_length(d):
    _feature(d, LINK)["properties"]["length_km"] = -5


def _no_crs(d):
    d.pop("crs", None)


def _bad_mode(d):
    _feature(d, LINK)["properties"]["mode"] = "air"


BROKEN_LINKS = [
    (_dangling, ["dangling", "'to'", "AZ_NOWHERE", LINK]),
    (_unknown_from, ["dangling", "'from'", "XX_GHOST", LINK]),
    (_duplicate_link, ["duplicate link id", LINK]),
    (_empty_geom, ["empty or missing geometry", LINK]),
    (_wrong_geom_type, ["Polygon geometry; expected LineString", LINK]),
    (_zero_length, ["non-positive length", LINK]),
    (_negative_length, ["non-positive length_km", LINK]),
    (_bad_mode, ["mode 'air'", "allowed: rail, sea, road", LINK]),
]


@pytest.mark.parametrize("edit, expected", BROKEN_LINKS, ids=[f.__name__ for f, _ in BROKEN_LINKS])
def test_broken_links_are_named(tmp_path, edit, expected):
    geo = _copy(tmp_path)
    _edit(geo / "links.geojson", edit)
    with pytest.raises(NetworkError) as exc:
        load_network(geo)
    msg = str(exc.value)
    assert "links.geojson" in msg
    for part in expected:
        assert part in msg, msg


def test_missing_crs_is_rejected(tmp_path):
    geo = _copy(tmp_path)
    # GeoJSON without a crs member defaults to WGS84; a projected one must be refused
    _edit(geo / "nodes.geojson", lambda d: d.update(
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}))
    with pytest.raises(NetworkError, match=r"nodes\.geojson: CRS is .*3857.*expected EPSG:4326"):
        load_network(geo)


def test_node_without_crs(tmp_path):
    import geopandas as gpd

    from corridorsim.network import validate_network

    geo = _copy(tmp_path)
    nodes = gpd.read_file(geo / "nodes.geojson").set_crs(None, allow_override=True)
    links = gpd.read_file(geo / "links.geojson")
    with pytest.raises(NetworkError, match="nodes: missing CRS; expected EPSG:4326"):
        validate_network(nodes, links)


def test_duplicate_node_and_bad_kind(tmp_path):
    geo = _copy(tmp_path)
    _edit(geo / "nodes.geojson", lambda d: _feature(d, "KZ_SHU")["properties"].update(id="KZ_ALA"))
    with pytest.raises(NetworkError, match=r"nodes\.geojson: duplicate node id 'KZ_ALA'"):
        load_network(geo)
    geo2 = _copy(tmp_path / "b")
    _edit(geo2 / "nodes.geojson", lambda d: _feature(d, "KZ_SHU")["properties"].update(kind="airport"))
    with pytest.raises(NetworkError, match="node 'KZ_SHU' has kind 'airport'; allowed: terminal"):
        load_network(geo2)


def test_geometry_must_end_at_its_nodes(tmp_path):
    geo = _copy(tmp_path)

    def shift(d):
        coords = _feature(d, LINK)["geometry"]["coordinates"]
        coords[-1] = [coords[-1][0] + 1.0, coords[-1][1]]

    _edit(geo / "links.geojson", shift)
    with pytest.raises(NetworkError, match=f"link '{LINK}' geometry ends at .* not at its node 'AZ_ALT'"):
        load_network(geo)


def test_unreadable_file(tmp_path):
    geo = _copy(tmp_path)
    (geo / "links.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(NetworkError, match=r"links\.geojson: cannot be read"):
        load_network(geo)
