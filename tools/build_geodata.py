#!/usr/bin/env python
"""Build the corridorsim network geodata (nodes, links, countries).

    python tools/build_geodata.py --out geodata

With no ``--sources`` the build reads only what a clean clone can reach (the ``geodata``
extra: ``pip install -e ".[geodata]"``):

  rail     PyPI ``scgraph_data==2.0.0`` (module ``scgraph_data.world_railways``, OpenStreetMap,
           ODbL), clipped to the AOI and gap-healed here (three passes, see ``heal_rail``)
  sea      PyPI ``searoute`` (its ``data/marnet_searoute.geojson``; Eurostat marnet)
  borders  Natural Earth 50m admin-0 (whole countries, the world) in ``tools/geodata_sources/``

``--sources DIR`` instead reads the prepared layers described in
``../shared/geodata-sources/SOURCES.md`` (``rail_osm_scgraph_aoi.geojson``,
``marnet_searoute.geojson``, ``ne_50m_admin_0_countries_aoi.geojson``); both give the same
network to within a fraction of a percent.

Deterministic: re-running on the same sources gives byte-identical files.

Outputs (all EPSG:4326 GeoJSON):
  nodes.geojson      Point per network node
  links.geojson      LineString per undirected link (rail / sea)
  countries.geojson  simplified Natural Earth 50m admin-0 (whole countries, the world)
  basemap.geojson    countries.geojson as the run's map draws it (corridorsim.viz.basemap)

``--vendor-countries NE_JSON`` instead rewrites ``tools/geodata_sources/`` 's countries layer
from the original Natural Earth 50m admin-0 GeoJSON (see that folder's README) and stops.

Source ids [Sxx] refer to /work/shared/reference/corridor_facts.md, [T-xx] to
corridor_facts_2026.md; "G" = approximate gazetteer coordinate (facts §1 "G", SOURCES.md key
points, or checked against Natural Earth 10m populated places / ports and searoute ports).
"""
from __future__ import annotations

import argparse
import json
import math
from importlib import resources
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
EARTH_R_KM = 6371.0088
AOI = (-20.0, -40.0, 135.0, 65.0)  # lon0, lat0, lon1, lat1 (SOURCES.md)
HERE = Path(__file__).resolve().parent
NE_DIR = HERE / "geodata_sources"
NE_COUNTRIES = NE_DIR / "ne_50m_admin_0_countries.geojson"

# --------------------------------------------------------------------------
# KEY POINTS: approximate station coordinates (lon, lat) used as path ends.
# The first block is the "key points" list of SOURCES.md (hand-entered, ±5 km); the
# corridor paths of that file are the shortest paths between them on the healed graph.
# The second block is added here for the new links.
# --------------------------------------------------------------------------
KEY_POINTS = {
    "Xian": (108.94, 34.34), "Urumqi": (87.60, 43.80), "Alashankou": (82.57, 45.17),
    "Dostyk": (82.47, 45.25), "Khorgos_CN": (80.40, 44.21), "Altynkol": (80.29, 44.20),
    "Aktogay": (79.62, 46.95), "Almaty": (76.94, 43.34), "Shu": (73.76, 43.60),
    "Moyynty": (73.35, 47.20), "Astana": (71.45, 51.17), "Saksaulskaya": (61.08, 47.08),
    "Beyneu": (55.19, 45.32), "Mangyshlak": (51.25, 43.69), "Aktau_port": (51.13, 43.62),
    "Turkmenbashi": (52.97, 40.02), "Alat_port": (49.41, 39.95), "Tbilisi": (44.80, 41.71),
    "Kars": (43.10, 40.60), "Poti": (41.67, 42.15), "Batumi": (41.64, 41.65),
    "Ankara": (32.85, 39.93), "Constanta": (28.65, 44.17), "Budapest": (19.04, 47.50),
    "Vienna": (16.37, 48.21), "Duisburg": (6.76, 51.43), "Hamburg": (10.00, 53.55),
    "Manzhouli": (117.38, 49.60), "Irkutsk": (104.30, 52.29), "Novosibirsk": (82.90, 55.03),
    "Omsk": (73.37, 54.98), "Yekaterinburg": (60.60, 56.84), "Moscow": (37.62, 55.75),
    "Brest": (23.70, 52.10), "Malaszewicze": (23.55, 52.03), "Warsaw": (21.01, 52.23),
    "Erenhot": (111.97, 43.65), "Ulaanbaatar": (106.91, 47.92),
    # added for this build (node coordinates or stations on the line)
    "Lianyungang": (119.45, 34.74), "Tabriz": (46.226, 38.09), "Van_pier": (43.308, 38.516),
}

# --------------------------------------------------------------------------
# NODE TABLE
# (id, name, iso3, kind, gauge_mm, lon, lat, source, roles, aliases)
# gauge_mm: 1435/1520 for single-gauge rail nodes, None otherwise.
# lon/lat None => computed by the script (border split).
# roles: the roles given here (od, deep_sea, gateway); "port", "gauge_change" (from kind) and
#   "junction" (>= 3 rail links meet at the node in this network) are added by the script.
# aliases: ";"-joined other spellings a planner may type (Latin script).
# source: coordinate/fact ids; "NE pp"/"NE ports"/"searoute ports" = Natural Earth 10m
#   populated places / NE 10m ports / searoute ports.geojson point checked, with the distance.
#   "on the OSM line" = placed on a vertex of the OSM rail line (3-decimal graph vertex).
# --------------------------------------------------------------------------
OD, DS, GW = "od", "deep_sea", "gateway"
NODES = [
    # ---- China (1435 mm)
    ("CN_XIY", "Xi'an (Intl. Port / Xinzhu)", "CHN", "terminal", 1435, 108.94, 34.34, "G; S26", OD,
     "Xian;Xi'an;Xinzhu"),
    ("CN_CKG", "Chongqing (Tuanjiecun)", "CHN", "terminal", 1435, 106.55, 29.56,
     "G; NE pp 4 km; S40", OD, "Chongqing;Tuanjiecun"),
    ("CN_CTU", "Chengdu", "CHN", "terminal", 1435, 104.07, 30.66, "G (facts §1); NE pp 1 km", OD,
     "Chengdu;Qingbaijiang"),
    ("CN_CGO", "Zhengzhou (Putian)", "CHN", "terminal", 1435, 113.652, 34.75,
     "G; on the OSM Longhai line, NE pp 1 km", OD, "Zhengzhou;Putian"),
    ("CN_WUH", "Wuhan (Wujiashan)", "CHN", "terminal", 1435, 114.25, 30.62, "G; NE pp 4 km", OD,
     "Wuhan;Wujiashan"),
    ("CN_YIW", "Yiwu", "CHN", "terminal", 1435, 120.017, 29.361,
     "G; on the OSM Shanghai–Kunming line near Yiwu West freight station, 8 km WNW of the "
     "town centre (not in NE pp)", OD, "Yiwu"),
    ("CN_BJS", "Beijing", "CHN", "hub", 1435, 116.39, 39.93, "G; NE pp 0.3 km", "", "Beijing;Peking"),
    ("CN_URC", "Urumqi", "CHN", "hub", 1435, 87.62, 43.83, "G; NE pp 5 km", OD,
     "Urumqi;Ürümqi;Wulumuqi"),
    ("CN_AKU", "Alashankou", "CHN", "border", 1435, 82.57, 45.17, "G; S66", GW,
     "Alashankou;Alataw Pass;Alataw"),
    ("CN_KHG", "Khorgos (CN)", "CHN", "border", 1435, 80.42, 44.21, "G; S65", GW,
     "Khorgos;Horgos;Huoerguosi"),
    ("CN_EHT", "Erenhot", "CHN", "border", 1435, 111.98, 43.65, "G; NE pp 1.6 km; T-V7", GW,
     "Erenhot;Erlian;Erlianhot;Erenhot (Erlian)"),
    ("CN_MZH", "Manzhouli", "CHN", "border", 1435, 117.45, 49.59, "G; NE pp 1.7 km; T-D4", GW,
     "Manzhouli;Manchuria"),
    ("CN_SHA", "Shanghai (Yangshan)", "CHN", "port", None, 122.07, 30.63,
     "G; searoute ports Yangshan 0.5 km; S41", f"{OD};{DS}", "Shanghai;Yangshan"),
    ("CN_NGB", "Ningbo-Zhoushan (Beilun)", "CHN", "port", None, 121.85, 29.93,
     "G (facts §1); Beilun terminals (NE ports / searoute Ningbo are the old city port, 29 km W)",
     f"{OD};{DS}", "Ningbo;Zhoushan;Beilun;Ningbo Zhoushan"),
    ("CN_YTN", "Shenzhen (Yantian)", "CHN", "port", None, 114.27, 22.57, "G; NE ports Yantian 0.5 km",
     f"{OD};{DS}", "Shenzhen;Yantian"),
    ("CN_TSN", "Tianjin (Xingang)", "CHN", "port", None, 117.78, 38.98,
     "G; searoute ports Tianjin/Xingang 3 km", f"{OD};{DS}", "Tianjin;Xingang;Tientsin"),
    ("CN_LYG", "Lianyungang", "CHN", "port", None, 119.45, 34.74,
     "G; NE ports 4 km; S62; not deep_sea: sea–rail land-bridge port (assumption)", OD,
     "Lianyungang"),
    ("CN_NKG", "Nanjing", "CHN", "hub", 1435, 118.803, 32.084,
     "G; on the OSM line at a junction by Nanjing station, NE pp 4.3 km", OD, "Nanjing;Nanking"),
    # ---- Mongolia / Russia east (1520 mm)
    ("MN_ZUU", "Zamyn-Uud", "MNG", "gauge_change", None, 111.948, 43.689,
     "G; on the OSM line at the Zamyn-Uud yard junction, 5 km SE of the town (not in NE pp); T-V7",
     GW, "Zamyn-Uud;Zamiin-Uud;Zamyn Uud;Dzamin-Uud"),
    ("MN_ULN", "Ulaanbaatar", "MNG", "hub", 1520, 106.933, 47.908,
     "G; on the simplified OSM line, NE pp 2 km", OD, "Ulaanbaatar;Ulan Bator;Ulan-Bator"),
    ("RU_ZAB", "Zabaikalsk", "RUS", "gauge_change", None, 117.327, 49.644,
     "G (SOURCES.md key point); on the OSM line; T-D4", GW, "Zabaikalsk;Zabaykalsk;Zabajkalsk"),
    ("RU_CHT", "Chita", "RUS", "hub", 1520, 113.451, 52.038, "G; on the OSM line, NE pp 2 km", "",
     "Chita"),
    ("RU_UUD", "Ulan-Ude", "RUS", "hub", 1520, 107.618, 51.826, "G; on the OSM line, NE pp 0.2 km", "",
     "Ulan-Ude;Ulan Ude"),
    ("RU_IRK", "Irkutsk", "RUS", "hub", 1520, 104.268, 52.269, "G; on the OSM line, NE pp 6 km", "",
     "Irkutsk"),
    ("RU_NSK", "Novosibirsk", "RUS", "hub", 1520, 82.90, 55.03,
     "G (SOURCES.md key point); NE pp 4 km", "", "Novosibirsk"),
    # ---- Kazakhstan (1520 mm)
    ("KZ_DOS", "Dostyk", "KAZ", "gauge_change", None, 82.484, 45.252, "S66", GW,
     "Dostyk;Druzhba;Dostyq"),
    ("KZ_ALT", "Altynkol / Khorgos Gateway", "KAZ", "gauge_change", None, 80.30, 44.18, "G; S65", GW,
     "Altynkol;Altynkol dry port;Khorgos Gateway;Qorgas"),
    ("KZ_AKG", "Aktogay", "KAZ", "hub", 1520, 79.67, 46.95, "G (eudic wiki mirror, facts §1)", "",
     "Aktogay;Aqtogay"),
    ("KZ_ALA", "Almaty", "KAZ", "hub", 1520, 76.89, 43.24, "G; S2; NE pp 10 km", OD,
     "Almaty;Alma-Ata;Alma Ata"),
    ("KZ_SHU", "Shu (Chu)", "KAZ", "hub", 1520, 73.76, 43.60, "G; NE pp 1.3 km", "", "Shu;Chu;Shu station"),
    ("KZ_MOY", "Moyynty", "KAZ", "hub", 1520, 73.36, 47.21, "G", "", "Moyynty;Moiynty;Mointy"),
    ("KZ_ZHZ", "Zhezkazgan", "KAZ", "hub", 1520, 67.71, 47.80, "G; S70", "",
     "Zhezkazgan;Jezkazgan;Dzhezkazgan"),
    ("KZ_SAK", "Saksaulskaya", "KAZ", "hub", 1520, 61.17, 47.08, "G", "", "Saksaulskaya;Saksaulsky"),
    ("KZ_BEY", "Beyneu", "KAZ", "hub", 1520, 55.20, 45.32, "G; S70", "", "Beyneu;Beineu"),
    ("KZ_MNG", "Mangyshlak junction", "KAZ", "hub", 1520, 51.25, 43.69, "G (SOURCES.md key point)", "",
     "Mangyshlak;Mangistau"),
    ("KZ_AKU", "Aktau port", "KAZ", "port", None, 51.20, 43.62, "G; searoute ports 7 km; S49, S50", OD,
     "Aktau;Aqtau"),
    ("KZ_KUR", "Kuryk port", "KAZ", "port", None, 51.66, 43.17, "G; S54 (not in NE / searoute ports)", "",
     "Kuryk;Quryq"),
    ("KZ_AST", "Astana", "KAZ", "hub", 1520, 71.45, 51.17, "G (SOURCES.md key point); NE pp 2 km", OD,
     "Astana;Nur-Sultan;Akmola"),
    ("KZ_PTP", "Petropavl", "KAZ", "hub", 1520, 69.239, 54.856,
     "G; on the OSM line where the Kokshetau line meets the Trans-Siberian (Omsk and Kurgan lines), "
     "NE pp Petropavlovsk 2.9 km", "", "Petropavl;Petropavlovsk;Qyzyljar;Kyzylzhar"),
    ("KZ_ARS", "Arys", "KAZ", "hub", 1520, 68.789, 42.431,
     "G; on the OSM line at the Arys junction (Shu–Tashkent and Trans-Aral lines), NE pp 1.5 km", "",
     "Arys;Arys junction"),
    # ---- Central Asia / Iran (UZ, TM 1520 mm; IR 1435 mm)
    ("UZ_TAS", "Tashkent", "UZB", "hub", 1520, 69.29, 41.31, "G; NE pp 0.4 km", OD, "Tashkent;Toshkent"),
    ("TM_BRK", "Bereket", "TKM", "hub", 1520, 55.503, 39.25,
     "G; on the OSM Uzen–Bereket–Turkmenbashi line (not in NE pp); S69", "",
     "Bereket;Gazanjyk;Kazandzhik"),
    ("TM_TMB", "Turkmenbashi", "TKM", "port", None, 52.97, 40.02, "G; searoute ports 2.6 km; S85", "",
     "Turkmenbashi;Türkmenbaşy;Turkmenbashy;Krasnovodsk"),
    ("IR_INB", "Incheh Borun / Etrek", "IRN", "gauge_change", None, 54.614, 37.424,
     "S69; on the OSM line 1 km inside IRN (NE 50m border), station yard vertex", GW,
     "Incheh Borun;Inche Burun;Etrek;Etrek-Incheh Borun"),
    ("IR_THR", "Tehran", "IRN", "hub", 1435, 51.42, 35.67, "G; NE pp 0.4 km; S69", OD, "Tehran;Teheran"),
    ("IR_TBZ", "Tabriz", "IRN", "hub", 1435, 46.226, 38.09,
     "G; on the OSM line at the Tabriz junction (Tehran and Razi lines), 6.5 km W of NE pp Tabriz", "", "Tabriz"),
    # ---- Caspian / Caucasus
    ("AZ_ALT", "Port of Baku (Alat)", "AZE", "port", None, 49.41, 39.95, "G; S55, S89", OD,
     "Alat;Alyat;Port of Baku;Baku port"),
    ("AZ_BAK", "Baku", "AZE", "hub", 1520, 49.87, 40.41, "G; NE pp 1.6 km; S59", OD, "Baku;Baki;Bakı"),
    # AZ_BKS: placed where the Alat–Tbilisi line crosses the NE 50m AZE–GEO border
    ("AZ_BKS", "Boyuk Kesik / Gardabani (AZ–GE border)", "AZE", "border", 1520, None, None,
     "G (NE 50m border crossing; facts §1 ~41.4N 45.2E low confidence)", GW,
     "Boyuk Kesik;Böyük Kəsik;Gardabani"),
    ("GE_TBS", "Tbilisi", "GEO", "hub", 1520, 44.79, 41.72, "G; NE pp 0.8 km", OD, "Tbilisi;Tiflis"),
    ("GE_AKH", "Akhalkalaki", "GEO", "gauge_change", None, 43.49, 41.41, "G; S59", "", "Akhalkalaki"),
    ("TR_KRS", "Kars", "TUR", "hub", 1435, 43.10, 40.60, "G; NE pp 1 km; S59", "", "Kars"),
    ("GE_POT", "Poti port", "GEO", "port", None, 41.659, 42.159, "S57; searoute ports 2.4 km", OD, "Poti"),
    ("GE_BUS", "Batumi port", "GEO", "port", None, 41.657, 41.650, "S57; searoute ports 0.6 km", OD,
     "Batumi;Batum"),
    # ---- Türkiye
    ("TR_KPY", "Kapıköy / Razi (IR–TR border)", "TUR", "border", 1435, 44.26, 38.51446,
     "G; on the OSM Tabriz–Van line 3 km inside TUR from the NE 50m border", GW,
     "Kapikoy;Kapıköy;Razi"),
    ("TR_VAN", "Van pier", "TUR", "port", None, 43.308, 38.516,
     "G; end of the OSM rail spur at the Van train-ferry pier, 9 km W of NE pp Van; facts §1", "",
     "Van;Van iskele;Van ferry"),
    ("TR_TAT", "Tatvan pier", "TUR", "port", None, 42.277, 38.505,
     "G; end of the OSM rail spur at the Tatvan train-ferry pier, NE pp 0.5 km; facts §1", "",
     "Tatvan;Tatvan iskele;Tatvan ferry"),
    ("TR_ANK", "Ankara", "TUR", "hub", 1435, 32.85, 39.93, "G (SOURCES.md key point); NE pp 1 km", OD,
     "Ankara"),
    # on the Marmaray tube (OSM edge Üsküdar–Sirkeci) at 29.0E
    ("TR_IST", "Marmaray (Bosporus rail tunnel)", "TUR", "chokepoint", None, 29.0, 41.02063,
     "G; S68, S90", "", "Marmaray;Bosporus;Bosphorus"),
    ("TR_HAL", "Istanbul (Halkalı)", "TUR", "hub", 1435, 28.767, 41.021,
     "G (SOURCES.md key point Istanbul_Halkali, 2 km); on the OSM line; S68", OD,
     "Istanbul;İstanbul;Halkali;Halkalı"),
    ("TR_KPK", "Kapıkule / Edirne (TR–BG border)", "TUR", "border", 1435, 26.37, 41.72, "G", GW,
     "Kapikule;Kapıkule;Edirne;Svilengrad"),
    # ---- Europe
    ("RO_CND", "Constanța", "ROU", "port", None, 28.65, 44.17, "G; searoute ports 1.2 km; S83", OD,
     "Constanta;Constanța;Constantza"),
    ("RS_BEG", "Belgrade", "SRB", "hub", 1435, 20.457, 44.792, "G; on the OSM line, NE pp 3 km", OD,
     "Belgrade;Beograd"),
    ("GR_PIR", "Piraeus", "GRC", "port", None, 23.63, 37.94, "G (facts §1); NE ports 0.3 km", f"{OD};{DS}",
     "Piraeus;Pireas;Peiraias"),
    ("SI_KOP", "Koper", "SVN", "port", None, 13.74, 45.55, "G; searoute ports 0.5 km", f"{OD};{DS}",
     "Koper;Capodistria"),
    ("HU_BUD", "Budapest", "HUN", "hub", 1435, 19.04, 47.50, "G; NE pp 3 km", OD, "Budapest"),
    ("AT_VIE", "Vienna", "AUT", "hub", 1435, 16.37, 48.21, "G; NE pp 1 km", OD, "Vienna;Wien"),
    ("CZ_PRG", "Prague", "CZE", "terminal", 1435, 14.46, 50.09, "G; NE pp 0.4 km", OD,
     "Prague;Praha;Prag"),
    ("IT_MIL", "Milan (Melzo)", "ITA", "terminal", 1435, 9.42, 45.50,
     "G; Melzo intermodal terminal, 17 km E of NE pp Milan", OD, "Milan;Milano;Melzo"),
    ("DE_DUI", "Duisburg", "DEU", "terminal", 1435, 6.76, 51.43, "G; NE pp 0.7 km; S39", OD,
     "Duisburg;Duisport"),
    ("DE_BER", "Berlin", "DEU", "hub", 1435, 13.40, 52.522,
     "G; on the OSM Warsaw–Duisburg line (Stadtbahn), NE pp 0.2 km", OD, "Berlin"),
    ("NL_RTM", "Rotterdam (Maasvlakte)", "NLD", "port", None, 4.05, 51.95,
     "G; Maasvlakte (searoute ports Rotterdam is the city, 28 km E); S41", f"{OD};{DS}",
     "Rotterdam;Maasvlakte"),
    ("BE_ANR", "Antwerp", "BEL", "port", None, 4.29, 51.30, "G; NE ports Antwerpen 0.3 km", f"{OD};{DS}",
     "Antwerp;Antwerpen;Anvers"),
    ("DE_HAM", "Hamburg", "DEU", "port", None, 9.98, 53.54, "G; searoute ports 1.1 km", f"{OD};{DS}",
     "Hamburg"),
    ("PL_GDN", "Gdańsk (DCT)", "POL", "port", None, 18.71, 54.39,
     "G; DCT / Baltic Hub, NE ports Gdansk 3 km", f"{OD};{DS}", "Gdansk;Gdańsk;Danzig;DCT"),
    # ---- Northern route
    ("RU_OMS", "Omsk", "RUS", "hub", 1520, 73.37, 54.98, "G (SOURCES.md key point); NE pp 2 km", "",
     "Omsk"),
    ("RU_YEK", "Yekaterinburg", "RUS", "hub", 1520, 60.60, 56.84, "G (SOURCES.md key point); NE pp 1 km",
     "", "Yekaterinburg;Ekaterinburg;Sverdlovsk"),
    ("RU_MOW", "Moscow", "RUS", "hub", 1520, 37.62, 55.76, "G; NE pp 0.8 km", "", "Moscow;Moskva"),
    ("BY_BRS", "Brest", "BLR", "border", 1520, 23.69, 52.10, "G; NE pp 0.7 km; S67", GW,
     "Brest;Brest-Litovsk"),
    ("PL_MAL", "Małaszewicze", "POL", "gauge_change", None, 23.53, 52.04, "G; S67; T-C11", GW,
     "Malaszewicze;Małaszewicze;Terespol"),
    ("PL_WAW", "Warsaw", "POL", "hub", 1435, 21.01, 52.23, "G (SOURCES.md key point); NE pp 2.6 km", OD,
     "Warsaw;Warszawa;Warschau"),
    ("PL_LOD", "Łódź (Olechów)", "POL", "terminal", 1435, 19.53, 51.722,
     "G; Olechów yard on the OSM line, 7 km SE of NE pp Lodz", OD, "Lodz;Łódź;Olechow;Olechów"),
    # Sea chokepoints: (lon, lat) is an approximate position; the node is moved
    # onto the nearest vertex of the marnet graph (see SNAP_ON_MARNET).
    ("SG_SIN", "Singapore Strait (Malacca)", "SGP", "chokepoint", None, 103.86, 1.17, "G; marnet", "",
     "Singapore Strait;Strait of Malacca;Malacca"),
    ("YE_BAB", "Bab-el-Mandeb", "YEM", "chokepoint", None, 43.33, 12.65, "G; marnet; S44, S47", "",
     "Bab-el-Mandeb;Bab al-Mandab;Red Sea"),
    ("EG_SUZ", "Suez Canal", "EGY", "chokepoint", None, 32.38, 30.32, "G; marnet; S44, S46", "",
     "Suez;Suez Canal"),
    ("ES_GIB", "Strait of Gibraltar", "ESP", "chokepoint", None, -5.40, 35.97, "G; marnet", "",
     "Gibraltar"),
    ("ZA_CGH", "Cape of Good Hope", "ZAF", "chokepoint", None, 18.0, -35.0, "G; marnet; S47", "",
     "Cape of Good Hope;Cape route"),
]
SNAP_ON_MARNET = {"SG_SIN", "YE_BAB", "EG_SUZ", "ES_GIB", "ZA_CGH"}
ROLE_ORDER = ("od", "port", "deep_sea", "gateway", "gauge_change", "junction")

# Names of border pairs used for auto-created border nodes (BX_...).
COUNTRY_NAMES = {
    "KAZ": "Kazakhstan", "RUS": "Russia", "BLR": "Belarus", "POL": "Poland", "DEU": "Germany",
    "NLD": "Netherlands", "AUT": "Austria", "HUN": "Hungary", "ROU": "Romania", "BGR": "Bulgaria",
    "SRB": "Serbia", "TUR": "Türkiye", "GEO": "Georgia", "AZE": "Azerbaijan", "TKM": "Turkmenistan",
    "CHN": "China", "SVK": "Slovakia", "CZE": "Czechia", "UKR": "Ukraine", "UZB": "Uzbekistan",
    "KGZ": "Kyrgyzstan", "ARM": "Armenia", "GRC": "Greece", "MKD": "North Macedonia", "HRV": "Croatia",
    "MNG": "Mongolia", "IRN": "Iran", "BEL": "Belgium", "CHE": "Switzerland", "ITA": "Italy",
    "SVN": "Slovenia", "FRA": "France",
}

# --------------------------------------------------------------------------
# LINK TABLE
# Each row: from, to, mode, gauge, traction, sea_area, route, source, assumed, note, extra
#   route for rail (all on the healed OSM rail graph, vertices = every OSM vertex):
#     ("path", "FromKey", "ToKey")  -> shortest path between two KEY_POINTS, cut at the nodes
#                                      (several links cut from one path share its geometry)
#     ("graph", [via lon/lat...])   -> shortest path from node to node (through via points)
#     ("legs", start, [("g"|"m", pt)...], {pt: waypoints}) -> chained graph ("g") and manual
#                                      straight ("m") legs, then cut at the points nearest the nodes
#     ("cut", A, B, route)          -> the A–B line built by route (as if it were a link), cut at the
#                                      two nodes (a node inserted on an existing link: its pieces
#                                      add up to the old line)
#     ("graph_bridged", bbox)       -> as graph, small fragments inside bbox bridged by straight
#                                      "manual" segments (Gebze–İzmit gap)
#     ("manual", [waypoints])       -> hand-drawn polyline between the two nodes
#   route for sea:
#     ("marnet", forbid_passages)   -> shortest path on the marnet graph
#     ("manual", [waypoints])       -> hand-drawn open-water polyline
#   extra: dict (split_names: {(A, B): (node_id or None, name or None)}, chokepoints,
#          ignore_countries: NE 50m artefacts not to split at,
#          credit_countries: {artefact: iso3}: km NE 50m puts in artefact are credited to iso3)
# Rail links crossing an international border are split there automatically.
# --------------------------------------------------------------------------
E, D = "electric", "diesel"
NOVI_SAD, SUBOTICA = (19.83, 45.265), (19.67, 46.10)
DONGHAI = [(121.95, 30.86), (122.03, 30.67)]  # Donghai Bridge, Luchaogang–Yangshan (manual)
NS_SUB_WAYPTS = [(19.70, 45.45), (19.64, 45.58), (19.63, 45.81)]  # Vrbas, Bačka Topola (manual)
SPLIT_AZ_GE = {("AZE", "GEO"): ("AZ_BKS", None)}
SHA_RAILHEAD = (121.85, 30.88)  # Lingang/Luchaogang railhead (graph snap)
TO_YANGSHAN = [("g", SHA_RAILHEAD), ("m", (122.07, 30.63))]
NINGBO_END = (121.621, 29.836)  # east end of the OSM network at Ningbo
BEILUN_WAYPTS = [(121.70, 29.87), (121.78, 29.905)]  # Ningbo–Beilun port branch (manual)
PINGHU = (114.133, 22.635)  # Pinghu (Shenzhen) on the Guangzhou–Kowloon line
YANTIAN_WAYPTS = [(114.19, 22.62), (114.245, 22.595)]  # Pingyan railway Pinghu–Yantian (manual)
XINGANG_END = (117.679, 39.002)  # east end of the OSM lines at Tianjin Xingang
SUKHBAATAR_S, NAUSHKI_N = (106.139, 49.837), (106.152, 50.247)  # ends of the Trans-Mongolian gap
KTB = "Kapıkule–Sofia–Belgrade"
KPK_BUD_LEGS = ("legs", (26.56, 41.67), [("g", (23.32, 42.70)), ("g", (20.46, 44.81)), ("g", NOVI_SAD),
                                          ("m", SUBOTICA), ("g", (19.04, 47.50))], {SUBOTICA: NS_SUB_WAYPTS})
IST_KPK_LEGS = ("legs", (28.973, 41.013), [("g", (28.79, 41.03)), ("g", (26.20, 41.77))], {})
LAKE_VAN = [(43.20, 38.56), (42.90, 38.56), (42.55, 38.58), (42.40, 38.53)]
CAPE = ("suez",)

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
    ("CN_XIY", "CN_SHA", "rail", 1435, E, None, ("legs", (108.94, 34.34), TO_YANGSHAN, {(122.07, 30.63): DONGHAI}),
     "S41", True, "routed on healed OSM graph to the Lingang/Luchaogang railhead; Yangshan has no rail: the last "
     "stretch (railhead → Donghai Bridge → Yangshan, road in reality) is drawn manually", {}),
    ("CN_XIY", "CN_CGO", "rail", 1435, E, None, ("path", "Xian", "Lianyungang"), "S62, S65", False,
     "Longhai line; cut from the Xi'an–Lianyungang path at Zhengzhou", {}),
    ("CN_CGO", "CN_LYG", "rail", 1435, E, None, ("path", "Xian", "Lianyungang"), "S62, S65", False,
     "Longhai line; cut from the Xi'an–Lianyungang path at Zhengzhou", {}),
    ("CN_CKG", "CN_XIY", "rail", 1435, E, None, ("graph", []), "S40", False, "routed on healed OSM graph", {}),
    ("CN_XIY", "CN_CTU", "rail", 1435, E, None, ("graph", []), "OSM", False, "routed on healed OSM graph", {}),
    ("CN_CTU", "CN_CKG", "rail", 1435, E, None, ("graph", []), "OSM", False, "routed on healed OSM graph", {}),
    ("CN_CKG", "CN_WUH", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "routed on healed OSM graph (Chongqing–Wuhan along the Yangtze: Chongqing's way to Shanghai)", {}),
    ("CN_CGO", "CN_WUH", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "Beijing–Guangzhou corridor; routed on healed OSM graph", {}),
    ("CN_WUH", "CN_YTN", "rail", 1435, E, None,
     ("legs", (114.25, 30.62), [("g", PINGHU), ("m", (114.27, 22.57))], {(114.27, 22.57): YANTIAN_WAYPTS}),
     "OSM", True, "Beijing–Guangzhou–Shenzhen on healed OSM graph to Pinghu; the Pingyan railway Pinghu→Yantian "
     "port (absent from the OSM-derived data) is drawn manually", {}),
    ("CN_WUH", "CN_SHA", "rail", 1435, E, None, ("legs", (114.25, 30.62), TO_YANGSHAN, {(122.07, 30.63): DONGHAI}),
     "OSM", True, "routed on healed OSM graph to the Lingang/Luchaogang railhead; railhead → Donghai Bridge → "
     "Yangshan (road in reality) drawn manually", {}),
    ("CN_YIW", "CN_NGB", "rail", 1435, E, None,
     ("legs", (120.017, 29.361), [("g", NINGBO_END), ("m", (121.85, 29.93))], {(121.85, 29.93): BEILUN_WAYPTS}),
     "OSM", True, "Xiaoshan–Ningbo line on healed OSM graph to Ningbo; the Beilun port branch (absent from the "
     "OSM-derived data) is drawn manually", {}),
    ("CN_YIW", "CN_SHA", "rail", 1435, E, None, ("legs", (120.017, 29.361), TO_YANGSHAN, {(122.07, 30.63): DONGHAI}),
     "OSM", True, "routed on healed OSM graph to the Lingang/Luchaogang railhead; railhead → Donghai Bridge → "
     "Yangshan (road in reality) drawn manually", {}),
    ("CN_YIW", "CN_CGO", "rail", 1435, E, None, ("graph", []), "OSM", False, "routed on healed OSM graph", {}),
    ("CN_CGO", "CN_BJS", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "Beijing–Guangzhou corridor; routed on healed OSM graph", {}),
    ("CN_NKG", "CN_SHA", "rail", 1435, E, None,
     ("legs", (118.803, 32.084), TO_YANGSHAN, {(122.07, 30.63): DONGHAI}), "OSM", True,
     "Nanjing–Shanghai via Changzhou–Suzhou, routed on healed OSM graph to the Lingang/Luchaogang railhead; "
     "railhead → Donghai Bridge → Yangshan (road in reality) drawn manually", {}),
    ("CN_NKG", "CN_LYG", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "via Huai'an; shortest path on the healed OSM graph", {}),
    ("CN_NKG", "CN_BJS", "rail", 1435, E, None, ("graph", [(116.99, 36.67)]), "OSM", False,
     "Beijing–Shanghai corridor via Bengbu–Xuzhou–Jinan (via point: Jinan station); routed on healed OSM "
     "graph, which does not tell the conventional line from the high-speed line", {}),
    ("CN_BJS", "CN_TSN", "rail", 1435, E, None,
     ("legs", (116.39, 39.93), [("g", XINGANG_END), ("m", (117.78, 38.98))], {}), "OSM", True,
     "routed on healed OSM graph to the end of the OSM lines at Xingang; the last ~9 km to the container "
     "terminals are drawn straight (manual)", {}),
    ("CN_BJS", "CN_EHT", "rail", 1435, E, None, ("graph", []), "OSM, T-V7", True,
     "via Jining; routed on healed OSM graph; traction assumed (Jining–Erenhot electrification not sourced)", {}),
    ("CN_BJS", "CN_MZH", "rail", 1435, E, None, ("graph", []), "OSM, T-D4", True,
     "shortest path on the healed OSM graph (via Inner Mongolia and the Binzhou line); traction assumed", {}),
    # ---- Mongolia / Trans-Siberian
    ("CN_EHT", "MN_ZUU", "rail", 1435, D, None, ("path", "Erenhot", "Ulaanbaatar"), "T-V7", True,
     "1435 mm track into Zamyn-Uud; crosses CHN–MNG border; traction assumed", {}),
    ("MN_ZUU", "MN_ULN", "rail", 1520, D, None, ("path", "Erenhot", "Ulaanbaatar"), "T-V7", True,
     "Trans-Mongolian (single line, diesel); traction not in the facts", {}),
    ("MN_ULN", "RU_UUD", "rail", 1520, D, None,
     ("legs", (106.933, 47.908), [("g", SUKHBAATAR_S), ("m", NAUSHKI_N), ("g", (107.618, 51.826))], {}),
     "OSM", True, "Trans-Mongolian via Darkhan–Sükhbaatar–Naushki; the ~46 km gap south of the border "
     "(SOURCES.md §8) is drawn straight (manual); traction assumed",
     {"split_names": {("MNG", "RUS"): (None, "Mongolia–Russia border (Sükhbaatar–Naushki)")}}),
    ("CN_MZH", "RU_ZAB", "rail", 1435, D, None, ("graph", []), "T-D4", True,
     "1435 mm track into Zabaikalsk; crosses CHN–RUS border; traction assumed", {}),
    ("RU_ZAB", "RU_CHT", "rail", 1520, D, None, ("path", "Manzhouli", "Irkutsk"), "S42", True,
     "Zabaikalsk–Karymskaya branch (diesel, assumed) then Trans-Siberian to Chita", {}),
    ("RU_CHT", "RU_UUD", "rail", 1520, E, None, ("path", "Manzhouli", "Irkutsk"), "S42", False,
     "Trans-Siberian", {}),
    ("RU_UUD", "RU_IRK", "rail", 1520, E, None, ("path", "Manzhouli", "Irkutsk"), "S42", False,
     "Trans-Siberian round the south end of Lake Baikal", {}),
    ("RU_IRK", "RU_NSK", "rail", 1520, E, None, ("path", "Irkutsk", "Novosibirsk"), "S42", False,
     "Trans-Siberian", {}),
    ("RU_NSK", "RU_OMS", "rail", 1520, E, None, ("path", "Novosibirsk", "Omsk"), "S42", False,
     "Trans-Siberian (stays in Russia)", {}),
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
    # Moyynty–Karaganda–Astana: cut at Moyynty from the Aktogay–Astana path (which runs through
    # Moyynty), so Aktogay→Moyynty→Astana is the former Aktogay–Astana link
    ("KZ_MOY", "KZ_AST", "rail", 1520, E, None, ("path", "Aktogay", "Astana"), "S70", True,
     "via Karaganda; cut at Moyynty from the Aktogay–Astana path; traction assumed (not in facts)", {}),
    # Astana–Petropavl–Omsk: one path, cut at Petropavl
    ("KZ_AST", "KZ_PTP", "rail", 1520, E, None, ("path", "Astana", "Omsk"), "S70", True,
     "via Kokshetau; cut at Petropavl from the Astana–Omsk path; traction assumed (not in facts)", {}),
    ("KZ_PTP", "RU_OMS", "rail", 1520, E, None, ("path", "Astana", "Omsk"), "S70", True,
     "Trans-Siberian Petropavl–Isilkul–Omsk; cut at Petropavl from the Astana–Omsk path; traction assumed "
     "(not in facts)",
     {"split_names": {("KAZ", "RUS"): ("BX_KAZ_RUS", "Kazakhstan–Russia border (Petropavl line)")}}),
    ("KZ_PTP", "RU_YEK", "rail", 1520, E, None, ("graph", []), "OSM", True,
     "Trans-Siberian (South Urals line) via Petukhovo–Kurgan–Shadrinsk–Kamensk-Uralsky; shortest path on the "
     "healed OSM graph (it has no Petropavl–Ishim line); traction assumed (not in facts)",
     {"split_names": {("KAZ", "RUS"): ("BX_KAZ_RUS_MAMLYUTKA",
                                       "Kazakhstan–Russia border (Mamlyutka–Petukhovo)")}}),
    # Shu–Tashkent: the former KZ_SHU–UZ_TAS line, cut at the Arys junction
    ("KZ_SHU", "KZ_ARS", "rail", 1520, E, None, ("cut", "KZ_SHU", "UZ_TAS", ("graph", [])), "OSM", True,
     "via Taraz–Shymkent; cut at Arys from the Shu–Tashkent line; traction assumed; the NE 50m KGZ polygon "
     "clips ~12 km of the Lugovaya–Merke line (artefact: not split, km credited to KAZ)",
     {"ignore_countries": {"KGZ"}, "credit_countries": {"KGZ": "KAZ"}}),
    ("KZ_ARS", "UZ_TAS", "rail", 1520, E, None, ("cut", "KZ_SHU", "UZ_TAS", ("graph", [])), "OSM", True,
     "via Saryagash; cut at Arys from the Shu–Tashkent line; traction assumed",
     {"split_names": {("KAZ", "UZB"): (None, "Kazakhstan–Uzbekistan border (Saryagash–Keles)")}}),
    ("KZ_ARS", "KZ_SAK", "rail", 1520, D, None, ("graph", []), "OSM", True,
     "Trans-Aral line via Turkestan–Kyzylorda–Aral; shortest path on the healed OSM graph; traction assumed "
     "(KZ mostly diesel [S70])", {}),
    ("KZ_BEY", "TM_BRK", "rail", 1520, D, None, ("path", "Beyneu", "Turkmenbashi"), "S69", True,
     "via Uzen (opened 2014 [S69]); traction assumed",
     {"split_names": {("KAZ", "TKM"): (None, "Kazakhstan–Turkmenistan border (Uzen–Bereket line)")}}),
    ("TM_BRK", "TM_TMB", "rail", 1520, D, None, ("path", "Beyneu", "Turkmenbashi"), "S69, S85", True,
     "Bereket–Turkmenbashi; cut from the Beyneu–Turkmenbashi path; traction assumed", {}),
    # ---- Southern route (Iran), 1520 mm to Incheh Borun, then 1435 mm
    ("TM_BRK", "IR_INB", "rail", 1520, D, None, ("graph", []), "S69", True,
     "Bereket–Etrek line (opened 2014 [S69]) to the gauge change at Incheh Borun; crosses TKM–IRN border "
     "~1 km before it; traction assumed", {}),
    ("IR_INB", "IR_THR", "rail", 1435, D, None, ("graph", [(54.48, 36.83)]), "S69", True,
     "via Gorgan and the Trans-Iranian line (Sari–Garmsar); traction assumed", {}),
    ("IR_THR", "IR_TBZ", "rail", 1435, D, None, ("graph", []), "S69", True,
     "via Qazvin–Zanjan; traction assumed (electrification not in the facts)", {}),
    ("IR_TBZ", "TR_KPY", "rail", 1435, D, None, ("path", "Tabriz", "Van_pier"), "S69", True,
     "Tabriz–Razi line; crosses IRN–TUR border just before Kapıköy; traction assumed", {}),
    ("TR_KPY", "TR_VAN", "rail", 1435, D, None, ("path", "Tabriz", "Van_pier"), "S69", True,
     "Kapıköy–Van pier; traction assumed", {}),
    ("TR_TAT", "TR_ANK", "rail", 1435, D, None, ("graph", []), "S69", True,
     "via Muş–Elazığ–Malatya–Kayseri; traction assumed", {}),
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
    ("TR_IST", "TR_HAL", "rail", 1435, E, None, IST_KPK_LEGS, "S68", True,
     "Marmaray tube→Sirkeci→Halkalı on OSM graph; traction assumed", {}),
    ("TR_HAL", "TR_KPK", "rail", 1435, E, None, IST_KPK_LEGS, "S68", True,
     "Halkalı→Kapıkule on OSM graph; traction assumed", {}),
    ("TR_KPK", "RS_BEG", "rail", 1435, E, None, KPK_BUD_LEGS, "S86", True,
     f"{KTB} on OSM graph; traction assumed",
     {"ignore_countries": {"GRC"},  # NE 50m puts Kapıkule–Svilengrad track ~17 km into GRC
      "split_names": {("BGR", "SRB"): (None, "Bulgaria–Serbia border (Dimitrovgrad)")}}),
    ("RS_BEG", "HU_BUD", "rail", 1435, E, None, KPK_BUD_LEGS, "S86", True,
     "via Novi Sad–Subotica–Kelebia; Novi Sad–Subotica (~100 km) missing in the OSM-derived data (line under "
     "reconstruction in the OSM snapshot) and drawn manually via Vrbas and Bačka Topola; traction assumed",
     {"split_names": {("SRB", "HUN"): (None, "Serbia–Hungary border (Subotica–Kelebia)")}}),
    # ---- Europe, 1435 mm electric
    ("RO_CND", "HU_BUD", "rail", 1435, E, None, ("path", "Constanta", "Budapest"), "S83", False, "", {}),
    ("RO_CND", "TR_KPK", "rail", 1435, D, None, ("graph", []), "OSM", True,
     "shortest path on the healed OSM graph: via Bucharest–Giurgiu–Ruse (Danube bridge)–Stara Zagora–"
     "Svilengrad; traction assumed diesel (Bucharest–Giurgiu electrification not sourced)", {}),
    ("HU_BUD", "AT_VIE", "rail", 1435, E, None, ("path", "Budapest", "Vienna"), "S73", False, "", {}),
    ("AT_VIE", "DE_DUI", "rail", 1435, E, None, ("path", "Vienna", "Duisburg"), "S73", False, "", {}),
    ("DE_DUI", "NL_RTM", "rail", 1435, E, None, ("graph", []), "S73", False, "to Maasvlakte", {}),
    ("DE_DUI", "DE_HAM", "rail", 1435, E, None, ("path", "Duisburg", "Hamburg"), "S73", False, "", {}),
    ("DE_DUI", "BE_ANR", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "shortest path on the healed OSM graph (via Venlo–Eindhoven–Roosendaal)",
     {"split_names": {("DEU", "NLD"): ("BX_DEU_NLD_VENLO", "Germany–Netherlands border (Kaldenkirchen–Venlo)"),
                      ("NLD", "BEL"): (None, "Netherlands–Belgium border (Roosendaal–Essen)")}}),
    ("DE_DUI", "IT_MIL", "rail", 1435, E, None, ("graph", [(7.60, 47.55)]), "OSM", False,
     "Rhine–Alpine corridor via Basel and the Gotthard", {}),
    ("DE_HAM", "CZ_PRG", "rail", 1435, E, None, ("graph", []), "OSM", False, "via Dresden–Děčín (Elbe valley)", {}),
    ("AT_VIE", "CZ_PRG", "rail", 1435, E, None, ("graph", []), "OSM", False, "shortest path on the healed OSM graph", {}),
    ("AT_VIE", "IT_MIL", "rail", 1435, E, None, ("graph", []), "OSM", False, "via Villach–Tarvisio–Udine–Verona", {}),
    ("SI_KOP", "AT_VIE", "rail", 1435, E, None, ("graph", []), "OSM", False, "via Ljubljana–Maribor–Graz", {}),
    ("SI_KOP", "HU_BUD", "rail", 1435, E, None, ("graph", [(16.32, 46.82)]), "OSM", False,
     "via Ljubljana–Pragersko–Hodoš–Zalalövő (the graph's shortest path would cut through Croatia)", {}),
    ("SI_KOP", "IT_MIL", "rail", 1435, E, None, ("graph", []), "OSM", False, "via Trieste–Venice–Verona", {}),
    ("GR_PIR", "RS_BEG", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "via Thessaloniki–Skopje–Niš (Corridor X)", {}),
    ("PL_MAL", "PL_WAW", "rail", 1435, E, None, ("path", "Malaszewicze", "Warsaw"), "S67", False, "", {}),
    # Warsaw–Berlin–Duisburg: one path, cut at Berlin
    ("PL_WAW", "DE_BER", "rail", 1435, E, None, ("path", "Warsaw", "Duisburg"), "S39", False,
     "via Poznań–Frankfurt (Oder); cut at Berlin from the Warsaw–Duisburg path",
     {"split_names": {("POL", "DEU"): ("BX_POL_DEU", "Poland–Germany border (Warsaw–Duisburg line)")}}),
    ("DE_BER", "DE_DUI", "rail", 1435, E, None, ("path", "Warsaw", "Duisburg"), "S39", False,
     "cut at Berlin from the Warsaw–Duisburg path", {}),
    ("DE_BER", "DE_HAM", "rail", 1435, E, None, ("graph", []), "OSM", False,
     "Berlin–Hamburg line; shortest path on the healed OSM graph", {}),
    ("PL_WAW", "PL_LOD", "rail", 1435, E, None, ("graph", []), "OSM", False, "", {}),
    ("PL_WAW", "PL_GDN", "rail", 1435, E, None, ("graph", []), "OSM", False, "", {}),
    ("PL_LOD", "CZ_PRG", "rail", 1435, E, None, ("graph", []), "OSM", False, "via Wrocław–Lichkov", {}),
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
    # ---- Lake Van train ferry (sea, manual)
    ("TR_VAN", "TR_TAT", "sea", None, None, "lake_van", ("manual", LAKE_VAN), "facts §1 (TR_VAN), S69", True,
     "Van–Tatvan train ferry; manual open-water track over Lake Van (no marnet lanes)", {}),
    # ---- Deep sea (marnet)
    ("CN_SHA", "SG_SIN", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("CN_NGB", "SG_SIN", "sea", None, None, "deep_sea", ("marnet", ()), "facts §1", False, "", {}),
    ("CN_YTN", "SG_SIN", "sea", None, None, "deep_sea", ("marnet", ()), "marnet", False, "", {}),
    ("CN_TSN", "SG_SIN", "sea", None, None, "deep_sea", ("marnet", ()), "marnet", False, "", {}),
    ("SG_SIN", "YE_BAB", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("YE_BAB", "EG_SUZ", "sea", None, None, "deep_sea", ("marnet", ()), "S41, S44", False, "", {}),
    ("EG_SUZ", "ES_GIB", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("EG_SUZ", "GR_PIR", "sea", None, None, "deep_sea", ("marnet", ("gibraltar",)), "facts §1", False, "", {}),
    ("EG_SUZ", "SI_KOP", "sea", None, None, "deep_sea", ("marnet", ("gibraltar",)), "marnet", False, "", {}),
    ("ES_GIB", "NL_RTM", "sea", None, None, "deep_sea", ("marnet", ()), "S41", False, "", {}),
    ("ES_GIB", "GR_PIR", "sea", None, None, "deep_sea", ("marnet", ("suez",)), "marnet", False, "", {}),
    ("ES_GIB", "SI_KOP", "sea", None, None, "deep_sea", ("marnet", ("suez",)), "marnet", False, "", {}),
    ("ES_GIB", "BE_ANR", "sea", None, None, "deep_sea", ("marnet", ()), "marnet", False, "", {}),
    ("ES_GIB", "DE_HAM", "sea", None, None, "deep_sea", ("marnet", ()), "marnet", False, "", {}),
    ("ES_GIB", "PL_GDN", "sea", None, None, "deep_sea", ("marnet", ()), "marnet", False, "", {}),
    ("SG_SIN", "ZA_CGH", "sea", None, None, "deep_sea", ("marnet", CAPE), "S41, S47", False,
     "Cape route (suez passage forbidden)", {}),
    ("ZA_CGH", "NL_RTM", "sea", None, None, "deep_sea", ("marnet", CAPE), "S41, S47", False,
     "Cape route (suez passage forbidden)", {}),
    ("ZA_CGH", "BE_ANR", "sea", None, None, "deep_sea", ("marnet", CAPE), "S47", False,
     "Cape route (suez passage forbidden)", {}),
    ("ZA_CGH", "DE_HAM", "sea", None, None, "deep_sea", ("marnet", CAPE), "S47", False,
     "Cape route (suez passage forbidden)", {}),
    ("ZA_CGH", "PL_GDN", "sea", None, None, "deep_sea", ("marnet", CAPE), "S47", False,
     "Cape route (suez passage forbidden)", {}),
    ("ZA_CGH", "ES_GIB", "sea", None, None, "deep_sea", ("marnet", CAPE), "S47", False,
     "Cape route to the Mediterranean (suez passage forbidden)", {}),
]

# Russia/Belarus/Mongolia nodes (Northern routes); every other non-deep-sea link is checked to
# avoid Russia.
NORTHERN_NODES = {"KZ_AST", "KZ_PTP", "RU_OMS", "RU_YEK", "RU_MOW", "BY_BRS", "PL_MAL", "PL_WAW", "RU_ZAB",
                  "RU_CHT", "RU_UUD", "RU_IRK", "RU_NSK", "MN_ULN", "MN_ZUU", "CN_MZH"}

# Caspian / Volga–Don exclusion boxes for the marnet graph (lon0, lat0, lon1, lat1)
MARNET_EXCLUDE_BOXES = [(42.0, 36.0, 62.0, 60.0), (39.4, 46.5, 62.0, 60.0)]


# ==========================================================================
# helpers
# ==========================================================================
def km(geom) -> float:
    return GEOD.geometry_length(geom) / 1000.0


def gc_km(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


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


def unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    """(lon, lat) degrees -> unit vectors; chord distance orders like great-circle distance."""
    lon = np.radians(lonlat[:, 0])
    lat = np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_to_km(d):
    return 2.0 * EARTH_R_KM * np.arcsin(np.minimum(np.asarray(d) / 2.0, 1.0))


def km_to_chord(k: float) -> float:
    return 2.0 * math.sin(k / (2.0 * EARTH_R_KM))


class PointGraph:
    """networkx graph whose nodes are (lon, lat) tuples; edges carry w (km) and coords (marnet)."""

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


TRACK, CONNECTOR, MANUAL = 0, 1, 2


class RailGraph:
    """The healed OSM rail graph: every OSM vertex (3-decimal lon/lat) is a vertex, every
    segment an edge weighted by its geodesic length (km). Shortest paths with scipy."""

    def __init__(self, xy: np.ndarray, ei: np.ndarray, ej: np.ndarray, kind: np.ndarray):
        from scipy.sparse import csr_matrix

        a, b = np.minimum(ei, ej), np.maximum(ei, ej)
        keep = a != b
        a, b, kind = a[keep], b[keep], kind[keep]
        w = GEOD.inv(xy[a, 0], xy[a, 1], xy[b, 0], xy[b, 1])[2] / 1000.0
        order = np.lexsort((kind, w, b, a))  # per vertex pair keep the shortest (track first)
        a, b, w, kind = a[order], b[order], w[order], kind[order]
        first = np.ones(len(a), bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        self.xy, self.ei, self.ej, self.w, self.kind = xy, a[first], b[first], w[first], kind[first]
        n = len(xy)
        rows = np.concatenate([self.ei, self.ej])
        cols = np.concatenate([self.ej, self.ei])
        self.csr = csr_matrix((np.concatenate([self.w, self.w]), (rows, cols)), shape=(n, n))
        self.csr.sort_indices()
        self._tree = None
        self._index = None
        self._pred = {}

    # -- lookup
    @property
    def tree(self):
        if self._tree is None:
            from scipy.spatial import cKDTree
            self._tree = cKDTree(unit_vectors(self.xy))
        return self._tree

    def idx(self, p) -> int:
        if self._index is None:
            self._index = {(float(x), float(y)): i for i, (x, y) in enumerate(self.xy.tolist())}
        return self._index[(float(p[0]), float(p[1]))]

    def pt(self, i: int):
        return (float(self.xy[i, 0]), float(self.xy[i, 1]))

    def snap(self, p):
        d, i = self.tree.query(unit_vectors(np.array([p], float)))
        return self.pt(int(i[0])), float(chord_to_km(d[0]))

    # -- routing
    def path_idx(self, i: int, j: int) -> list[int]:
        from scipy.sparse.csgraph import dijkstra

        if i not in self._pred:
            _, pred = dijkstra(self.csr, directed=True, indices=i, return_predecessors=True)
            self._pred[i] = pred
        pred = self._pred[i]
        if i != j and pred[j] < 0:
            raise ValueError(f"no rail path {self.pt(i)} -> {self.pt(j)}")
        out = [j]
        while out[-1] != i:
            out.append(int(pred[out[-1]]))
        return out[::-1]

    def path_coords(self, a, b):
        path = self.path_idx(self.idx(a), self.idx(b))
        return [self.pt(k) for k in path], path

    def edge_kind(self, i: int, j: int) -> int:
        a, b = min(i, j), max(i, j)
        lo = np.searchsorted(self.ei, a, side="left")
        hi = np.searchsorted(self.ei, a, side="right")
        k = lo + np.searchsorted(self.ej[lo:hi], b)
        return int(self.kind[k])

    def with_edges(self, extra: list[tuple[int, int, int]]) -> RailGraph:
        if not extra:
            return self
        e = np.array(extra, dtype=np.int64)
        return RailGraph(self.xy, np.concatenate([self.ei, e[:, 0]]), np.concatenate([self.ej, e[:, 1]]),
                         np.concatenate([self.kind, e[:, 2]]))

    def components(self) -> np.ndarray:
        from scipy.sparse.csgraph import connected_components
        return connected_components(self.csr, directed=False)[1]


# ==========================================================================
# loading sources
# ==========================================================================
def load_rail_graph_prepared(src: Path) -> RailGraph:
    """Rail graph from the prepared layer ``rail_osm_scgraph_aoi.geojson`` (SOURCES.md §8)."""
    gdf = gpd.read_file(src / "rail_osm_scgraph_aoi.geojson").explode(index_parts=False)
    parts, kinds = [], []
    for geom, kind in zip(gdf.geometry.values, gdf["kind"].values):
        parts.append(np.round(shapely.get_coordinates(geom), 3))
        kinds.append(CONNECTOR if kind == "gap_connector" else TRACK)
    allc = np.concatenate(parts)
    xy, inv = np.unique(allc, axis=0, return_inverse=True)
    inv = inv.ravel()
    ei, ej, kk, off = [], [], [], 0
    for c, k in zip(parts, kinds):
        idx = inv[off:off + len(c)]
        off += len(c)
        ei.append(idx[:-1])
        ej.append(idx[1:])
        kk.append(np.full(len(c) - 1, k, dtype=np.int64))
    return RailGraph(xy, np.concatenate(ei), np.concatenate(ej), np.concatenate(kk))


def load_marnet_graph(path: Path):
    gdf = gpd.read_file(path).explode(index_parts=False)
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


def load_countries(path: Path) -> gpd.GeoDataFrame:
    c = gpd.read_file(path)
    c = c[["ADM0_A3", "NAME", "geometry"]].rename(columns={"ADM0_A3": "iso3", "NAME": "name"})
    c["geometry"] = shapely.make_valid(c.geometry.values)
    return c.sort_values("iso3").reset_index(drop=True)


def vendor_countries(src: Path, out: Path = NE_COUNTRIES) -> None:
    """The vendored NE 50m admin-0 layer from the original file: whole countries (no clip),
    ``make_valid``, polygonal pieces only, the two columns the build reads, 4 decimals."""
    c = gpd.read_file(src)[["ADM0_A3", "NAME", "geometry"]]
    c["geometry"] = [shapely.union_all(
        [g for g in shapely.get_parts(v) if g.geom_type in ("Polygon", "MultiPolygon")])
        for v in shapely.make_valid(c.geometry.values)]
    c = c[~c.geometry.is_empty].sort_values("ADM0_A3").reset_index(drop=True)
    write_geojson(c, out, nd=4)
    print(f"wrote {out} ({len(c)} countries, {out.stat().st_size / 1024:.0f} KB)")


def read_scgraph_railways():
    """(nodes [[lat, lon], ...], adjacency [{j: km}, ...]) of ``scgraph_data.world_railways``.

    The module is a Python literal (``graph=[...]`` and ``nodes=[...]`` lines) that also builds an
    ``scgraph`` GeoGraph on import; it is read as text instead, so the ``scgraph`` version does
    not matter (its 2.x layout lacks ``scgraph.core``)."""
    import re

    text = (resources.files("scgraph_data") / "world_railways.py").read_text(encoding="utf-8")
    lines = {}
    for line in text.splitlines():
        for key in ("graph", "nodes"):
            if line.startswith(key + "=["):
                lines[key] = line[len(key) + 1:]
    nodes = json.loads(lines["nodes"])
    adjacency = json.loads(re.sub(r"([{,]\s*)(\d+):", r'\1"\2":', lines["graph"]))
    return nodes, adjacency


def _csr(n, ei, ej, w):
    from scipy.sparse import csr_matrix
    m = csr_matrix((np.concatenate([w, w]), (np.concatenate([ei, ej]), np.concatenate([ej, ei]))), shape=(n, n))
    m.sort_indices()
    return m


def _edge_km(xy, ei, ej):
    return GEOD.inv(xy[ei, 0], xy[ei, 1], xy[ej, 0], xy[ej, 1])[2] / 1000.0


def network_far(m, xy, src, dst, limit_km, cell_deg=1.0):
    """For each pair (src[k], dst[k]): True where the network distance on m exceeds limit_km
    (or there is no path). Bounded Dijkstra on 1-degree tiles widened by limit_km, which is exact:
    a path of at most limit_km never leaves that box."""
    from scipy.sparse.csgraph import dijkstra

    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    far = np.ones(len(src), bool)
    cx = np.floor(xy[:, 0] / cell_deg).astype(np.int64)
    cy = np.floor(xy[:, 1] / cell_deg).astype(np.int64)
    key = cx * 1000 + cy
    order = np.argsort(key, kind="stable")
    ks = key[order]

    def cell(x, y):
        k = x * 1000 + y
        return order[np.searchsorted(ks, k, "left"):np.searchsorted(ks, k, "right")]

    skey = key[src]
    mlat = limit_km / 110.0
    for k in np.unique(skey):
        sel = np.flatnonzero(skey == k)
        x, y = int(cx[src[sel[0]]]), int(cy[src[sel[0]]])
        lat = min(max(abs(y * cell_deg), abs((y + 1) * cell_deg)) + mlat, 89.0)
        mlon = mlat / math.cos(math.radians(lat))
        nb = np.concatenate([cell(x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
        nb = nb[(xy[nb, 0] >= x * cell_deg - mlon) & (xy[nb, 0] <= (x + 1) * cell_deg + mlon)
                & (xy[nb, 1] >= y * cell_deg - mlat) & (xy[nb, 1] <= (y + 1) * cell_deg + mlat)]
        nb = np.sort(nb)
        sub = m[nb][:, nb]
        s_loc = np.searchsorted(nb, src[sel])
        d_loc = np.minimum(np.searchsorted(nb, dst[sel]), len(nb) - 1)
        inside = nb[d_loc] == dst[sel]
        us, inv = np.unique(s_loc, return_inverse=True)
        dist = dijkstra(sub, directed=True, indices=us, limit=limit_km)[inv.ravel(), d_loc]
        far[sel] = ~(inside & (dist <= limit_km))
    return far


def _sorted_candidates(tree, uv, idx, pts, radius_km):
    """For each point: candidate vertex ids within radius, sorted by (distance, id)."""
    out = []
    for p, cand in zip(pts, tree.query_ball_point(uv[pts], km_to_chord(radius_km))):
        c = idx[np.array(cand, dtype=np.int64)]
        c = c[c != p]
        d = np.linalg.norm(uv[c] - uv[p], axis=1)
        out.append(c[np.lexsort((c, d))])
    return out


def heal_rail(xy, ei, ej, aoi):
    """The three gap-healing passes of SOURCES.md §8 (straight 'gap connector' edges):
    (a) every dead-end vertex (degree 1) joins the nearest vertex of a different connected
        component within 2 km (whole graph; components merged as connectors are added);
    (b) any two AOI vertices within 0.5 km join if their network distance is > 10 km or infinite;
    (c) every AOI dead-end (after a, b) joins the nearest vertex within 2 km whose network
        distance is > 10 km.
    Vertices are visited in index order, candidates by (distance, index): deterministic."""
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(xy)
    uv = unit_vectors(xy)
    used = np.unique(np.concatenate([ei, ej]))
    tree = cKDTree(uv[used])

    # (a)
    labels = connected_components(_csr(n, ei, ej, _edge_km(xy, ei, ej)), directed=False)[1]
    parent = np.arange(labels.max() + 1)

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    deg = np.bincount(np.concatenate([ei, ej]), minlength=n)
    dead = np.flatnonzero(deg == 1)
    conn_a = []
    for d, cand in zip(dead.tolist(), _sorted_candidates(tree, uv, used, dead, 2.0)):
        cd = find(labels[d])
        for c in cand.tolist():
            cc = find(labels[c])
            if cc != cd:
                conn_a.append((d, c))
                parent[cd] = cc
                break
    ei1 = np.concatenate([ei, [a for a, _ in conn_a]]).astype(np.int64)
    ej1 = np.concatenate([ej, [b for _, b in conn_a]]).astype(np.int64)

    # (b)
    m1 = _csr(n, ei1, ej1, _edge_km(xy, ei1, ej1))
    in_aoi = used[aoi[used]]
    pairs = cKDTree(uv[in_aoi]).query_pairs(km_to_chord(0.5), output_type="ndarray")
    pairs = np.sort(in_aoi[pairs], axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    adj = set(zip(np.minimum(ei1, ej1).tolist(), np.maximum(ei1, ej1).tolist()))
    pairs = pairs[[(a, b) not in adj for a, b in pairs.tolist()]]
    conn_b = pairs[network_far(m1, xy, pairs[:, 0], pairs[:, 1], 10.0)].tolist()
    ei2 = np.concatenate([ei1, [a for a, _ in conn_b]]).astype(np.int64)
    ej2 = np.concatenate([ej1, [b for _, b in conn_b]]).astype(np.int64)

    # (c)
    m2 = _csr(n, ei2, ej2, _edge_km(xy, ei2, ej2))
    deg = np.bincount(np.concatenate([ei2, ej2]), minlength=n)
    dead = np.flatnonzero((deg == 1) & aoi)
    src, dst = [], []
    for d, cand in zip(dead.tolist(), _sorted_candidates(tree, uv, used, dead, 2.0)):
        src += [d] * len(cand)
        dst += cand.tolist()
    far = network_far(m2, xy, src, dst, 10.0)
    conn_c, done = [], set()
    for s, t, f in zip(src, dst, far.tolist()):
        if f and s not in done:
            done.add(s)
            conn_c.append((s, t))
    print(f"rail healing: {len(conn_a)} + {len(conn_b)} + {len(conn_c)} gap connectors (passes a, b, c)")
    return conn_a + conn_b + conn_c


def load_rail_graph_scgraph() -> RailGraph:
    """Rail graph from PyPI scgraph_data 2.0.0 (OpenStreetMap, ODbL): AOI clip + gap healing."""
    nodes, adjacency = read_scgraph_railways()
    xy = np.round(np.array(nodes, dtype=float)[:, ::-1], 3)  # [lat, lon] -> (lon, lat)
    src = np.repeat(np.arange(len(adjacency)), [len(a) for a in adjacency])
    dst = np.array([int(k) for a in adjacency for k in a], dtype=np.int64)
    ei, ej = np.minimum(src, dst), np.maximum(src, dst)
    keep = ei != ej  # self-loops dropped
    pairs = np.unique(np.column_stack([ei[keep], ej[keep]]), axis=0)
    ei, ej = pairs[:, 0], pairs[:, 1]
    lon0, lat0, lon1, lat1 = AOI
    aoi = (xy[:, 0] >= lon0) & (xy[:, 0] <= lon1) & (xy[:, 1] >= lat0) & (xy[:, 1] <= lat1)
    conn = np.array(heal_rail(xy, ei, ej, aoi), dtype=np.int64).reshape(-1, 2)
    ei = np.concatenate([ei, conn[:, 0]])
    ej = np.concatenate([ej, conn[:, 1]])
    kind = np.concatenate([np.full(len(pairs), TRACK), np.full(len(conn), CONNECTOR)]).astype(np.int64)
    keep = aoi[ei] | aoi[ej]  # AOI clip: edges with at least one end in the AOI
    ei, ej, kind = ei[keep], ej[keep], kind[keep]
    used, inv = np.unique(np.concatenate([ei, ej]), return_inverse=True)
    inv = inv.ravel()
    return RailGraph(xy[used], inv[:len(ei)], inv[len(ei):], kind)


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


def country_attrs(line, countries, credit=None):
    runs = country_runs(line, countries)
    if credit:  # NE 50m artefacts: credit their km to the country the line really is in
        runs = [(s, e, credit.get(iso, iso), k) for s, e, iso, k in runs]
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


def conn(coords, p_from, p_to):
    """Lengths (km) of the straight connectors from the nodes to the ends of the routed line."""
    return (gc_km(p_from, coords[0]), gc_km(p_to, coords[-1]))


def rail_geometry(route, p_from, p_to, rail: RailGraph):
    """(geometry, geometry_source, manual pieces, end connector km) of a rail link."""
    kind = route[0]
    if kind == "path":
        (a, _), (b, _) = rail.snap(KEY_POINTS[route[1]]), rail.snap(KEY_POINTS[route[2]])
        coords, _ = rail.path_coords(a, b)
        coords = cut_path(LineString(coords), p_from, p_to)
        return attach_ends(coords, p_from, p_to), "osm_rail", [], conn(coords, p_from, p_to)
    if kind == "graph":
        pts = [p_from] + list(route[1]) + [p_to]
        coords = []
        for a, b in zip(pts[:-1], pts[1:]):
            sa, _ = rail.snap(a)
            sb, _ = rail.snap(b)
            c, _ = rail.path_coords(sa, sb)
            coords.extend(c if not coords else c[1:])
        return attach_ends(coords, p_from, p_to), "osm_rail", [], conn(coords, p_from, p_to)
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
        geom = attach_ends(coords, p_from, p_to)
        # keep only the manual parts that lie on the cut line (a link cut from a longer chain)
        manual = [part for m in manual for part in [geom.intersection(m.buffer(1e-6))]
                  if not part.is_empty and part.length > 1e-3]
        gsrc = "osm_rail+manual" if manual else "osm_rail"
        return geom, gsrc, manual, conn(coords, p_from, p_to)
    if kind == "graph_bridged":
        g = bridged_graph(rail, route[1])
        sa, _ = rail.snap(p_from)
        sb, _ = rail.snap(p_to)
        coords, path = g.path_coords(sa, sb)
        manual = [LineString([g.pt(u), g.pt(v)]) for u, v in zip(path[:-1], path[1:])
                  if g.edge_kind(u, v) == MANUAL]
        return attach_ends(coords, p_from, p_to), "osm_rail+manual", manual, conn(coords, p_from, p_to)
    if kind == "manual":
        geom = attach_ends([p_from] + list(route[1]) + [p_to], p_from, p_to)
        return geom, "manual", [geom], (0.0, 0.0)
    raise ValueError(kind)


def cut_geometry(route, p_from, p_to, nodes, rail: RailGraph):
    """("cut", A, B, parent_route): the A–B line of parent_route, cut at the points nearest the two
    nodes (a node inserted on an existing line sits on one of its vertices)."""
    _, pa, pb, parent = route
    pgeom, gsrc, manual, _ = rail_geometry(parent, nodes[pa]["pt"], nodes[pb]["pt"], rail)
    coords = cut_path(pgeom, p_from, p_to)
    geom = attach_ends(coords, p_from, p_to)
    manual = [part for m in manual for part in [geom.intersection(m.buffer(1e-6))]
              if not part.is_empty and part.length > 1e-3]
    if gsrc == "osm_rail+manual" and not manual:
        gsrc = "osm_rail"
    return geom, gsrc, manual, conn(coords, p_from, p_to)


def bridged_graph(rail: RailGraph, bbox, max_gap_km=15.0) -> RailGraph:
    """Copy of the rail graph in which each pair of components with vertices inside bbox is joined
    by a straight 'manual' edge between their closest vertices (if the gap is <= max_gap_km)."""
    from scipy.spatial import cKDTree

    lon0, lat0, lon1, lat1 = bbox
    labels = rail.components()
    inside = np.flatnonzero((rail.xy[:, 0] >= lon0) & (rail.xy[:, 0] <= lon1)
                            & (rail.xy[:, 1] >= lat0) & (rail.xy[:, 1] <= lat1))
    groups: dict[int, list[int]] = {}
    for i in inside.tolist():
        groups.setdefault(int(labels[i]), []).append(i)
    keys = sorted(groups, key=lambda k: groups[k][0])
    uv = unit_vectors(rail.xy)
    extra = []
    for n, ka in enumerate(keys):
        A = np.array(groups[ka])
        tree = cKDTree(uv[A])
        for kb in keys[n + 1:]:
            Bv = np.array(groups[kb])
            d, j = tree.query(uv[Bv])
            m = int(np.argmin(d))
            if chord_to_km(d[m]) <= max_gap_km:
                extra.append((int(A[j[m]]), int(Bv[m]), MANUAL))
    return rail.with_edges(extra)


# ==========================================================================
# sea geometry
# ==========================================================================
def sea_geometry(route, p_from, p_to, sea: PointGraph):
    if route[0] == "manual":
        return attach_ends([p_from] + list(route[1]) + [p_to], p_from, p_to), "manual", [], (0.0, 0.0)
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
        p = "cape" if p == "south_africa" else p
        if p and p not in passages:
            passages.append(p)
    return attach_ends(coords, p_from, p_to), "marnet", passages, conn(coords, p_from, p_to)


# ==========================================================================
# build
# ==========================================================================
def build_nodes(sea: PointGraph):
    nodes = {}
    for nid, name, iso, kind, gauge, lon, lat, src, roles, aliases in NODES:
        p = None if lon is None else rnd((lon, lat))
        if nid in SNAP_ON_MARNET:
            p, _ = sea.snap(p)
        nodes[nid] = dict(id=nid, name=name, country=iso, kind=kind, gauge_mm=gauge, source=src, pt=p,
                          roles=roles, aliases=aliases)
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
        if nid is None:  # auto id; a second crossing of the same pair gets a suffix
            nid, k = f"BX_{a}_{b}", 2
            while nid in nodes:
                nid, k = f"BX_{a}_{b}_{k}", k + 1
        pt = rnd(geom.interpolate(frac, normalized=True).coords[0])
        if nid in nodes and nodes[nid]["pt"] is not None:
            raise ValueError(f"border node {nid} already exists ({frm}-{to})")
        if nid not in nodes:  # auto-created border node (a predefined one only gets its point)
            def head(n):
                return nodes[n]["name"].split(" (")[0].split(" / ")[0]
            nm = nm or (f"{COUNTRY_NAMES.get(a, a)}–{COUNTRY_NAMES.get(b, b)} border "
                        f"({head(frm)}–{head(to)} line)")
            nodes[nid] = dict(id=nid, name=nm, country=a, kind="border", gauge_mm=link["gauge_mm"],
                              source="NE 50m border x OSM rail", pt=None, roles="", aliases="")
        nodes[nid]["pt"] = pt
        seg = substring(geom, prev_frac, frac, normalized=True)
        pieces.append((prev_id, nid, seg))
        prev_id, prev_frac = nid, frac
    pieces.append((prev_id, to, substring(geom, prev_frac, 1.0, normalized=True)))
    return pieces


def build_links(nodes, rail, sea, countries):
    rows, info = [], []
    for frm, to, mode, gauge, traction, sea_area, route, src, assumed, note, extra in LINKS:
        link = dict(extra=extra, gauge_mm=gauge, **{"from": frm, "to": to})
        p_from, p_to = nodes[frm]["pt"], nodes[to]["pt"]
        chokepoints = list(extra.get("chokepoints", []))
        note_full = note
        if mode == "rail":
            if route[0] == "cut":
                geom, gsrc, manual, ends = cut_geometry(route, p_from, p_to, nodes, rail)
            else:
                geom, gsrc, manual, ends = rail_geometry(route, p_from, p_to, rail)
            if gsrc == "osm_rail+manual":
                note_full = f"{note} ({sum(km(m) for m in manual):.1f} km drawn manually)"
            pieces = split_at_borders(link, geom, nodes, countries)
        else:
            geom, gsrc, passages, ends = sea_geometry(route, p_from, p_to, sea)
            chokepoints += passages
            pieces = [(frm, to, geom)]
            manual = []
        info.append(dict(frm=frm, to=to, mode=mode, km=km(geom), gc=gc_km(p_from, p_to), gsrc=gsrc,
                         manual_km=sum(km(m) for m in manual), ends=ends, route=route[0]))
        for a, b, g in pieces:
            g = attach_ends(list(g.coords), nodes[a]["pt"], nodes[b]["pt"])
            piece_src = gsrc
            if gsrc == "osm_rail+manual" and len(pieces) > 1:
                has_manual = any(g.buffer(1e-6).intersection(m).length > 1e-3 for m in manual)
                piece_src = gsrc if has_manual else "osm_rail"
            order, kmc, main = country_attrs(g, countries, extra.get("credit_countries"))
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
    return rows, info


def assign_roles(nodes, rows):
    """Final roles: table roles + port / gauge_change (kind) + junction (>= 3 rail neighbours, not ports)."""
    nbrs: dict[str, set] = {}
    for r in rows:
        if r["mode"] == "rail":
            nbrs.setdefault(r["from"], set()).add(r["to"])
            nbrs.setdefault(r["to"], set()).add(r["from"])
    for nid, n in nodes.items():
        roles = set(filter(None, n["roles"].split(";")))
        unknown = roles - set(ROLE_ORDER)
        if unknown:
            raise ValueError(f"{nid}: unknown roles {unknown}")
        if n["kind"] == "port":
            roles.add("port")
        if n["kind"] == "gauge_change":
            roles.add("gauge_change")
        if len(nbrs.get(nid, ())) >= 3 and n["kind"] != "port":
            roles.add("junction")
        n["roles"] = ";".join(r for r in ROLE_ORDER if r in roles)


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
        recs.append({k: n[k] for k in ("id", "name", "country", "kind", "gauge_mm", "roles", "aliases", "source")}
                    | {"geometry": Point(n["pt"])})
    df = gpd.GeoDataFrame(recs, geometry="geometry", crs="EPSG:4326")
    df["gauge_mm"] = df["gauge_mm"].astype("Int64")
    return df


def links_frame(rows):
    df = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    df["gauge_mm"] = df["gauge_mm"].astype("Int64")
    return df


def across_antimeridian(geom):
    """A country NE cuts at ±180° (Russia's Chukotka, Fiji) in one piece: its parts west of 0°
    moved by +360° and joined to the rest, so the map shows no straight cut at 180°."""
    parts = shapely.get_parts(geom)
    if not (any(p.bounds[0] <= -179.99 for p in parts) and any(p.bounds[2] >= 179.99 for p in parts)):
        return geom
    moved = [shapely.transform(p, lambda xy: xy + [360.0, 0.0]) if p.centroid.x < 0 else p for p in parts]
    return shapely.union_all(moved)


def write_basemap(out: Path):
    """``basemap.geojson``: the written ``countries.geojson`` simplified as the map draws it
    (``corridorsim.viz.basemap.basemap_frame``, the one home of that simplification), so a
    run's map reads it instead of simplifying the countries each time."""
    from corridorsim.viz.basemap import BASEMAP_FILE, basemap_frame

    write_geojson(basemap_frame(gpd.read_file(out / "countries.geojson")), out / BASEMAP_FILE,
                  nd=4)


def countries_frame(countries):
    """The basemap layer: whole countries, simplified by 0.02° where they reach the AOI (the
    corridors; the routing tests read it) and by 0.1° elsewhere (seen only zoomed out).
    Antarctica is left out: no route goes there, and NE cuts it at ±180°, which the map would
    show as a straight edge (and Web Mercator as a band across the map's foot)."""
    c = countries[countries.iso3 != "ATA"].copy()
    c["geometry"] = [across_antimeridian(g) for g in c.geometry]
    tol = np.where(c.intersects(shapely.geometry.box(*AOI)), 0.02, 0.1)
    simple = shapely.simplify(c.geometry.values, tol, preserve_topology=True)
    c["geometry"] = shapely.make_valid(shapely.set_precision(simple, 1e-4))
    c = c[~c.geometry.is_empty].reset_index(drop=True)
    return c


# ==========================================================================
# checks
# ==========================================================================
def link_index(links):
    idx = {}
    for _, r in links.iterrows():
        idx[(r["from"], r["to"])] = r
        idx[(r["to"], r["from"])] = r
    return idx


def chain_km(links, chain):
    idx = link_index(links)
    return sum(idx[(a, b)].length_km for a, b in zip(chain[:-1], chain[1:]))


def chain_km_by_country(links, chain):
    idx = link_index(links)
    out: dict[str, float] = {}
    for a, b in zip(chain[:-1], chain[1:]):
        r = idx[(a, b)]
        for c, k in json.loads(r.km_by_country).items():
            out[c] = out.get(c, 0.0) + k
        if r["mode"] == "sea":
            out["sea"] = out.get("sea", 0.0) + r.length_km
    return out


def expand_chain(links, stops):
    """Expand a list of stops into the node chain, inserting border nodes created by splits."""
    g = nx.Graph()
    for _, r in links.iterrows():
        g.add_edge(r["from"], r["to"], w=r.length_km, mode=r["mode"])
    out = [stops[0]]
    for a, b in zip(stops[:-1], stops[1:]):
        out.extend(nx.dijkstra_path(g, a, b, weight="w")[1:])
    return out


NORTH_XIY = ["CN_XIY", "CN_URC", "CN_AKU", "KZ_DOS", "KZ_AKG", "KZ_MOY", "KZ_AST", "KZ_PTP", "RU_YEK", "RU_MOW",
             "BY_BRS", "PL_MAL", "PL_WAW", "DE_DUI"]
SOUTHERN = ["KZ_ALT", "KZ_ALA", "KZ_SHU", "KZ_MOY", "KZ_ZHZ", "KZ_SAK", "KZ_BEY", "TM_BRK", "IR_INB", "IR_THR",
            "IR_TBZ", "TR_KPY", "TR_VAN", "TR_TAT", "TR_ANK"]


def run_checks(nodes_df, links, countries, info):
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

    # aliases: unique across nodes (a typed alias must not name two places)
    seen: dict[str, str] = {}
    for nid, al in zip(nodes_df.id, nodes_df.aliases):
        for a in filter(None, (al or "").split(";")):
            k = a.casefold()
            if k in seen and seen[k] != nid:
                ok = False
                print(f"FAIL: alias {a!r} on {seen[k]} and {nid}")
            seen[k] = nid
    role_sets = [set((v or "").split(";")) for v in nodes_df.roles]
    print("roles: " + ", ".join(f"{r} {sum(r in s for s in role_sets)}" for r in ROLE_ORDER))

    suez = expand_chain(links, ["CN_SHA", "SG_SIN", "YE_BAB", "EG_SUZ", "ES_GIB", "NL_RTM"])
    cape = expand_chain(links, ["CN_SHA", "SG_SIN", "ZA_CGH", "NL_RTM"])
    print(f"Shanghai→Rotterdam via Suez: {chain_km(links, suez) / NM_KM:,.0f} nm (ref ~10,600 nm [S41])")
    print(f"Shanghai→Rotterdam via Cape: {chain_km(links, cape) / NM_KM:,.0f} nm (ref ~13,800 nm [S41])")
    north = expand_chain(links, NORTH_XIY)
    nk = chain_km(links, north)
    print(f"Xi'an→Duisburg northern: {nk:,.0f} km (ref 9,908 km [S39]; {100 * (nk / 9908 - 1):+.1f} %)")
    ckg = expand_chain(links, ["CN_CKG", *NORTH_XIY])
    ck = chain_km(links, ckg)
    print(f"Chongqing→Xi'an→Duisburg northern: {ck:,.0f} km (ref 11,179 km [S40]; {100 * (ck / 11179 - 1):+.1f} %)")
    btk = expand_chain(links, ["AZ_BAK", "AZ_ALT", "GE_TBS", "GE_AKH", "TR_KRS"])
    print(f"Baku–Alat–Tbilisi–Akhalkalaki–Kars: {chain_km(links, btk):,.0f} km (ref 826–850 km [S59]; "
          f"chain {'-'.join(btk)})")
    south = expand_chain(links, SOUTHERN)
    kc = chain_km_by_country(links, south)
    ref = {"KAZ": 3185, "TKM": 700, "IRN": 1517, "TUR": 934}
    print("Southern Altynkol–Beyneu–Bereket–Incheh Borun–Tehran–Tabriz–Kapıköy–Van~Tatvan–Ankara by country "
          "(ref S69 2022 test train, ends not given: KZ 3,185 / TM 700 / IR 1,517 / TR 934 km):")
    print("   " + ", ".join(f"{c} {kc.get(c, 0):,.0f} ({100 * (kc.get(c, 0) / v - 1):+.0f} %)" for c, v in ref.items())
          + f"; Lake Van ferry {kc.get('sea', 0):,.0f} km; TR Kapıköy–Van pier "
          f"{chain_km(links, ['TR_KPY', 'TR_VAN']):,.0f} km, Tatvan–Ankara {chain_km(links, ['TR_TAT', 'TR_ANK']):,.0f} km")
    for a, b, ref_nm in [("GE_POT", "RO_CND", 582), ("KZ_AKU", "AZ_ALT", 234), ("KZ_KUR", "AZ_ALT", 218),
                         ("TM_TMB", "AZ_ALT", 145), ("GE_BUS", "RO_CND", 591)]:
        r = links[links.id == f"{a}-{b}"].iloc[0]
        gc = gc_km(pts[a], pts[b]) / NM_KM
        print(f"{a}–{b} sea: {r.length_km / NM_KM:,.0f} nm (great circle {gc:,.0f} nm; ref {ref_nm} nm GC)")

    rus = countries[countries.iso3 == "RUS"].geometry.iloc[0]
    northern = NORTHERN_NODES | {n for n in ids if n.startswith("BX_") and ("RUS" in n or "BLR" in n)}
    mc = links[(links.sea_area.ne("deep_sea")) & ~links["from"].isin(northern) & ~links["to"].isin(northern)]
    hits = [r.id for _, r in mc.iterrows() if r.geometry.intersects(rus)]
    print(f"Middle Corridor / Southern links intersecting Russia (NE 50m): {hits if hits else 'none'} "
          f"({len(mc)} links checked)")
    east = ({n for n in ids if n[:3] in ("RU_", "MN_") or n in ("CN_MZH", "CN_EHT")}
            | {n for n in ids if n.startswith("BX_") and "MNG" in n}) - {"RU_YEK", "RU_MOW"}
    tr = links[(links["from"].isin(east) | links["to"].isin(east)) & ~links["from"].str.startswith("BX_KAZ")
               & ~links["to"].str.startswith("BX_KAZ")]
    bad = [r.id for _, r in tr.iterrows() if "KAZ" in r.countries.split(";")]
    print(f"Trans-Mongolian / Trans-Siberian links entering Kazakhstan: {bad if bad else 'none'} ({len(tr)} links: "
          f"{', '.join(sorted(set(c for s in tr.countries for c in s.split(';') if c)))})")
    ok = ok and not bad and not hits

    # deep-sea links must not pass a chokepoint node other than their ends (unless tagged)
    choke = {n: pts[n] for n in SNAP_ON_MARNET}
    tag_of = {"SG_SIN": "malacca", "YE_BAB": "babalmandab", "EG_SUZ": "suez", "ES_GIB": "gibraltar",
              "ZA_CGH": "cape"}
    passes = []
    for _, r in links[links.sea_area.eq("deep_sea")].iterrows():
        for n, p in choke.items():
            if n in (r["from"], r["to"]):
                continue
            if gc_km(p, nearest_point(r.geometry, p)) < 30.0 and tag_of[n] not in r.chokepoints.split(";"):
                passes.append(f"{r.id} passes {n}")
    print(f"deep-sea links passing an untagged chokepoint node (< 30 km): {passes if passes else 'none'}")
    ok = ok and not passes

    land = countries.union_all()
    lake = load_lake_van()
    for _, r in links[links.geometry_source.eq("manual") & links["mode"].eq("sea")].iterrows():
        g = r.geometry
        inner = substring(g, 0.03, 0.97, normalized=True)
        if r.sea_area == "lake_van":
            if lake is None:
                print(f"  manual lake link {r.id}: no lake polygon to check")
                continue
            out = g.difference(lake)
            print(f"  manual lake link {r.id}: {km(out) if not out.is_empty else 0:.1f} km outside the NE 50m "
                  f"Lake Van polygon (whole line; the polygon stops ~6 km short of the Tatvan pier)")
            continue
        onland = inner.intersection(land)
        print(f"  manual sea link {r.id}: {km(onland) if not onland.is_empty else 0:.1f} km over land "
              f"(excluding 3 % at each end)")
    multi = links[(links["mode"] == "rail") & links.km_by_country.map(lambda s: len(json.loads(s)) > 1)]
    for _, r in multi.iterrows():
        print(f"  rail link in >1 country: {r.id} {r.km_by_country}")

    print("\nLink table rows (before border splits): km, great-circle km, detour ratio, geometry")
    for i in info:
        ratio = i["km"] / i["gc"] if i["gc"] > 0 else float("nan")
        flag = "  <-- ratio > 1.6" if ratio > 1.6 and i["gc"] > 20 else ""
        conn = max(i["ends"])
        extra = f", end connector {conn:.1f} km" if conn > 5 else ""
        man = f", {i['manual_km']:.0f} km manual" if i["manual_km"] else ""
        print(f"  {i['frm']}–{i['to']}: {i['km']:,.1f} km, gc {i['gc']:,.0f}, ratio {ratio:.2f} "
              f"({i['gsrc']}{man}{extra}){flag}")
    return ok


def nearest_point(line, p):
    q = line.interpolate(line.project(Point(p)))
    return (q.x, q.y)


def load_lake_van():
    f = NE_DIR / "ne_50m_lakes_lake_van.geojson"
    if not f.exists():
        return None
    return gpd.read_file(f).geometry.union_all()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", default=None, type=Path,
                    help="read the prepared layers of ../shared/geodata-sources (SOURCES.md) from this "
                         "folder instead of the PyPI packages and tools/geodata_sources/")
    ap.add_argument("--out", default="geodata", type=Path)
    ap.add_argument("--vendor-countries", default=None, type=Path, metavar="NE_JSON",
                    help="rewrite tools/geodata_sources/ne_50m_admin_0_countries.geojson from the "
                         "original Natural Earth 50m admin-0 countries GeoJSON, then stop")
    args = ap.parse_args()
    if args.vendor_countries is not None:
        vendor_countries(args.vendor_countries)
        return
    args.out.mkdir(parents=True, exist_ok=True)

    if args.sources is not None:
        print(f"sources: prepared layers in {args.sources}")
        countries = load_countries(args.sources / "ne_50m_admin_0_countries_aoi.geojson")
        rail = load_rail_graph_prepared(args.sources)
        sea = load_marnet_graph(args.sources / "marnet_searoute.geojson")
    else:
        try:
            import scgraph_data  # noqa: F401
            import searoute
        except ImportError as exc:
            raise SystemExit(f"{exc}: install the geodata extra: pip install -e '.[geodata]'") from exc
        print(f"sources: scgraph_data (rail), searoute {getattr(searoute, '__version__', '')} (marnet), "
              f"{NE_DIR.relative_to(HERE.parent)} (Natural Earth)")
        countries = load_countries(NE_COUNTRIES)
        rail = load_rail_graph_scgraph()
        sea = load_marnet_graph(Path(str(resources.files("searoute") / "data" / "marnet_searoute.geojson")))
    print(f"rail graph: {len(rail.xy)} vertices, {len(rail.ei)} edges "
          f"({int((rail.kind == CONNECTOR).sum())} gap connectors)")

    nodes = build_nodes(sea)
    rows, info = build_links(nodes, rail, sea, countries)
    assign_roles(nodes, rows)

    nodes_df = nodes_frame(nodes)
    links_df = links_frame(rows)
    write_geojson(nodes_df, args.out / "nodes.geojson")
    write_geojson(links_df, args.out / "links.geojson")
    # the basemap layer is always the vendored whole-world one (the prepared layers are an AOI clip)
    world = countries if args.sources is None else load_countries(NE_COUNTRIES)
    write_geojson(countries_frame(world), args.out / "countries.geojson", nd=4)
    write_basemap(args.out)
    for f in ("nodes", "links", "countries", "basemap"):
        p = args.out / f"{f}.geojson"
        print(f"wrote {p} ({p.stat().st_size / 1024:.0f} KB)")
    ok = run_checks(gpd.read_file(args.out / "nodes.geojson"), gpd.read_file(args.out / "links.geojson"),
                    countries, info)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
