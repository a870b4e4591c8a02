"""Default service and facility parameters, each with its source and year.

Source ids ``Sxx`` refer to the project's fact sheet (see ``docs/sources.md``). Values
marked ``assumed`` are our own and are listed as such in every report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from corridorsim.corridors import CUSTOMS_UNIONS  # noqa: F401  (re-exported)
from corridorsim.scenario.params import FacilityParams, ServiceParams, fixed, lognormal
from corridorsim.units import KN_TO_KMH


@dataclass(frozen=True)
class Sourced:
    """A default parameter set with where it comes from."""

    params: ServiceParams | FacilityParams
    source: str
    year: int | None
    note: str
    assumed: bool = False
    #: for a node default: the facility kind it describes (a port's berth and yard do not
    #: apply to the same city's rail terminal); None: any
    kind: str | None = None


SERVICE_DEFAULTS: dict[str, Sourced] = {
    "block_train": Sourced(
        ServiceParams(capacity_teu=100, max_hold_h=72, speed_kmh=50.0,
                      delay=lognormal(2.0, 12.0)),
        "S24; S65; S12", 2024,
        "~100 TEU per train (300 trains ≈ 30k TEU, S24 2024); 50 km/h ≈ 1,200 km/day (S65) and "
        "CAREC speed without delay 53.9 km/h (S12 2022); 72 h maximum hold and the per-trip "
        "running delay are assumed",
        assumed=False,
    ),
    "caspian_feeder": Sourced(
        # speed_kmh and turnaround_h CALIBRATED (data/calibration.csv, check-model C09, C11)
        ServiceParams(capacity_teu=300, fleet=6, max_hold_h=96, speed_kmh=23.3,
                      delay=lognormal(1.0, 6.0), turnaround_h=65.0),
        "S15; S62; S54; S61", 2025,
        "225–350 TEU container vessels (S62 2019, S15 2022); fleet 4 Kazmortransflot + 2 ASCO "
        "(S62 2025); speed 23.3 km/h (12.6 kn) calibrated so the median Aktau–Alat crossing on "
        "the network's 490 km track is the ~22 h Aktau–Baku ferry time (S54; the Port of Baku "
        "is at Alat), giving ~20 h Kuryk–Alat (18–22 h, S54/S61); 65 h port turnaround "
        "calibrated so 6 × 300 TEU carry ~89k TEU/yr Aktau→Alat (S62 2025); sail when full "
        "or after 96 h is assumed",
    ),
    "black_sea_feeder": Sourced(
        ServiceParams(capacity_teu=700, headway_h=168, speed_kmh=12 * KN_TO_KMH,
                      delay=lognormal(2.0, 12.0)),
        "S84", 2019,
        "weekly Batumi/Poti–Constanța feeder (S84 2019); 700 TEU vessel and 12 kn are assumed",
        assumed=True,
    ),
    "deep_sea": Sourced(
        ServiceParams(capacity_teu=20000, headway_h=168, speed_kmh=16 * KN_TO_KMH,
                      reliability="market"),
        "S41; S45; T-S1", 2024,
        "16 kn reference speed (S41); 20–24k TEU ships on Far East–Europe loops (S45); one "
        "weekly departure per loop is assumed; arrivals late with the market's schedule "
        "reliability of the scenario's year (T-S1, SCHEDULE_RELIABILITY), no other running delay",
    ),
    "lake_van_ferry": Sourced(
        ServiceParams(capacity_teu=100, max_hold_h=48, speed_kmh=22.0,
                      delay=lognormal(1.0, 6.0)),
        "S69", 2022,
        "Van–Tatvan train ferry across Lake Van on the Iran–Türkiye line (S69: the 2022 "
        "Southern test train); ferry of ~50 wagons ≈ 100 TEU, ~4–5 h crossing and a 48 h "
        "maximum hold are assumed",
        assumed=True,
    ),
    "truck": Sourced(
        ServiceParams(capacity_teu=2, max_hold_h=0.0, speed_kmh=42.0, delay=lognormal(1.0, 4.0)),
        "S12", 2022,
        "CAREC road speed without delay 42.0 km/h (S12 2022); delay assumed",
    ),
}

_BLOCK_TRAIN = SERVICE_DEFAULTS["block_train"].params
assert isinstance(_BLOCK_TRAIN, ServiceParams)
SERVICE_DEFAULTS["fixed_timetable_train"] = Sourced(
    _BLOCK_TRAIN.model_copy(update={"headway_h": 48.0, "max_hold_h": 0.0, "min_load_share": 0.0}),
    "T-V10; S24; S65", 2025,
    "China Railway fixed-timetable trains: 14 a week from Alashankou on 4 routes (3.5 a week "
    "per route: one every 48 h) and 2 a week from Khorgos (84 h) (T-V10 2025; see "
    "TIMETABLE_TRAINS_PER_WEEK); a train leaves at its slot whatever its load and keeps its "
    "slot on every later rail leg (fixed slots across all countries: no consolidation or "
    "slot wait after the first leg) and goes ahead of block trains queued at borders; "
    "capacity, speed and running delay are the block train's (assumed the same)",
)

#: fixed-timetable trains per week on one route, by the Chinese exit gateway the route passes
#: (T-V10 2025: 14 a week from Alashankou on 4 routes; 2 a week from Khorgos, taken per
#: route: ASSUMED). The first rail leg's headway is 168 h divided by this.
TIMETABLE_TRAINS_PER_WEEK: dict[str, float] = {"CN_AKU": 14.0 / 4.0, "CN_KHG": 2.0}


@dataclass(frozen=True)
class Reliability:
    """A carrier group's schedule reliability in one year: the share of arrivals on time and
    the mean delay of late arrivals (days)."""

    on_time_share: float
    late_mean_d: float
    source: str
    year: int
    note: str
    assumed: bool = False


#: Mean delay of late vessels, 4.7–5.5 d (T-S1, 2024–2025): the mid-point for every group.
LATE_MEAN_D = 5.1
#: The shape of a late arrival's delay is not in the sources: exponential with the mean above
#: (ASSUMED); on-time arrivals are taken as exactly on schedule (the ±1 day tolerance of the
#: reliability measure is not modelled).
LATE_DELAY_SHAPE = "exponential"

SCHEDULE_RELIABILITY: dict[tuple[str, int], Reliability] = {
    ("market", 2024): Reliability(0.525, LATE_MEAN_D, "T-S1", 2024,
                                  "global schedule reliability 50–55 % (mid-point)"),
    ("market", 2025): Reliability(0.615, LATE_MEAN_D, "T-S1", 2025,
                                  "global schedule reliability 58–65 % (mid-point)"),
    ("gemini", 2025): Reliability(0.905, LATE_MEAN_D, "T-S2; T-S1", 2025,
                                  "Gemini (Maersk + Hapag-Lloyd) 89–92 %; late delay: the "
                                  "market's (assumed)", assumed=True),
    ("msc", 2025): Reliability(0.765, LATE_MEAN_D, "T-S2; T-S1", 2025,
                               "MSC 73–80 %; late delay: the market's (assumed)", assumed=True),
    ("other_alliances", 2025): Reliability(0.60, LATE_MEAN_D, "T-S2; T-S1", 2025,
                                           "other alliances 51–69 %; late delay: the market's "
                                           "(assumed)", assumed=True),
}


def schedule_reliability(preset: str, year: int) -> Reliability | None:
    """A carrier group's reliability in ``year`` (the nearest year with figures: before 2024
    the 2024 figure, after 2025 the 2025 one, ASSUMED); None for ``none``."""
    years = sorted(y for p, y in SCHEDULE_RELIABILITY if p == preset)
    if not years:
        return None
    return SCHEDULE_RELIABILITY[(preset, min(max(year, years[0]), years[-1]))]


# Facility defaults by kind; ``border`` is an external customs border, ``border_internal``
# a border inside a customs union (EU, EAEU) where only crews/locomotives change.
FACILITY_DEFAULTS: dict[str, Sourced] = {
    "gauge_change": Sourced(
        FacilityParams(servers=2, service=lognormal(4.25, 9.0), dwell=lognormal(24.0, 72.0)),
        "S66; S12", 2022,
        "transshipment 4 h 15 min per train (Dostyk, S66 2016); customs dwell lognormal with "
        "median 24 h so that service + dwell averages ~40 h, the CAREC rail border time "
        "(40.6 h, S12 2022)",
    ),
    "border": Sourced(
        FacilityParams(servers=2, service=fixed(1.0), dwell=lognormal(8.0, 30.0)),
        "S12", 2022,
        "external border without gauge change; dwell assumed below the CAREC average, "
        "which includes gauge changes",
        assumed=True,
    ),
    "border_internal": Sourced(
        FacilityParams(servers=4, service=fixed(1.0), dwell=fixed(1.0)),
        "assumed", None,
        "border inside the EU or the Eurasian Economic Union: locomotive and crew change only",
        assumed=True,
    ),
    "port": Sourced(
        FacilityParams(servers=2, handling_teu_per_h=40.0, dwell=lognormal(12.0, 48.0)),
        "assumed", None,
        "generic port: 2 berths, 40 TEU/h, customs/yard dwell",
        assumed=True,
    ),
    "terminal": Sourced(
        FacilityParams(servers=4, service=lognormal(4.0, 12.0)),
        "assumed", None,
        "rail terminal unloading a block train",
        assumed=True,
    ),
    "chokepoint": Sourced(
        FacilityParams(servers=1000, service=fixed(0.0)),
        "assumed", None,
        "open strait: no queue, no delay",
        assumed=True,
    ),
}

def _exit_post(source: str, year: int, where: str) -> Sourced:
    """An exit post whose crossing's customs time is carried by the paired gauge change."""
    return Sourced(FacilityParams(servers=4, service=fixed(0.5), dwell=fixed(1.0)),
                   source, year, f"{where} carries the crossing's customs time", assumed=True)


#: Kuryk's export rail-ferry loading rate, wagons a day (T-C1: 46–47 on average, 2025)
KURYK_WAGONS_PER_DAY = 46.5
#: TEU per container wagon, ASSUMED: a ~100-TEU block train (S24) has 45–50 cars (S65)
TEU_PER_WAGON = 2.0
#: Alat's handling rate: the T-C4 mean of 20.1 h per vessel (2024) for a 300-TEU feeder (S62)
ALAT_TEU_PER_H = 300.0 / 20.1

# Facility defaults for named nodes (merged over the kind default).
NODE_DEFAULTS: dict[str, Sourced] = {
    "KZ_ALT": Sourced(
        # servers and service CALIBRATED (data/calibration.csv, check-model C02, C04)
        FacilityParams(servers=1, service=lognormal(0.92, 2.45)),
        "S65", 2022,
        "Khorgos Gateway: ~55 min per 45–50 car train (2021) as the median and 19–20 "
        "trains/day (2022) as the capacity: one processing line with mean 1.23 h "
        "(24 h / 19.5 trains), p90 fitted from median and mean (calibrated)",
    ),
    "KZ_DOS": Sourced(
        FacilityParams(servers=3, service=lognormal(4.25, 9.0)),
        "S66", 2016,
        "Dostyk: 4 h 15 min per train (2016, was 9 h); 12–15 trains/day",
    ),
    # Exit posts paired with a gauge-change node across the border: the crossing's customs
    # time is counted once, at the gauge change (calibrated to the CAREC BCP time, S12).
    "CN_AKU": _exit_post("S66; S12", 2022, "Alashankou exit; the Dostyk gauge change"),
    "CN_KHG": _exit_post("S65; S12", 2022, "Khorgos (CN) exit; the Altynkol gauge change"),
    "BY_BRS": _exit_post("S67", 2018, "Brest exit; the Małaszewicze gauge change"),
    "PL_MAL": Sourced(
        FacilityParams(servers=1, service=lognormal(5.0, 8.0), dwell=lognormal(48.0, 120.0)),
        "S67", 2018,
        "Małaszewicze/Brest: 3–4 trains/day (PKP 2018); waits 2–3 d normal, 5 d common (2018)",
    ),
    "GE_AKH": Sourced(
        FacilityParams(servers=1, service=lognormal(6.0, 12.0), dwell=lognormal(12.0, 48.0)),
        "S59", 2023,
        "Akhalkalaki container transshipment or bogie exchange on BTK; times assumed",
        assumed=True,
    ),
    "KZ_AKU": Sourced(
        FacilityParams(servers=1, handling_teu_per_h=25.0, dwell=lognormal(12.0, 48.0),
                       yard_teu=3000),
        "S53; S49", 2024,
        "Aktau: ~51k TEU/yr containers (2024), ~40k TEU container capacity (2022); berth, "
        "rate and yard size assumed",
        assumed=True,
    ),
    "KZ_KUR": Sourced(
        FacilityParams(servers=1, handling_teu_per_h=KURYK_WAGONS_PER_DAY * TEU_PER_WAGON / 24.0),
        "T-C1; S54; S24", 2025,
        "Kuryk rail-ferry port: export loading 46–47 wagons/day on average (T-C1 2025) at "
        f"{TEU_PER_WAGON:g} TEU per wagon (assumed: ~100 TEU per 45–50 car train, S24/S65) = "
        f"{KURYK_WAGONS_PER_DAY * TEU_PER_WAGON:g} TEU/day, one loading line; draft 7–8 m "
        "after the 2024 dredging (T-C10) takes the ASCO rail ferries; dwell is the port default",
        assumed=True,
    ),
    "AZ_ALT": Sourced(
        FacilityParams(servers=2, handling_teu_per_h=ALAT_TEU_PER_H, dwell=lognormal(12.0, 48.0),
                       yard_teu=5000),
        "T-C4; S62; S55", 2024,
        "Port of Baku (Alat): 20.1 h per container vessel on average (T-C4 2024; protocol "
        f"maximum 30 h) for the 300-TEU feeder (S62) = {ALAT_TEU_PER_H:.1f} TEU/h (a 350-TEU "
        "vessel, T-C8, takes 23.5 h, within the 30 h); phase 1 100k TEU (S55 2023); 2 berths "
        "and the yard are assumed",
        assumed=True,
    ),
    "GE_POT": Sourced(
        FacilityParams(servers=2, handling_teu_per_h=60.0, dwell=lognormal(24.0, 96.0)),
        "S56; S82", 2024,
        "Poti (APM Terminals) 545k TEU in 2024; vessel waits up to ~5 days (Dec 2024)",
        assumed=True,
    ),
    "GE_BUS": Sourced(
        FacilityParams(servers=1, handling_teu_per_h=30.0, dwell=lognormal(24.0, 96.0)),
        "S57", 2015,
        "Batumi container terminal 100k TEU; rate assumed",
        assumed=True,
    ),
    "RO_CND": Sourced(
        FacilityParams(servers=3, handling_teu_per_h=80.0, dwell=lognormal(24.0, 72.0)),
        "S83", 2022,
        "Constanța; rate and dwell assumed",
        assumed=True,
    ),
    "DE_DUI": Sourced(
        FacilityParams(servers=12, service=lognormal(4.0, 12.0)),
        "assumed", None,
        "Duisburg (duisport) has many container terminals; 12 parallel train handling slots",
        assumed=True,
    ),
    "CN_SHA": Sourced(
        FacilityParams(servers=20, handling_teu_per_h=600.0, dwell=lognormal(48.0, 120.0)),
        "assumed", None, "Shanghai Yangshan: large deep-sea terminal", assumed=True,
    ),
    "NL_RTM": Sourced(
        FacilityParams(servers=20, handling_teu_per_h=600.0, dwell=lognormal(36.0, 96.0)),
        "assumed", None, "Rotterdam Maasvlakte: large deep-sea terminal", assumed=True,
    ),
    # Deep-sea container ports added for any-pair routing: large terminals like Shanghai and
    # Rotterdam above (no queue at the volumes the scenarios carry); dwell assumed.
    **{node: Sourced(
        FacilityParams(servers=20, handling_teu_per_h=600.0, dwell=lognormal(36.0, 96.0)),
        "assumed", None, f"{name}: large deep-sea terminal", assumed=True)
       for node, name in (("CN_NGB", "Ningbo-Zhoushan"), ("CN_YTN", "Shenzhen Yantian"),
                          ("CN_TSN", "Tianjin Xingang"), ("BE_ANR", "Antwerp"),
                          ("DE_HAM", "Hamburg"), ("PL_GDN", "Gdańsk DCT"),
                          ("SI_KOP", "Koper"), ("GR_PIR", "Piraeus"))},
    # Exit posts of the gateways whose gauge change is across the border (as Alashankou):
    "CN_EHT": _exit_post("T-V7; S12", 2025, "Erenhot exit; the Zamyn-Uud gauge change"),
    "CN_MZH": _exit_post("S12", 2022, "Manzhouli exit; the Zabaikalsk gauge change"),
    "EG_SUZ": Sourced(
        FacilityParams(servers=1000, service=fixed(14.0)),
        "assumed", None, "Suez Canal transit ~14 h in convoy", assumed=True,
    ),
    "TR_IST": Sourced(
        FacilityParams(servers=1, service=fixed(1.5), open_hours=(0.0, 5.0)),
        "S68", 2019,
        "Marmaray: freight only 00:00–05:00, ~4 trains per direction per night; 76 km in ~1.5 h",
    ),
}

# Service defaults for single legs FROM-TO, either direction (merged over the kind default
# and the scenario's override by kind, under the scenario's override by leg).
LEG_DEFAULTS: dict[str, Sourced] = {
    # the Kuryk–Alat rail ferry is of the caspian_feeder kind (speed, running delay, tariff
    # and emission factor) with its own fleet; T-C1's loading rate at Kuryk binds first
    "KZ_KUR-AZ_ALT": Sourced(
        ServiceParams(capacity_teu=54 * TEU_PER_WAGON, fleet=3, turnaround_h=12.0,
                      max_hold_h=24.0),
        "S54; S61", 2024,
        "ASCO rail ferries Kuryk–Alat: up to 54 wagons per ferry (S54) at 2 TEU per wagon "
        "(assumed); ferry cycle 10–12 h two-tier (S54) as the port turnaround; 3 ferries on "
        "the line and sailing after 24 h whatever the load are assumed",
        assumed=True,
    ),
}

# a node default with a handling rate describes the node's port (berths, cranes, yard)
NODE_DEFAULTS = {k: (replace(v, kind="port") if getattr(v.params, "handling_teu_per_h", None)
                     else v) for k, v in NODE_DEFAULTS.items()}
