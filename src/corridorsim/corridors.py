"""The corridor registry: every route family, defined once, as data.

A *corridor* (route family) says which part of the network a route of that family may use:
the link modes and sea links it may take, the countries and nodes it must stay out of, and
the gateways it is known by. The router (:mod:`corridorsim.routing`) finds, for any origin
and destination, the family's best path on that part of the network — in either direction.
Everything else (scenario checks, route choice, accounting, map, report, validation) reads
the facts about a family from here; to add a family, add one :class:`Corridor` below.

Gateways are listed westbound (China → Europe); an eastbound route passes them in reverse.
They are not waypoints to force: the allowed part of the network is drawn so that a route
can only pass through them. A pair whose path passes none of a family's gateways does not
use that corridor (Hamburg → Rotterdam is no Middle Corridor trip): the family is reported
as not applicable.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CHOKEPOINTS",
    "CORRIDORS",
    "CUSTOMS_UNIONS",
    "EUROPE",
    "ROUTING_WEIGHT",
    "Corridor",
]

#: Europe west of the 1520 mm network, plus the Western Balkans and Switzerland that the
#: rail hinterland of the European ports crosses.
EUROPE: tuple[str, ...] = (
    "AUT", "BEL", "BGR", "HRV", "CZE", "DEU", "FRA", "GRC", "HUN", "ITA", "LUX", "NLD",
    "POL", "ROU", "SVK", "SVN", "ESP", "DNK", "LTU", "LVA", "EST", "FIN", "SWE", "PRT",
    "CHE", "SRB", "MKD", "BIH", "MNE", "ALB", "LIE",
)

#: Customs unions: a border between two members is crossed with a crew and locomotive change
#: only (facility kind ``border_internal``); S67 (EU), S12 (Eurasian Economic Union).
CUSTOMS_UNIONS: tuple[frozenset[str], ...] = (
    frozenset({"AUT", "BEL", "BGR", "HRV", "CZE", "DEU", "FRA", "GRC", "HUN", "ITA", "LUX",
               "NLD", "POL", "ROU", "SVK", "SVN", "ESP", "DNK", "LTU", "LVA", "EST", "FIN",
               "SWE", "PRT", "IRL", "CYP", "MLT"}),
    frozenset({"RUS", "BLR", "KAZ", "KGZ", "ARM"}),
)

#: Chokepoint tags (a disruption ``target``, a sea link's ``chokepoints``) and the node that
#: stands for each on the map. ``sunda`` has no node (no route uses the Sunda Strait).
CHOKEPOINTS: dict[str, str | None] = {
    "suez": "EG_SUZ", "babalmandab": "YE_BAB", "malacca": "SG_SIN", "gibraltar": "ES_GIB",
    "bosporus": "TR_IST", "cape": "ZA_CGH", "sunda": None,
}

#: Routing impedance per km by mode (sea = 1). ASSUMED (no figure in the facts): deep-sea
#: freight is charged per box and voyage (S48: 1,490 USD/FEU Shanghai–Rotterdam, ≈ 0.08
#: USD/FEU-km, and a longer voyage costs little more), while pre- and on-carriage to a port
#: is a short rail or road haul priced far above trunk rates. With 8, a deep-sea family calls
#: at the port with the shortest hinterland leg unless another saves ~8 km of sailing per km
#: of land (Duisburg: Antwerp or Rotterdam, Budapest: Koper, Łódź: Gdańsk, Xi'an: Shanghai).
#: It only ranks paths; every reported km, hour and dollar comes from the network and model.
ROUTING_WEIGHT: dict[str, float] = {"rail": 8.0, "road": 16.0, "sea": 1.0}


@dataclass(frozen=True)
class Corridor:
    """One route family.

    Attributes
    ----------
    id, label, colour
        Stable id (part of the interface), a label for tables and the map legend, a colour.
    modes
        Link modes the family may use.
    sea_links
        The sea links it may sail (link ids, either direction); ``None``: every sea link in
        ``sea_areas``.
    sea_areas
        Sea areas of the links it may sail.
    countries
        If given, the only countries its land links and nodes may be in.
    avoid_countries, avoid_nodes
        Countries and nodes it never enters.
    gateways
        Westbound, the groups of nodes the route passes (one node of each group) when the
        origin and destination lie on either side; a path through none of them is not this
        corridor.
    deep_sea
        A deep-sea family (rail hinterland legs in China and Europe only).
    source
        Where the family's definition comes from (fact source ids).
    """

    id: str
    label: str
    colour: str
    modes: tuple[str, ...]
    sea_areas: tuple[str, ...] = ()
    sea_links: tuple[str, ...] | None = None
    countries: tuple[str, ...] | None = None
    avoid_countries: tuple[str, ...] = ()
    avoid_nodes: tuple[str, ...] = ()
    gateways: tuple[tuple[str, ...], ...] = ()
    deep_sea: bool = False
    source: str = ""
    description: str = ""

    @property
    def short_label(self) -> str:
        """The label without its parenthesis, for legends and table rows."""
        return self.label.split(" (")[0]


_CN_KZ = ("CN_KHG", "CN_AKU")  # the two China–Kazakhstan rail gateways
# TITR trains from China enter Kazakhstan at Khorgos/Altynkol (S23 schedule from Altynkol,
# S65); Alashankou/Dostyk is the Northern corridor's main gateway (S66).
_TITR_EXIT = ("CN_KHG",)
_NOT_TITR = ("CN_EHT", "CN_MZH", "CN_AKU", "KZ_DOS")
_BLACK_SEA = ("GE_POT-RO_CND", "GE_BUS-RO_CND")
_NOT_MIDDLE = ("RUS", "BLR", "IRN", "MNG")
_OTHER_CN_EXITS = ("CN_EHT", "CN_MZH")

CORRIDORS: dict[str, Corridor] = {c.id: c for c in (
    Corridor(
        "middle_corridor",
        "Middle Corridor (Caspian Aktau–Alat; Black Sea Poti/Batumi–Constanța)",
        "#d62728", modes=("rail", "sea"), sea_areas=("caspian", "black_sea"),
        sea_links=("KZ_AKU-AZ_ALT", *_BLACK_SEA),
        avoid_countries=_NOT_MIDDLE, avoid_nodes=(*_NOT_TITR, "GE_AKH"),
        gateways=(_TITR_EXIT, ("KZ_AKU",), ("AZ_ALT",), ("GE_POT", "GE_BUS"), ("RO_CND",)),
        source="S23, S38, S62, S84",
        description="Trans-Caspian International Transport Route: rail across Kazakhstan, "
                    "container feeder Aktau–Alat, rail across Azerbaijan and Georgia, feeder "
                    "Poti/Batumi–Constanța, rail in the EU",
    ),
    Corridor(
        "middle_corridor_turkey",
        "Middle Corridor via Türkiye (Caspian Aktau–Alat; Baku–Tbilisi–Kars, Marmaray)",
        "#ff7f0e", modes=("rail", "sea"), sea_areas=("caspian",), sea_links=("KZ_AKU-AZ_ALT",),
        avoid_countries=_NOT_MIDDLE, avoid_nodes=_NOT_TITR,
        gateways=(_TITR_EXIT, ("KZ_AKU",), ("AZ_ALT",), ("GE_AKH",), ("TR_IST",)),
        source="S59, S62, S68, S90",
        description="As the Middle Corridor to Georgia, then the Baku–Tbilisi–Kars line "
                    "(gauge change at Akhalkalaki), across Türkiye and the Bosporus by "
                    "Marmaray to Kapıkule",
    ),
    Corridor(
        "middle_corridor_kuryk",
        "Middle Corridor via Kuryk (Caspian rail ferry Kuryk–Alat; Black Sea Poti/Batumi–Constanța)",
        "#ad494a", modes=("rail", "sea"), sea_areas=("caspian", "black_sea"),
        sea_links=("KZ_KUR-AZ_ALT", *_BLACK_SEA),
        avoid_countries=_NOT_MIDDLE, avoid_nodes=(*_NOT_TITR, "GE_AKH"),
        gateways=(_TITR_EXIT, ("KZ_KUR",), ("AZ_ALT",), ("GE_POT", "GE_BUS"), ("RO_CND",)),
        source="S54, S61, T-C1, T-C10",
        description="As the Middle Corridor, but the wagons cross the Caspian on the rail "
                    "ferry from Kuryk (beside Aktau) to Alat instead of the Aktau container "
                    "feeders",
    ),
    Corridor(
        "middle_corridor_turkmenbashi",
        "Middle Corridor via Turkmenbashi (Caspian Turkmenbashi–Alat; Black Sea)",
        "#e377c2", modes=("rail", "sea"), sea_areas=("caspian", "black_sea"),
        sea_links=("TM_TMB-AZ_ALT", *_BLACK_SEA),
        avoid_countries=_NOT_MIDDLE, avoid_nodes=(*_NOT_TITR, "GE_AKH"),
        gateways=(_TITR_EXIT, ("TM_TMB",), ("AZ_ALT",), ("GE_POT", "GE_BUS")),
        source="S69, S85",
        description="Rail through Kazakhstan to Turkmenistan (Beyneu–Bereket), ferry "
                    "Turkmenbashi–Alat, then as the Middle Corridor",
    ),
    Corridor(
        "northern",
        "Northern rail corridor (Kazakhstan–Russia–Belarus–Poland)",
        "#1f77b4", modes=("rail",),
        avoid_countries=("MNG", "IRN", "TKM", "AZE", "GEO", "TUR"),
        avoid_nodes=_OTHER_CN_EXITS,
        gateways=(_CN_KZ, ("BX_KAZ_RUS", "BX_KAZ_RUS_MAMLYUTKA"), ("BY_BRS",), ("PL_MAL",)),
        source="S39, S42, S66, S67",
        description="Rail via Alashankou/Dostyk or Khorgos/Altynkol, Kazakhstan, Russia and "
                    "Belarus into the EU at Brest–Małaszewicze",
    ),
    Corridor(
        "northern_mongolia",
        "Northern via Mongolia (Erenhot–Zamyn-Uud, Trans-Mongolian, Trans-Siberian)",
        "#17becf", modes=("rail",),
        avoid_countries=("KAZ", "IRN", "TKM", "AZE", "GEO", "TUR", "UZB"),
        avoid_nodes=("CN_MZH", *_CN_KZ),
        gateways=(("CN_EHT",), ("MN_ZUU",), ("BY_BRS",), ("PL_MAL",)),
        source="T-V7, S42, S67",
        description="Rail via Erenhot/Zamyn-Uud and Ulaanbaatar to the Trans-Siberian, then "
                    "Russia and Belarus into the EU at Brest–Małaszewicze",
    ),
    Corridor(
        "northern_manzhouli",
        "Northern via Manzhouli (Manzhouli–Zabaikalsk, Trans-Siberian)",
        "#393b79", modes=("rail",),
        avoid_countries=("KAZ", "MNG", "IRN", "TKM", "AZE", "GEO", "TUR", "UZB"),
        avoid_nodes=("CN_EHT", *_CN_KZ),
        gateways=(("CN_MZH",), ("RU_ZAB",), ("BY_BRS",), ("PL_MAL",)),
        source="S42, S67",
        description="Rail via Manzhouli/Zabaikalsk along the Trans-Siberian, then Belarus "
                    "into the EU at Brest–Małaszewicze",
    ),
    Corridor(
        "southern",
        "Southern rail corridor (Kazakhstan–Turkmenistan–Iran–Türkiye)",
        "#8c564b", modes=("rail", "sea"), sea_areas=("lake_van",), sea_links=("TR_VAN-TR_TAT",),
        avoid_countries=("RUS", "BLR", "MNG", "AZE", "GEO"),
        avoid_nodes=(*_OTHER_CN_EXITS, "TM_TMB"),
        gateways=(_CN_KZ, ("IR_INB",), ("TR_KPY",), ("TR_IST",)),
        source="S69",
        description="Rail through Kazakhstan and Turkmenistan (Bereket), gauge change at "
                    "Incheh Borun, Iran via Tehran and Tabriz, Lake Van train ferry, across "
                    "Türkiye and the Bosporus by Marmaray",
    ),
    Corridor(
        "suez",
        "Deep sea via Suez",
        "#2ca02c", modes=("rail", "sea"), sea_areas=("deep_sea",), deep_sea=True,
        countries=("CHN", *EUROPE), avoid_nodes=("ZA_CGH",),
        gateways=(("SG_SIN",), ("YE_BAB",), ("EG_SUZ",)),
        source="S41, S44, S48",
        description="Rail to the Chinese port that best serves the origin, deep sea through "
                    "Malacca, Bab-el-Mandeb and the Suez Canal to the European port that best "
                    "serves the destination, rail onwards",
    ),
    Corridor(
        "suez_piraeus",
        "Sea–rail via Suez and Piraeus",
        "#bcbd22", modes=("rail", "sea"), sea_areas=("deep_sea",), deep_sea=True,
        countries=("CHN", *EUROPE),
        avoid_nodes=("ZA_CGH", "ES_GIB", "SI_KOP", "NL_RTM", "BE_ANR", "DE_HAM", "PL_GDN"),
        gateways=(("SG_SIN",), ("EG_SUZ",), ("GR_PIR",)),
        source="S41; facts §1 (Piraeus as Med gateway); the family itself is assumed",
        description="Deep sea via Suez to Piraeus, rail through the Balkans to central Europe "
                    "(the China–Europe Land-Sea Express route)",
    ),
    Corridor(
        "cape",
        "Deep sea around the Cape of Good Hope",
        "#9467bd", modes=("rail", "sea"), sea_areas=("deep_sea",), deep_sea=True,
        countries=("CHN", *EUROPE), avoid_nodes=("EG_SUZ", "YE_BAB"),
        gateways=(("SG_SIN",), ("ZA_CGH",)),
        source="S41, S47",
        description="As via Suez, but around the Cape of Good Hope",
    ),
)}
