#!/usr/bin/env python
"""Build the corridorsim network geodata (nodes, links, countries) from the
read-only source layers described in ../shared/geodata-sources/SOURCES.md.

    python tools/build_geodata.py --sources ../shared/geodata-sources --out geodata

Deterministic: re-running on the same sources gives byte-identical files.

Outputs (all EPSG:4326 GeoJSON):
  nodes.geojson      Point per network node
  links.geojson      LineString per undirected link (rail / sea)
  countries.geojson  simplified Natural Earth 50m admin-0 (AOI)

Source ids [Sxx] refer to /work/shared/reference/corridor_facts.md;
"G" = approximate gazetteer coordinate (facts §1 "G" or SOURCES.md key points).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from pyproj import Geod
from shapely.geometry import LineString, Point
from shapely.ops import substring

GEOD = Geod(ellps="WGS84")
pd_NA = pd.NA
NM_KM = 1.852
ND = 5  # decimals kept for output coordinates

# --------------------------------------------------------------------------
# NODE TABLE
# (id, name, iso3, kind, gauge_mm, lon, lat, source)
# gauge_mm: 1435/1520 for single-gauge rail nodes, None otherwise.
# lon/lat None => computed by the script (see SNAP_ON / border split).
# --------------------------------------------------------------------------
NODES = [
    # China (1435 mm)
    ("CN_XIY", "Xi'an (Intl. Port / Xinzhu)", "CHN", "terminal", 1435, 108.94, 34.34, "G; S26"),
    ("CN_CKG", "Chongqing (Tuanjiecun)", "CHN", "terminal", 1435, 106.55, 29.56, "G; S40"),
    ("CN_URC", "Urumqi", "CHN", "hub", 1435, 87.62, 43.83, "G"),
    ("CN_AKU", "Alashankou", "CHN", "border", 1435, 82.57, 45.17, "G; S66"),
    ("CN_KHG", "Khorgos (CN)", "CHN", "border", 1435, 80.42, 44.21, "G; S65"),
    ("CN_SHA", "Shanghai (Yangshan)", "CHN", "port", None, 122.07, 30.63, "G; S41"),
    ("CN_LYG", "Lianyungang", "CHN", "port", None, 119.45, 34.74, "G; S62"),
    # Kazakhstan (1520 mm)
    ("KZ_DOS", "Dostyk", "KAZ", "gauge_change", None, 82.484, 45.252, "S66"),
    ("KZ_ALT", "Altynkol / Khorgos Gateway", "KAZ", "gauge_change", None, 80.30, 44.18, "G; S65"),
    ("KZ_AKG", "Aktogay", "KAZ", "hub", 1520, 79.67, 46.95, "G (eudic wiki mirror, facts §1)"),
    ("KZ_ALA", "Almaty", "KAZ", "hub", 1520, 76.89, 43.24, "G; S2"),
    ("KZ_SHU", "Shu (Chu)", "KAZ", "hub", 1520, 73.76, 43.60, "G"),
    ("KZ_MOY", "Moyynty", "KAZ", "hub", 1520, 73.36, 47.21, "G"),
    ("KZ_ZHZ", "Zhezkazgan", "KAZ", "hub", 1520, 67.71, 47.80, "G; S70"),
    ("KZ_SAK", "Saksaulskaya", "KAZ", "hub", 1520, 61.17, 47.08, "G"),
    ("KZ_BEY", "Beyneu", "KAZ", "hub", 1520, 55.20, 45.32, "G; S70"),
    ("KZ_MNG", "Mangyshlak junction", "KAZ", "hub", 1520, 51.25, 43.69, "G (SOURCES.md key point)"),
    ("KZ_AKU", "Aktau port", "KAZ", "port", None, 51.20, 43.62, "G; S49, S50"),
    ("KZ_KUR", "Kuryk port", "KAZ", "port", None, 51.66, 43.17, "G; S54"),
    ("KZ_AST", "Astana", "KAZ", "hub", 1520, 71.45, 51.17, "G (SOURCES.md key point)"),
    # Caspian / Caucasus
    ("TM_TMB", "Turkmenbashi", "TKM", "port", None, 52.97, 40.02, "G; S85"),
    ("AZ_ALT", "Port of Baku (Alat)", "AZE", "port", None, 49.41, 39.95, "G; S55, S89"),
    ("AZ_BAK", "Baku", "AZE", "hub", 1520, 49.87, 40.41, "G; S59"),
    # AZ_BKS: placed where the Alat–Tbilisi line crosses the NE 50m AZE–GEO border
    ("AZ_BKS", "Boyuk Kesik / Gardabani (AZ–GE border)", "AZE", "border", 1520, None, None,
     "G (NE 50m border crossing; facts §1 ~41.4N 45.2E low confidence)"),
    ("GE_TBS", "Tbilisi", "GEO", "hub", 1520, 44.79, 41.72, "G"),
    ("GE_AKH", "Akhalkalaki", "GEO", "gauge_change", None, 43.49, 41.41, "G; S59"),
    ("TR_KRS", "Kars", "TUR", "hub", 1435, 43.10, 40.60, "G; S59"),
    ("GE_POT", "Poti port", "GEO", "port", None, 41.659, 42.159, "S57"),
    ("GE_BUS", "Batumi port", "GEO", "port", None, 41.657, 41.650, "S57"),
    # Türkiye / Europe
    ("TR_ANK", "Ankara", "TUR", "hub", 1435, 32.85, 39.93, "G (SOURCES.md key point)"),
    # on the Marmaray tube (OSM edge Üsküdar–Sirkeci) at 29.0E
    ("TR_IST", "Istanbul Marmaray (Bosporus rail tunnel)", "TUR", "chokepoint", None, 29.0, 41.02063,
     "G; S68, S90"),
    ("TR_KPK", "Kapikule / Edirne (TR–BG border)", "TUR", "border", 1435, 26.37, 41.72, "G"),
    ("RO_CND", "Constanta", "ROU", "port", None, 28.65, 44.17, "G; S83"),
    ("HU_BUD", "Budapest", "HUN", "hub", 1435, 19.04, 47.50, "G"),
    ("AT_VIE", "Vienna", "AUT", "hub", 1435, 16.37, 48.21, "G"),
    ("DE_DUI", "Duisburg", "DEU", "terminal", 1435, 6.76, 51.43, "G; S39"),
    ("NL_RTM", "Rotterdam (Maasvlakte)", "NLD", "port", None, 4.05, 51.95, "G; S41"),
    ("DE_HAM", "Hamburg", "DEU", "port", None, 9.98, 53.54, "G"),
    # Northern route
    ("RU_OMS", "Omsk", "RUS", "hub", 1520, 73.37, 54.98, "G (SOURCES.md key point)"),
    ("RU_YEK", "Yekaterinburg", "RUS", "hub", 1520, 60.60, 56.84, "G (SOURCES.md key point)"),
    ("RU_MOW", "Moscow", "RUS", "hub", 1520, 37.62, 55.76, "G"),
    ("BY_BRS", "Brest", "BLR", "border", 1520, 23.69, 52.10, "G; S67"),
    ("PL_MAL", "Malaszewicze", "POL", "gauge_change", None, 23.53, 52.04, "G; S67"),
    ("PL_WAW", "Warsaw", "POL", "hub", 1435, 21.01, 52.23, "G (SOURCES.md key point)"),
    # Sea chokepoints: (lon, lat) is an approximate position; the node is moved
    # onto the nearest vertex of the marnet graph (see SNAP_ON_MARNET).
    ("SG_SIN", "Singapore Strait (Malacca)", "SGP", "chokepoint", None, 103.86, 1.17, "G; marnet"),
    ("YE_BAB", "Bab-el-Mandeb", "YEM", "chokepoint", None, 43.33, 12.65, "G; marnet; S44, S47"),
    ("EG_SUZ", "Suez Canal", "EGY", "chokepoint", None, 32.38, 30.32, "G; marnet; S44, S46"),
    ("ES_GIB", "Strait of Gibraltar", "ESP", "chokepoint", None, -5.40, 35.97, "G; marnet"),
    ("ZA_CGH", "Cape of Good Hope", "ZAF", "chokepoint", None, 18.0, -35.0, "G; marnet; S47"),
]
SNAP_ON_MARNET = {"SG_SIN", "YE_BAB", "EG_SUZ", "ES_GIB", "ZA_CGH"}

# Names of border pairs used for auto-created border nodes (BX_...).
COUNTRY_NAMES = {
    "KAZ": "Kazakhstan", "RUS": "Russia", "BLR": "Belarus", "POL": "Poland", "DEU": "Germany",
    "NLD": "Netherlands", "AUT": "Austria", "HUN": "Hungary", "ROU": "Romania", "BGR": "Bulgaria",
    "SRB": "Serbia", "TUR": "Türkiye", "GEO": "Georgia", "AZE": "Azerbaijan", "TKM": "Turkmenistan",
    "CHN": "China", "SVK": "Slovakia", "CZE": "Czechia", "UKR": "Ukraine", "UZB": "Uzbekistan",
    "KGZ": "Kyrgyzstan", "ARM": "Armenia", "GRC": "Greece", "MKD": "North Macedonia", "HRV": "Croatia",
}

# --------------------------------------------------------------------------
# LINK TABLE
# Each row: from, to, mode, gauge, traction, sea_area, route, source, assumed, note, extra
#   route for rail:
#     ("path", "FromPt", "ToPt")  -> rail_osm_corridor_paths.geojson, cut at the nodes
#     ("graph", [via lon/lat...]) -> shortest path on the healed OSM graph
#     ("legs", start, [("g"|"m", pt)...], {pt: waypoints}) -> chained graph ("g") and manual
#                                    straight ("m") legs, then cut at the points nearest the nodes
#     ("graph_bridged", bbox)     -> as graph, small fragments inside bbox bridged by straight
#                                    "manual" segments (Gebze–İzmit gap)
#     ("manual", [waypoints])     -> hand-drawn polyline between the two nodes
#   route for sea:
#     ("marnet", forbid_passages) -> shortest path on the marnet graph
#     ("manual", [waypoints])     -> hand-drawn open-water polyline
#   extra: dict (split_names: {(A,B): node_id or name}, chokepoints)
# Rail links crossing an international border are split there automatically.
# --------------------------------------------------------------------------
E, D = "electric", "diesel"
NOVI_SAD, SUBOTICA = (19.83, 45.265), (19.67, 46.10)
DONGHAI = [(121.95, 30.86), (122.03, 30.67)]  # Donghai Bridge, Luchaogang–Yangshan (manual)
NS_SUB_WAYPTS = [(19.70, 45.45), (19.64, 45.58), (19.63, 45.81)]  # Vrbas, Bačka Topola (manual)
SPLIT_AZ_GE = {("AZE", "GEO"): ("AZ_BKS", None)}

LINKS = [
    # ---- China, 1435 mm electric
    ("CN_XIY", "CN_URC", "rail", 1435, E, None, ("path", "Xian", "Urumqi"), "S26", False, "Lanxin line", {}),
    ("CN_URC", "CN_AKU", "rail", 1435, E, None, ("path", "Urumqi", "Alashankou"), "S66", False, "", {}),
    ("CN_URC", "CN_KHG", "rail", 1435, E, None, ("path", "Urumqi", "Khorgos_CN"), "S65", False,
     "via Jinghe–Yining", {}),
    ("CN_AKU", "KZ_DOS", "rail", 1435, E, None, ("path", "Alashankou", "Dostyk"), "S66", False,
     "1435 mm track into Dostyk; crosses CHN–KAZ border", {}),
    ("CN_KHG", "KZ_ALT", "rail", 1435, E, None, ("path", "Khorgos_CN", "Altynkol"), "S65", False,
     "1435 mm track into Altynkol; crosses CHN–KAZ border", {}),
    ("CN_XIY", "CN_SHA", "rail", 1435, E, None,
     ("legs", (108.94, 34.34), [("g", (121.85, 30.88)), ("m", (122.07, 30.63))], {(122.07, 30.63): DONGHAI}),
     "S41", True, "routed on healed OSM graph to the Lingang/Luchaogang railhead; Yangshan has no rail: the last "
     "stretch (railhead → Donghai Bridge → Yangshan, road in reality) is drawn manually", {}),
    ("CN_XIY", "CN_LYG", "rail", 1435, E, None, ("graph", []), "S62, S65", False,
     "routed on healed OSM graph (Longhai line)", {}),
    ("CN_CKG", "CN_XIY", "rail", 1435, E, None, ("graph", []), "S40", False, "routed on healed OSM graph", {}),
    # ---- Kazakhstan, 1520 mm
    ("KZ_ALT", "KZ_ALA", "rail", 1520, D, None, ("path", "Altynkol", "Almaty"), "S70, S2", False,
     "via Zhetygen (Zhetygen–Altynkol 293 km, 2012); diesel to Almaty loco change [S2]", {}),
    ("KZ_ALA", "KZ_SHU", "rail", 1520, E, None, ("path", "Almaty", "Shu"), "S2", False,
     "electric west of Almaty [S2]", {}),
    ("KZ_SHU", "KZ_MOY", "rail", 1520, E, None, ("path", "Shu", "Moyynty"), "S70", True,
     "traction assumed (not in facts)", {}),
    ("KZ_DOS", "KZ_AKG", "rail", 1520, D, None, ("path", "Dostyk", "Aktogay"), "S66, S70", True,
     "traction assumed (KZ mostly diesel [S70])", {}),
    ("KZ_AKG", "KZ_MOY", "rail", 1520, D, None, ("path", "Aktogay", "Moyynty"), "S70", True,
     "traction assumed (KZ mostly diesel [S70])", {}),
    ("KZ_MOY", "KZ_ZHZ", "rail", 1520, D, None, ("path", "Moyynty", "Saksaulskaya"), "S70", True,
     "via Zharyk; prefix of Moyynty–Saksaulskaya path cut at Zhezkazgan; traction assumed", {}),
    ("KZ_ZHZ", "KZ_SAK", "rail", 1520, D, None, ("path", "Moyynty", "Saksaulskaya"), "S70", False,
     "Zhezkazgan–Saksaulskaya new line (2014), part of 988 km Zhezkazgan–Beyneu [S70]", {}),
    ("KZ_SAK", "KZ_BEY", "rail", 1520, D, None, ("path", "Saksaulskaya", "Beyneu"), "S70", False,
     "via Shalkar; Shalkar–Beyneu part of the 988 km new line [S70]", {}),
    ("KZ_BEY", "KZ_MNG", "rail", 1520, D, None, ("path", "Beyneu", "Mangyshlak"), "S70", True,
     "traction assumed (KZ mostly diesel [S70])", {}),
    ("KZ_MNG", "KZ_AKU", "rail", 1520, D, None, ("path", "Mangyshlak", "Aktau_port"), "S49, S50", True,
     "traction assumed", {}),
    ("KZ_MNG", "KZ_KUR", "rail", 1520, D, None, ("manual", [(51.40, 43.52), (51.55, 43.32)]), "S54", True,
     "MANUAL: Kuryk port branch absent from OSM-derived data (nearest graph node 60 km away); "
     "plausible line drawn Mangyshlak→Kuryk", {}),
    ("KZ_AKG", "KZ_AST", "rail", 1520, E, None, ("path", "Aktogay", "Astana"), "S70", True,
     "traction assumed (not in facts)", {}),
    ("KZ_AST", "RU_OMS", "rail", 1520, E, None, ("path", "Astana", "Omsk"), "S70", True,
     "via Petropavl; traction assumed (not in facts)",
     {"split_names": {("KAZ", "RUS"): (None, "Kazakhstan–Russia border (Petropavl line)")}}),
    ("KZ_BEY", "TM_TMB", "rail", 1520, D, None, ("path", "Beyneu", "Turkmenbashi"), "S69", True,
     "via Uzen–Bereket (opened 2014 [S69]); traction assumed",
     {"split_names": {("KAZ", "TKM"): (None, "Kazakhstan–Turkmenistan border (Uzen–Bereket line)")}}),
    # ---- Caucasus, 1520 mm electric 3 kV DC
    ("AZ_BAK", "AZ_ALT", "rail", 1520, E, None, ("graph", []), "S60, S72", False, "3 kV DC", {}),
    ("AZ_ALT", "GE_TBS", "rail", 1520, E, None, ("path", "Alat_port", "Tbilisi"), "S59, S60, S72", False,
     "3 kV DC; split at AZE–GEO border (Boyuk Kesik / Gardabani)", {"split_names": SPLIT_AZ_GE}),
    ("GE_TBS", "GE_POT", "rail", 1520, E, None, ("path", "Tbilisi", "Poti"), "S60", False, "3 kV DC", {}),
    ("GE_TBS", "GE_BUS", "rail", 1520, E, None, ("path", "Tbilisi", "Batumi"), "S60", False, "3 kV DC", {}),
    ("GE_TBS", "GE_AKH", "rail", 1520, D, None, ("path", "Tbilisi", "Kars"), "S59", True,
     "BTK via Marabda; prefix of Tbilisi–Kars path cut at Akhalkalaki; traction assumed (not electrified, "
     "low confidence)", {}),
    ("GE_AKH", "TR_KRS", "rail", 1435, D, None, ("path", "Tbilisi", "Kars"), "S59", True,
     "BTK 1435 mm new line; not electrified per forum comment (low confidence)",
     {"split_names": {("GEO", "TUR"): (None, "Georgia–Türkiye border (BTK line)")}}),
    # ---- Türkiye, 1435 mm
    ("TR_KRS", "TR_ANK", "rail", 1435, D, None, ("path", "Kars", "Ankara"), "S59", True,
     "via Erzurum–Sivas; traction assumed (not in facts)", {}),
    ("TR_ANK", "TR_IST", "rail", 1435, E, None, ("graph_bridged", (29.15, 40.70, 29.92, 40.92)),
     "S68, S90", True,
     "Ankara→İzmit on OSM graph; İzmit–Gebze–Pendik gaps (missing in OSM data) bridged by straight manual "
     "segments between the OSM fragments; Marmaray Üsküdar side on OSM graph", {"chokepoints": ["bosporus"]}),
    ("TR_IST", "TR_KPK", "rail", 1435, E, None,
     ("legs", (28.973, 41.013), [("g", (28.79, 41.03)), ("g", (26.20, 41.77))], {}), "S68", True,
     "Marmaray tube→Sirkeci→Halkalı→Kapıkule on OSM graph (cut at Kapıkule); traction assumed", {}),
    ("TR_KPK", "HU_BUD", "rail", 1435, E, None,
     ("legs", (26.56, 41.67), [("g", (23.32, 42.70)), ("g", (20.46, 44.81)), ("g", NOVI_SAD),
                               ("m", SUBOTICA), ("g", (19.04, 47.50))], {SUBOTICA: NS_SUB_WAYPTS}),
     "S86", True,
     "via Sofia–Belgrade–Novi Sad–Subotica–Kelebia; Novi Sad–Subotica (~100 km) missing in the OSM-derived "
     "data (line under reconstruction in the OSM snapshot) and drawn manually via Vrbas and Bačka Topola; "
     "traction assumed",
     {"ignore_countries": {"GRC"}}),  # NE 50m puts Kapıkule–Svilengrad track ~17 km into GRC
    # ---- Europe, 1435 mm electric
    ("RO_CND", "HU_BUD", "rail", 1435, E, None, ("path", "Constanta", "Budapest"), "S83", False, "", {}),
    ("HU_BUD", "AT_VIE", "rail", 1435, E, None, ("path", "Budapest", "Vienna"), "S73", False, "", {}),
    ("AT_VIE", "DE_DUI", "rail", 1435, E, None, ("path", "Vienna", "Duisburg"), "S73", False, "", {}),
    ("DE_DUI", "NL_RTM", "rail", 1435, E, None, ("graph", []), "S73", False, "to Maasvlakte", {}),
    ("DE_DUI", "DE_HAM", "rail", 1435, E, None, ("path", "Duisburg", "Hamburg"), "S73", False, "", {}),
    ("PL_MAL", "PL_WAW", "rail", 1435, E, None, ("path", "Malaszewicze", "Warsaw"), "S67", False, "", {}),
    ("PL_WAW", "DE_DUI", "rail", 1435, E, None, ("path", "Warsaw", "Duisburg"), "S39", False, "via Berlin", {}),
    # ---- Northern, 1520 mm electric
    ("RU_OMS", "RU_YEK", "rail", 1520, E, None, ("path", "Omsk", "Yekaterinburg"), "S42", False,
     "via Ishim–Tyumen (stays in Russia)", {}),
    ("RU_YEK", "RU_MOW", "rail", 1520, E, None, ("path", "Yekaterinburg", "Moscow"), "S42", False, "", {}),
    ("RU_MOW", "BY_BRS", "rail", 1520, E, None, ("path", "Moscow", "Brest"), "S42", False, "via Minsk",
     {"split_names": {("RUS", "BLR"): (None, "Russia–Belarus border (Moscow–Minsk line)")}}),
    ("BY_BRS", "PL_MAL", "rail", 1520, E, None, ("path", "Brest", "Malaszewicze"), "S67", False,
     "1520 mm track into Małaszewicze; crosses BLR–POL border", {}),
    # ---- Caspian (sea, manual open-water waypoints; marnet Caspian lanes NOT used)
    ("KZ_AKU", "AZ_ALT", "sea", None, None, "caspian",
     ("manual", [(50.95, 43.20), (50.70, 40.45), (50.20, 40.05), (49.70, 39.90)]),
     "S62, S61", False, "manual open-water track around the Absheron peninsula", {}),
    ("KZ_KUR", "AZ_ALT", "sea", None, None, "caspian",
     ("manual", [(51.30, 42.70), (50.70, 40.45), (50.20, 40.05), (49.70, 39.90)]),
     "S54, S61", False, "manual open-water track around the Absheron peninsula", {}),
    ("TM_TMB", "AZ_ALT", "sea", None, None, "caspian",
     ("manual", [(52.99, 39.96), (53.06, 39.76), (52.85, 39.72), (52.40, 39.82), (50.45, 39.92), (49.70, 39.90)]),
     "S85", False, "manual open-water track; leaves Turkmenbashi Bay round the spit as drawn in NE 50m", {}),
    # ---- Black Sea (sea, manual)
    ("GE_POT", "RO_CND", "sea", None, None, "black_sea",
     ("manual", [(41.35, 42.25), (36.0, 43.05), (31.0, 43.75), (29.10, 44.10)]),
     "S84", False, "manual open-water track", {}),
    ("GE_BUS", "RO_CND", "sea", None, None, "black_sea",
     ("manual", [(41.35, 41.75), (36.0, 42.85), (31.0, 43.70), (29.10, 44.10)]),
     "S84", False, "manual open-water track", {}),
    # ---- Deep sea (marnet)
    ("CN_SHA", "SG_SIN", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("SG_SIN", "YE_BAB", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("YE_BAB", "EG_SUZ", "sea", None, None, "deep_sea", ("marnet", ()), "S41, S44", False, "", {}),
    ("EG_SUZ", "ES_GIB", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("ES_GIB", "NL_RTM", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("SG_SIN", "ZA_CGH", "sea", None, None, "deep_sea", ("marnet", ("suez",)), "S41, S47", False,
     "Cape route (suez passage forbidden)", {}),
    ("ZA_CGH", "NL_RTM", "sea", None, None, "deep_sea", ("marnet", ("suez",)), "S41, S47", False,
     "Cape route (suez passage forbidden)", {}),
]

# Northern-route-only nodes; every other non-deep-sea link is checked to avoid Russia.
NORTHERN_NODES = {"KZ_AST", "RU_OMS", "RU_YEK", "RU_MOW", "BY_BRS", "PL_MAL", "PL_WAW"}

# Caspian / Volga–Don exclusion boxes for the marnet graph (lon0, lat0, lon1, lat1)
MARNET_EXCLUDE_BOXES = [(42.0, 36.0, 62.0, 60.0), (39.4, 46.5, 62.0, 60.0)]


# ==========================================================================
# helpers
# ==========================================================================
def km(geom) -> float:
    return GEOD.geometry_length(geom) / 1000.0


def rnd(c):
    return (round(float(c[0]), ND), round(float(c[1]), ND))


def dedupe(coords):
    out = []
    for c in coords:
        c = rnd(c)
        if not out or out[-1] != c:
            out.append(c)
    return out


def attach_ends(coords, p_from, p_to) -> LineString:
    """Return a LineString that starts exactly at p_from and ends exactly at p_to."""
    coords = dedupe(coords)
    if coords[0] != p_from:
        coords = [p_from] + coords
    if coords[-1] != p_to:
        coords = coords + [p_to]
    coords = dedupe(coords)
    return LineString(coords)


def nearest_index(arr: np.ndarray, p) -> tuple[int, float]:
    dx = (arr[:, 0] - p[0]) * math.cos(math.radians(p[1]))
    dy = arr[:, 1] - p[1]
    d = np.hypot(dx, dy)
    i = int(d.argmin())
    return i, float(d[i]) * 111.2


class PointGraph:
    """networkx graph whose nodes are (lon, lat) tuples; edges carry w (km) and coords."""

    def __init__(self, g: nx.Graph):
        self.g = g
        self.nodes = sorted(g.nodes)
        self.arr = np.array(self.nodes)

    def snap(self, p):
        i, d = nearest_index(self.arr, p)
        return self.nodes[i], d

    def path_coords(self, a, b, graph=None):
        g = graph if graph is not None else self.g
        path = nx.dijkstra_path(g, a, b, weight="w")
        out = [a]
        for u, v in zip(path[:-1], path[1:]):
            c = g[u][v]["c"]
            if rnd(c[0]) != rnd(u):
                c = c[::-1]
            out.extend(c[1:])
        return out, path


# ==========================================================================
# loading sources
# ==========================================================================
def load_rail_graph(src: Path) -> PointGraph:
    gdf = gpd.read_file(src / "rail_osm_scgraph_aoi.geojson").explode(index_parts=False)
    g = nx.Graph()
    for geom, kind in zip(gdf.geometry.values, gdf["kind"].values):
        c = [tuple(x) for x in geom.coords]
        a, b = c[0], c[-1]
        if a == b:
            continue
        w = km(geom)
        if g.has_edge(a, b) and g[a][b]["w"] <= w:
            continue
        g.add_edge(a, b, w=w, c=c, kind=kind)
    return PointGraph(g)


def load_marnet_graph(src: Path):
    gdf = gpd.read_file(src / "marnet_searoute.geojson").explode(index_parts=False)
    g = nx.Graph()
    removed = 0
    for geom, passage in zip(gdf.geometry.values, gdf["passage"].values):
        passage = passage if isinstance(passage, str) else None
        c = [rnd(x) for x in geom.coords]
        if any(x[0] > 180 or x[0] < -180 for x in c):
            continue
        if any(b[0] <= x[0] <= b[2] and b[1] <= x[1] <= b[3] for x in c for b in MARNET_EXCLUDE_BOXES):
            removed += 1  # Caspian lanes and the Volga–Don / Azov–Caspian connection
            continue
        for u, v in zip(c[:-1], c[1:]):
            if u == v:
                continue
            w = km(LineString([u, v]))
            if g.has_edge(u, v) and g[u][v]["w"] <= w:
                continue
            g.add_edge(u, v, w=w, c=[u, v], passage=passage)
    # keep the main component only
    main = max(nx.connected_components(g), key=len)
    g = g.subgraph(main).copy()
    print(f"marnet: {g.number_of_nodes()} vertices, {g.number_of_edges()} edges; "
          f"{removed} Caspian/Volga-Don lanes removed")
    return PointGraph(g)


def load_countries(src: Path) -> gpd.GeoDataFrame:
    c = gpd.read_file(src / "ne_50m_admin_0_countries_aoi.geojson")
    c = c[["ADM0_A3", "NAME", "geometry"]].rename(columns={"ADM0_A3": "iso3", "NAME": "name"})
    c["geometry"] = shapely.make_valid(c.geometry.values)
    return c.sort_values("iso3").reset_index(drop=True)


# ==========================================================================
# country intersection
# ==========================================================================
def country_runs(line: LineString, countries: gpd.GeoDataFrame):
    """Ordered runs [(start_frac, end_frac, iso3, km)] of the line inside NE 50m countries."""
    pieces = []
    for i in countries.sindex.query(line, predicate="intersects"):
        iso = countries.iso3.iat[i]
        inter = line.intersection(countries.geometry.iat[i])
        for part in getattr(inter, "geoms", [inter]):
            if part.geom_type != "LineString" or part.is_empty:
                continue
            s = line.project(Point(part.coords[0]), normalized=True)
            e = line.project(Point(part.coords[-1]), normalized=True)
            pieces.append((min(s, e), max(s, e), iso, km(part)))
    pieces.sort()
    runs = []
    for p in pieces:
        if runs and runs[-1][2] == p[2]:
            s, e, iso, k = runs[-1]
            runs[-1] = (s, max(e, p[1]), iso, k + p[3])
        else:
            runs.append(p)
    return runs


def country_attrs(line, countries):
    runs = country_runs(line, countries)
    kmc = {}
    for _, _, iso, k in runs:
        kmc[iso] = kmc.get(iso, 0.0) + k
    kmc = {k: round(v, 1) for k, v in sorted(kmc.items()) if round(v, 1) > 0}
    order = []
    for _, _, iso, k in runs:
        if round(k, 1) > 0 and (not order or order[-1] != iso):
            order.append(iso)
    main = max(kmc, key=kmc.get) if kmc else None
    return order, kmc, main


def border_crossings(line, countries, min_run_km=3.0):
    """Fractions along the line where it passes from one country to another.
    Runs shorter than min_run_km are treated as noise (border-hugging lines)."""
    runs = [r for r in country_runs(line, countries) if r[3] >= min_run_km]
    merged = []
    for r in runs:
        if merged and merged[-1][2] == r[2]:
            merged[-1] = (merged[-1][0], r[1], r[2], merged[-1][3] + r[3])
        else:
            merged.append(r)
    out = []
    for a, b in zip(merged[:-1], merged[1:]):
        out.append(((a[1] + b[0]) / 2.0, a[2], b[2]))
    return out


# ==========================================================================
# rail geometry
# ==========================================================================
def cut_path(path_geom: LineString, p_from, p_to):
    s = path_geom.project(Point(p_from))
    e = path_geom.project(Point(p_to))
    if e < s:
        sub = substring(path_geom, e, s)
        coords = list(sub.coords)[::-1]
    else:
        coords = list(substring(path_geom, s, e).coords)
    return coords


def rail_geometry(route, p_from, p_to, paths, rail: PointGraph):
    kind = route[0]
    if kind == "path":
        a, b = route[1], route[2]
        row = paths[(paths.from_pt == a) & (paths.to_pt == b)]
        if len(row) != 1:
            raise KeyError(f"corridor path {a}->{b} not found")
        coords = cut_path(row.geometry.iloc[0], p_from, p_to)
        return attach_ends(coords, p_from, p_to), "osm_rail", []
    if kind == "graph":
        pts = [p_from] + list(route[1]) + [p_to]
        coords = []
        for a, b in zip(pts[:-1], pts[1:]):
            sa, da = rail.snap(a)
            sb, db = rail.snap(b)
            if max(da, db) > 5:
                print(f"  note: graph snap {a}->{sa} {da:.1f} km, {b}->{sb} {db:.1f} km")
            c, _ = rail.path_coords(sa, sb)
            coords.extend(c if not coords else c[1:])
        return attach_ends(coords, p_from, p_to), "osm_rail", []
    if kind == "legs":
        # start point, then legs ("g", pt): routed on the graph / ("m", pt): manual straight line;
        # the resulting line is cut at the points nearest to the two nodes.
        cur, _ = rail.snap(route[1])
        coords, manual = [cur], []
        for how, pt in route[2]:
            if how == "g":
                nxt, _ = rail.snap(pt)
                c, _ = rail.path_coords(rail.snap(cur)[0], nxt)
                c = [cur] + c
            else:
                nxt = pt  # manual legs end exactly at pt
                c = [cur] + list(route[3].get(pt, [])) + [nxt]
                manual.append(LineString(dedupe(c)))
            coords.extend(c[1:])
            cur = nxt
        line = LineString(dedupe(coords))
        coords = cut_path(line, p_from, p_to)
        gsrc = "osm_rail+manual" if manual else "osm_rail"
        return attach_ends(coords, p_from, p_to), gsrc, manual
    if kind == "graph_bridged":
        g, manual_km = bridged_graph(rail, route[1])
        sa, _ = rail.snap(p_from)
        sb, _ = rail.snap(p_to)
        coords, path = rail.path_coords(sa, sb, graph=g)
        manual = [LineString(g[u][v]["c"]) for u, v in zip(path[:-1], path[1:]) if g[u][v].get("kind") == "manual"]
        return attach_ends(coords, p_from, p_to), "osm_rail+manual", manual
    if kind == "manual":
        geom = attach_ends([p_from] + list(route[1]) + [p_to], p_from, p_to)
        return geom, "manual", [geom]
    raise ValueError(kind)


def bridged_graph(rail: PointGraph, bbox, max_gap_km=15.0):
    """Copy of the rail graph in which each pair of components inside bbox is joined by a
    straight 'manual' edge between their closest vertices (if the gap is <= max_gap_km)."""
    g = rail.g.copy()
    lon0, lat0, lon1, lat1 = bbox
    inside = [n for n in rail.nodes if lon0 <= n[0] <= lon1 and lat0 <= n[1] <= lat1]
    comp_of = {}
    for n in inside:
        if n not in comp_of:
            comp = nx.node_connected_component(g, n)
            key = min(comp)
            for m in comp:
                comp_of[m] = key
    groups = {}
    for n in inside:
        groups.setdefault(comp_of[n], []).append(n)
    keys = sorted(groups)
    # join every pair of components by their closest vertices if the gap is short enough
    added = 0.0
    for i, ka in enumerate(keys):
        A = np.array(groups[ka])
        for kb in keys[i + 1:]:
            best = None
            for n in groups[kb]:
                j, d = nearest_index(A, n)
                if best is None or d < best[0]:
                    best = (d, tuple(float(x) for x in A[j]), n)
            if best[0] <= max_gap_km:
                w = km(LineString([best[1], best[2]]))
                g.add_edge(best[1], best[2], w=w, c=[best[1], best[2]], kind="manual")
                added += w
    return g, added


# ==========================================================================
# sea geometry
# ==========================================================================
def sea_geometry(route, p_from, p_to, sea: PointGraph):
    if route[0] == "manual":
        return attach_ends([p_from] + list(route[1]) + [p_to], p_from, p_to), "manual", []
    forbid = set(route[1])
    g = sea.g
    if forbid:
        g = nx.subgraph_view(sea.g, filter_edge=lambda u, v: sea.g[u][v]["passage"] not in forbid)
    sa, _ = sea.snap(p_from)
    sb, _ = sea.snap(p_to)
    coords, path = sea.path_coords(sa, sb, graph=g)
    passages = []
    for u, v in zip(path[:-1], path[1:]):
        p = g[u][v]["passage"]
        if p and p not in passages:
            passages.append("cape" if p == "south_africa" else p)
    return attach_ends(coords, p_from, p_to), "marnet", passages


# ==========================================================================
# build
# ==========================================================================
def build_nodes(sea: PointGraph):
    nodes = {}
    for nid, name, iso, kind, gauge, lon, lat, src in NODES:
        p = None if lon is None else rnd((lon, lat))
        if nid in SNAP_ON_MARNET:
            p, _ = sea.snap(p)
        nodes[nid] = dict(id=nid, name=name, country=iso, kind=kind, gauge_mm=gauge, source=src, pt=p)
    return nodes


def split_at_borders(link, geom, nodes, countries):
    """Split a rail link at each international border crossing; create border nodes."""
    frm, to = link["from"], link["to"]
    total = km(geom)
    if total < 40.0:
        return [(frm, to, geom)]
    end_kinds = (nodes[frm]["kind"], nodes[to]["kind"])
    cuts = []
    ignore = link["extra"].get("ignore_countries", set())
    for frac, a, b in border_crossings(geom, countries[~countries.iso3.isin(ignore)].reset_index(drop=True)):
        d0 = frac * total
        d1 = (1 - frac) * total
        near_from = d0 < (10.0 if end_kinds[0] in ("border", "gauge_change") else 2.0)
        near_to = d1 < (10.0 if end_kinds[1] in ("border", "gauge_change") else 2.0)
        if near_from or near_to:
            continue
        cuts.append((frac, a, b))
    if not cuts:
        return [(frm, to, geom)]
    print(f"  split {frm}-{to} at " + ", ".join(f"{a}>{b}@{f * total:.0f}km" for f, a, b in cuts))
    names = link["extra"].get("split_names", {})
    pieces, prev_id, prev_frac = [], frm, 0.0
    for frac, a, b in cuts:
        nid, nm = names.get((a, b), names.get((b, a), (None, None)))
        nid = nid or f"BX_{a}_{b}"
        pt = rnd(geom.interpolate(frac, normalized=True).coords[0])
        if nid in nodes and nodes[nid]["pt"] is not None:
            raise ValueError(f"border node {nid} already exists ({frm}-{to})")
        if nid not in nodes:  # auto-created border node (a predefined one only gets its point)
            nm = nm or (f"{COUNTRY_NAMES.get(a, a)}–{COUNTRY_NAMES.get(b, b)} border "
                        f"({nodes[frm]['name'].split(' (')[0]}–{nodes[to]['name'].split(' (')[0]} line)")
            nodes[nid] = dict(id=nid, name=nm, country=a, kind="border",
                              gauge_mm=link["gauge_mm"], source="NE 50m border x OSM rail", pt=None)
        nodes[nid]["pt"] = pt
        seg = substring(geom, prev_frac, frac, normalized=True)
        pieces.append((prev_id, nid, seg))
        prev_id, prev_frac = nid, frac
    pieces.append((prev_id, to, substring(geom, prev_frac, 1.0, normalized=True)))
    return pieces


def build_links(nodes, paths, rail, sea, countries):
    rows = []
    for frm, to, mode, gauge, traction, sea_area, route, src, assumed, note, extra in LINKS:
        link = dict(extra=extra, gauge_mm=gauge, **{"from": frm, "to": to})
        p_from, p_to = nodes[frm]["pt"], nodes[to]["pt"]
        chokepoints = list(extra.get("chokepoints", []))
        note_full = note
        if mode == "rail":
            geom, gsrc, manual = rail_geometry(route, p_from, p_to, paths, rail)
            if gsrc == "osm_rail+manual":
                note_full = f"{note} ({sum(km(m) for m in manual):.1f} km drawn manually)"
            pieces = split_at_borders(link, geom, nodes, countries)
        else:
            geom, gsrc, passages = sea_geometry(route, p_from, p_to, sea)
            chokepoints += passages
            pieces = [(frm, to, geom)]
            manual = []
        for a, b, g in pieces:
            g = attach_ends(list(g.coords), nodes[a]["pt"], nodes[b]["pt"])
            piece_src = gsrc
            if gsrc == "osm_rail+manual" and len(pieces) > 1:
                has_manual = any(g.buffer(1e-6).intersection(m).length > 1e-3 for m in manual)
                piece_src = gsrc if has_manual else "osm_rail"
            order, kmc, main = country_attrs(g, countries)
            if mode == "sea":
                kmc, main = {}, None
            rows.append({
                "id": f"{a}-{b}", "from": a, "to": b, "mode": mode,
                "gauge_mm": gauge, "traction": traction,
                "country": main, "countries": ";".join(order),
                "km_by_country": json.dumps(kmc, sort_keys=True),
                "sea_area": sea_area, "chokepoints": ";".join(chokepoints),
                "geometry_source": piece_src, "source": src, "assumed": bool(assumed),
                "note": note_full if len(pieces) == 1 else
                f"{note_full if piece_src != 'osm_rail' else note}; part of {frm}–{to}, split at border(s)"
                .lstrip("; "),
                "length_km": round(km(g), 1), "geometry": g,
            })
    return rows


# ==========================================================================
# output
# ==========================================================================
def _round_coords(obj, nd):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), nd) for v in obj]
        return [_round_coords(o, nd) for o in obj]
    return obj


def _plain(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd_NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, nd: int = ND):
    """Deterministic GeoJSON writer (one feature per line) with an explicit CRS84/EPSG:4326 member.
    Written by hand rather than with GDAL because GDAL turns JSON-looking string properties
    (km_by_country) into nested objects."""
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    cols = [c for c in gdf.columns if c != "geometry"]
    lines = ['{"type": "FeatureCollection", "name": "%s",' % path.stem,
             '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},',
             '"features": [']
    feats = []
    for _, row in gdf.iterrows():
        geom = shapely.geometry.mapping(row.geometry)
        geom = {"type": geom["type"], "coordinates": _round_coords(geom["coordinates"], nd)}
        props = {c: _plain(row[c]) for c in cols}
        feats.append(json.dumps({"type": "Feature", "properties": props, "geometry": geom},
                                ensure_ascii=False, separators=(",", ":")))
    lines.append(",\n".join(feats))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def nodes_frame(nodes):
    recs = []
    for n in nodes.values():
        recs.append({k: n[k] for k in ("id", "name", "country", "kind", "gauge_mm", "source")}
                    | {"geometry": Point(n["pt"])})
    df = gpd.GeoDataFrame(recs, geometry="geometry", crs="EPSG:4326")
    df["gauge_mm"] = df["gauge_mm"].astype("Int64")
    return df


def links_frame(rows):
    df = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    df["gauge_mm"] = df["gauge_mm"].astype("Int64")
    return df


def countries_frame(countries):
    c = countries.copy()
    c["geometry"] = shapely.make_valid(
        shapely.set_precision(c.geometry.simplify(0.02, preserve_topology=True).values, 1e-4))
    c = c[~c.geometry.is_empty].reset_index(drop=True)
    return c


# ==========================================================================
# checks
# ==========================================================================
def chain_km(links, chain):
    idx = {}
    for _, r in links.iterrows():
        idx[(r["from"], r["to"])] = r.length_km
        idx[(r["to"], r["from"])] = r.length_km
    total = 0.0
    for a, b in zip(chain[:-1], chain[1:]):
        total += idx[(a, b)]
    return total


def expand_chain(links, stops):
    """Expand a list of stops into the node chain, inserting border nodes created by splits."""
    g = nx.Graph()
    for _, r in links.iterrows():
        g.add_edge(r["from"], r["to"], w=r.length_km, mode=r["mode"])
    out = [stops[0]]
    for a, b in zip(stops[:-1], stops[1:]):
        out.extend(nx.dijkstra_path(g, a, b, weight="w")[1:])
    return out


def run_checks(nodes_df, links, countries):
    print("\n=== CHECKS ===")
    ok = True
    ids = set(nodes_df.id)
    pts = dict(zip(nodes_df.id, [tuple(g.coords[0]) for g in nodes_df.geometry]))
    if len(ids) != len(nodes_df) or links.id.duplicated().any():
        ok = False
        print("FAIL: duplicate ids")
    for _, r in links.iterrows():
        g = r.geometry
        bad = []
        if r["from"] not in ids or r["to"] not in ids:
            bad.append("unknown node")
        elif tuple(g.coords[0]) != pts[r["from"]] or tuple(g.coords[-1]) != pts[r["to"]]:
            bad.append("ends not at nodes")
        if g.is_empty or not g.is_valid:
            bad.append("invalid/empty")
        if bad:
            ok = False
            print("FAIL", r.id, bad)
    print(f"structural checks: {'OK' if ok else 'FAILED'} ({len(nodes_df)} nodes, {len(links)} links)")

    suez = expand_chain(links, ["CN_SHA", "SG_SIN", "YE_BAB", "EG_SUZ", "ES_GIB", "NL_RTM"])
    cape = expand_chain(links, ["CN_SHA", "SG_SIN", "ZA_CGH", "NL_RTM"])
    print(f"Shanghai→Rotterdam via Suez: {chain_km(links, suez) / NM_KM:,.0f} nm (ref ~10,600 nm [S41])")
    print(f"Shanghai→Rotterdam via Cape: {chain_km(links, cape) / NM_KM:,.0f} nm (ref ~13,800 nm [S41])")
    north = expand_chain(links, ["CN_XIY", "CN_URC", "CN_AKU", "KZ_DOS", "KZ_AKG", "KZ_AST", "RU_OMS",
                                 "RU_YEK", "RU_MOW", "BY_BRS", "PL_MAL", "PL_WAW", "DE_DUI"])
    nk = chain_km(links, north)
    print(f"Xi'an→Duisburg northern: {nk:,.0f} km (ref 9,908 km [S39]; {100 * (nk / 9908 - 1):+.1f} %)")
    btk = expand_chain(links, ["AZ_BAK", "AZ_ALT", "GE_TBS", "GE_AKH", "TR_KRS"])
    print(f"Baku–Alat–Tbilisi–Akhalkalaki–Kars: {chain_km(links, btk):,.0f} km (ref 826–850 km [S59]; "
          f"chain {'-'.join(btk)})")
    for a, b, ref in [("GE_POT", "RO_CND", 582), ("KZ_AKU", "AZ_ALT", 234), ("KZ_KUR", "AZ_ALT", 218),
                      ("TM_TMB", "AZ_ALT", 145), ("GE_BUS", "RO_CND", 591)]:
        r = links[links.id == f"{a}-{b}"].iloc[0]
        gc = GEOD.inv(*pts[a], *pts[b])[2] / 1000 / NM_KM
        print(f"{a}–{b} sea: {r.length_km / NM_KM:,.0f} nm (great circle {gc:,.0f} nm; ref {ref} nm GC)")

    rus = countries[countries.iso3 == "RUS"].geometry.iloc[0]
    northern = NORTHERN_NODES | {n for n in ids if n.startswith("BX_") and ("RUS" in n or "BLR" in n)}
    mc = links[(links.sea_area.ne("deep_sea")) & ~links["from"].isin(northern) & ~links["to"].isin(northern)]
    hits = [r.id for _, r in mc.iterrows() if r.geometry.intersects(rus)]
    print(f"Middle Corridor links intersecting Russia (NE 50m): {hits if hits else 'none'} "
          f"({len(mc)} links checked)")

    land = countries.union_all()
    for _, r in links[links.geometry_source.eq("manual") & links["mode"].eq("sea")].iterrows():
        g = r.geometry
        inner = substring(g, 0.03, 0.97, normalized=True)
        onland = inner.intersection(land)
        print(f"  manual sea link {r.id}: {km(onland) if not onland.is_empty else 0:.1f} km over land "
              f"(excluding 3 % at each end)")
    multi = links[(links["mode"] == "rail") & links.km_by_country.map(lambda s: len(json.loads(s)) > 1)]
    for _, r in multi.iterrows():
        print(f"  rail link in >1 country: {r.id} {r.km_by_country}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", default="../shared/geodata-sources", type=Path)
    ap.add_argument("--out", default="geodata", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    countries = load_countries(args.sources)
    paths = gpd.read_file(args.sources / "rail_osm_corridor_paths.geojson")
    rail = load_rail_graph(args.sources)
    print(f"rail graph: {rail.g.number_of_nodes()} vertices, {rail.g.number_of_edges()} edges")
    sea = load_marnet_graph(args.sources)

    nodes = build_nodes(sea)
    rows = build_links(nodes, paths, rail, sea, countries)

    nodes_df = nodes_frame(nodes)
    links_df = links_frame(rows)
    write_geojson(nodes_df, args.out / "nodes.geojson")
    write_geojson(links_df, args.out / "links.geojson")
    write_geojson(countries_frame(countries), args.out / "countries.geojson", nd=4)
    for f in ("nodes", "links", "countries"):
        p = args.out / f"{f}.geojson"
        print(f"wrote {p} ({p.stat().st_size / 1024:.0f} KB)")
    ok = run_checks(gpd.read_file(args.out / "nodes.geojson"), gpd.read_file(args.out / "links.geojson"),
                    countries)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
