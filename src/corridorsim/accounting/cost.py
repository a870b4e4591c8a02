"""Logistics cost per stage and per leg, inventory carrying cost, break-even cargo value.

Cost components (USD per TEU unless stated; tariffs in ``cost_tariffs.csv``):

* rail: ``km x rail_usd_per_feu_km_<ISO3> / teu_per_feu``;
* road: ``km x road_usd_per_feu_km / teu_per_feu``;
* sea: one lane tariff per route and sea service (deep sea per FEU / teu_per_feu, the
  Cape rate on segments whose leg rounds the Cape (``segments.cape``); Caspian and Black
  Sea feeders per TEU), spread over that service's segments by km;
* handling: port handling per port call; terminal lift per non-port transshipment stop;
* border: ``border_usd_per_bcp / border_teu_per_bcp_unit`` at every external land border
  crossed: a stop of kind ``border`` and a border passed en route (a leg's waypoint of kind
  ``border``, charged on that leg). Borders inside a customs union (EU, EAEU; kind
  ``border_internal``) carry no customs clearance and no fee; a border crossed at sea is
  cleared in port (port handling), no fee;
* inventory: ``cargo_value_usd_per_teu x inventory_rate_per_year x hours / 8760``, per
  leg by its duration (``end_h - start_h``; see :mod:`corridorsim.accounting.formulas`).

Rail per-km rates are *calibrated* (:func:`calibrate_rail_rates`), for each year of rates,
so that the reference Middle Corridor and Northern corridors of :data:`REFERENCE_CORRIDORS`
land on that year's through-rates (``rail_target_mc_usd_per_feu``,
``rail_target_northern_usd_per_feu``): for 2023 the World Bank rates [S6], the MC on the
midpoint of $2,500-3,250/FEU, the Northern on $3,121/FEU westbound; for 2024 and 2025 these
scaled by the ERAI 1520 index [T-R1]. Two rates are solved for: one shared by every country
except Russia and Belarus (fixed by the MC, which does not cross them) and one for Russia and
Belarus (then fixed by the Northern corridor). The reference corridors count their border
fees as the routes do (external land borders only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridorsim.accounting.emissions import STAGE_KEYS, _require, cape_mask
from corridorsim.accounting.factors import FactorTable, load_tariffs
from corridorsim.errors import ScenarioError

__all__ = [
    "CHARGED_BORDER_KINDS",
    "REFERENCE_CORRIDORS",
    "RUSSIA_BELARUS",
    "calibrate_rail_rates",
    "inventory_parameters",
    "reference_corridor_cost_usd_per_feu",
    "stage_costs",
]

RUSSIA_BELARUS = ("RUS", "BLR")

#: Reference corridors for the rail-rate calibration (km, counts of chargeable events).
#: MC: Xi'an->Khorgos->Aktau ~> Alat->Poti ~> Constanta->Prague. Xi'an->Baku ~7,000 km
#: incl. ~508 km Caspian [S26, S38]; TITR 4,256 km rail China border->Georgian ports
#: [S38], of which Baku->Poti 897 km [S60]; Xi'an->Prague ~11,500 km (RIA 2019, facts §2.1);
#: Poti->Constanta 582 nm = 1,078 km (computed). Derived: CHN 3,133, KAZ 3,359,
#: AZE+GEO 897, ROU->CZE 2,525 rail km. Northern: Xi'an->Duisburg 9,908 km [S39]; the
#: Russia+Belarus share (~3,000 + 620 km) is an assumption (no source in the facts).
#: Border fees as :func:`stage_costs` charges them, external land borders only: MC
#: China->Kazakhstan (Khorgos) and Azerbaijan->Georgia (the Caspian and Black Sea crossings
#: are cleared in port); Northern China->Kazakhstan (Alashankou) and Belarus->Poland
#: (Brest); Kazakhstan->Russia->Belarus lie inside the EAEU customs union (no fee).
REFERENCE_CORRIDORS: dict[str, dict[str, float]] = {
    "middle_corridor": {"rail_km_shared": 3133 + 3359 + 897 + 2525, "rail_km_ru_by": 0.0,
                        "caspian_crossings": 1, "black_sea_crossings": 1, "port_calls": 4,
                        "terminal_lifts": 3, "border_crossings": 2},
    "northern": {"rail_km_shared": 9908 - 3620, "rail_km_ru_by": 3620.0,
                 "caspian_crossings": 0, "black_sea_crossings": 0, "port_calls": 0,
                 "terminal_lifts": 4, "border_crossings": 2},
}
#: stop and waypoint kinds that pay the border fee (``border_internal`` does not)
CHARGED_BORDER_KINDS = ("border",)


def _fixed_usd_per_feu(ref: dict[str, float], t: FactorTable) -> float:
    per_teu = (ref["caspian_crossings"] * t["sea_caspian_feeder_usd_per_teu"]
               + ref["black_sea_crossings"] * t["sea_black_sea_feeder_usd_per_teu"]
               + ref["port_calls"] * t["port_handling_usd_per_teu"]
               + ref["terminal_lifts"] * t["terminal_lift_usd_per_teu"]
               + ref["border_crossings"] * t["border_usd_per_bcp"] / t["border_teu_per_bcp_unit"])
    return per_teu * t["teu_per_feu"]


def calibrate_rail_rates(
    tariffs: FactorTable | None = None,
    *,
    mc_target_usd_per_feu: float | None = None,
    northern_target_usd_per_feu: float | None = None,
) -> dict[str, float]:
    """Rail rates (USD per FEU-km) that put the reference corridors on the year's targets.

    Returns ``{"shared": r_s, "russia_belarus": r_rb}`` with
    ``r_s = (T_mc - F_mc) / km_mc`` and ``r_rb = (T_n - F_n - r_s km_n,shared) / km_n,ru_by``
    where ``F`` are the non-rail charges of :data:`REFERENCE_CORRIDORS` at ``tariffs``.
    Targets default to the table's ``rail_target_mc_usd_per_feu`` and
    ``rail_target_northern_usd_per_feu`` (2023: the midpoint of the WB MC range and the WB
    Northern westbound rate).
    """
    t = tariffs if tariffs is not None else load_tariffs()
    t_mc = (t["rail_target_mc_usd_per_feu"] if mc_target_usd_per_feu is None
            else mc_target_usd_per_feu)
    t_n = (t["rail_target_northern_usd_per_feu"] if northern_target_usd_per_feu is None
           else northern_target_usd_per_feu)
    mc, no = REFERENCE_CORRIDORS["middle_corridor"], REFERENCE_CORRIDORS["northern"]
    r_s = (t_mc - _fixed_usd_per_feu(mc, t)) / mc["rail_km_shared"]
    r_rb = (t_n - _fixed_usd_per_feu(no, t) - r_s * no["rail_km_shared"]) / no["rail_km_ru_by"]
    if r_s <= 0 or r_rb <= 0:
        raise ScenarioError(f"rail calibration gives non-positive rates (shared {r_s:.4f}, "
                            f"RUS/BLR {r_rb:.4f}); lower the fixed tariffs or raise the targets")
    return {"shared": r_s, "russia_belarus": r_rb}


def reference_corridor_cost_usd_per_feu(route: str, tariffs: FactorTable | None = None) -> float:
    """Freight cost of a reference corridor at the tariff table's rail rates, USD/FEU."""
    t = tariffs if tariffs is not None else load_tariffs()
    ref = REFERENCE_CORRIDORS[route]
    r_s, r_rb = t["rail_usd_per_feu_km_KAZ"], t["rail_usd_per_feu_km_RUS"]
    return (_fixed_usd_per_feu(ref, t) + ref["rail_km_shared"] * r_s
            + ref["rail_km_ru_by"] * r_rb)


def stage_costs(
    segments: pd.DataFrame,
    stops: pd.DataFrame,
    tariffs: FactorTable | None = None,
) -> pd.DataFrame:
    """Freight cost per TEU of each stage (no inventory cost), USD/TEU.

    Returns one row per ``(route, stage_kind, stage_index)`` with ``cost_usd_per_teu`` and
    ``cost_usd_per_teu_rail`` / ``_sea`` / ``_road`` / ``_handling`` / ``_border``. A row of
    ``stops`` at a leg's ``stage_index`` (a waypoint the leg passes) is charged on that leg.
    """
    t = tariffs if tariffs is not None else load_tariffs()
    _require(segments, ["route", "stage_index", "mode", "service", "sea_area", "country", "km"],
             "segments")
    _require(stops, ["route", "stage_index", "kind", "transshipment"], "stops")
    stops = stops.reset_index(drop=True)
    legs = pd.MultiIndex.from_frame(segments[["route", "stage_index"]])
    on_leg = pd.MultiIndex.from_frame(stops[["route", "stage_index"]]).isin(legs)
    out = pd.concat([_segment_costs(segments.reset_index(drop=True), t),
                     _stop_costs(stops, t, on_leg)], ignore_index=True).groupby(
        STAGE_KEYS, sort=False, as_index=False).sum(numeric_only=True)
    parts = [c for c in out.columns if c.startswith("cost_usd_per_teu_")]
    out.insert(3, "cost_usd_per_teu", out[parts].sum(axis=1))
    return out


def _sea_lane_usd(s: pd.DataFrame, t: FactorTable, east: np.ndarray) -> np.ndarray:
    """Sea cost per TEU of each segment: its lane's tariff (one per route and sea service),
    spread over the lane's segments by km."""
    sea, km = s["mode"].eq("sea"), s["km"].to_numpy(float)
    service, area = s["service"].fillna(""), s["sea_area"].fillna("")
    lane = np.select(
        [sea & (service.eq("deep_sea") | area.eq("deep_sea")),
         sea & (service.eq("caspian_feeder") | area.eq("caspian")),
         sea & (service.eq("black_sea_feeder") | area.eq("black_sea")),
         sea & (service.eq("lake_van_ferry") | area.eq("lake_van"))],
        ["deep_sea", "caspian", "black_sea", "lake_van"], "")
    if (sea & (lane == "")).any():
        raise ScenarioError("segments: sea segment without a known service/sea_area; allowed: "
                            "deep_sea, caspian_feeder, black_sea_feeder, lake_van_ferry")
    deep = np.where(cape_mask(s), t["sea_deep_sea_cape_usd_per_feu"],
                    t["sea_deep_sea_usd_per_feu"]) / t["teu_per_feu"]
    deep = deep * np.where(east, t["sea_deep_sea_eastbound_factor"], 1.0)
    lane_usd = np.select([lane == "deep_sea", lane == "caspian", lane == "black_sea",
                          lane == "lake_van"],
                         [deep, t["sea_caspian_feeder_usd_per_teu"],
                          t["sea_black_sea_feeder_usd_per_teu"],
                          t["sea_lake_van_ferry_usd_per_teu"]], 0.0)
    lane_km = pd.Series(np.where(sea, km, 0.0)).groupby([s["route"], lane]).transform("sum")
    share = np.divide(km, lane_km.to_numpy(float), out=np.zeros_like(km),
                      where=lane_km.to_numpy(float) > 0)
    return np.asarray(lane_usd * share, dtype=np.float64)


def _segment_costs(s: pd.DataFrame, t: FactorTable) -> pd.DataFrame:
    feu = t["teu_per_feu"]
    mode, km = s["mode"], s["km"].to_numpy(float)
    rail, road = mode.eq("rail"), mode.eq("road")
    rates = s["country"].map(t.with_prefix("rail_usd_per_feu_km_")).astype(float)
    # Europe → China: the rail and deep-sea backhaul rates (feeders: no data, same both ways)
    east = (s["eastbound"].to_numpy(bool) if "eastbound" in s.columns
            else np.zeros(len(s), dtype=bool))
    rates = rates * np.where(east, t["rail_eastbound_factor"], 1.0)
    if (rail & rates.isna()).any():
        found = sorted(set(s.loc[rail & rates.isna(), "country"]))
        raise ScenarioError(f"segments: no rail tariff for {found}; add an override "
                            "'rail_usd_per_feu_km_<ISO3>'; known: "
                            f"{sorted(t.with_prefix('rail_usd_per_feu_km_'))}")
    return pd.DataFrame({
        "route": s["route"], "stage_kind": "leg", "stage_index": s["stage_index"],
        "cost_usd_per_teu_rail": np.where(rail, km * rates.fillna(0.0) / feu, 0.0),
        "cost_usd_per_teu_sea": _sea_lane_usd(s, t, east),
        "cost_usd_per_teu_road": np.where(road, km * t["road_usd_per_feu_km"] / feu, 0.0),
        "cost_usd_per_teu_handling": 0.0, "cost_usd_per_teu_border": 0.0,
    })


def _stop_costs(p: pd.DataFrame, t: FactorTable, on_leg: np.ndarray) -> pd.DataFrame:
    """Handling at stops; the border fee at stops and waypoints (``on_leg``: charged on
    the leg that passes them)."""
    lifted, port = p["transshipment"].astype(bool), p["kind"].eq("port")
    handling = np.where(port, t["port_handling_usd_per_teu"],
                        np.where(lifted, t["terminal_lift_usd_per_teu"], 0.0))
    return pd.DataFrame({
        "route": p["route"], "stage_kind": np.where(on_leg, "leg", "stop"),
        "stage_index": p["stage_index"],
        "cost_usd_per_teu_rail": 0.0, "cost_usd_per_teu_sea": 0.0, "cost_usd_per_teu_road": 0.0,
        "cost_usd_per_teu_handling": np.where(on_leg, 0.0, handling),
        "cost_usd_per_teu_border": np.where(
            p["kind"].isin(CHARGED_BORDER_KINDS),
            t["border_usd_per_bcp"] / t["border_teu_per_bcp_unit"], 0.0),
    })


def inventory_parameters(
    tariffs: FactorTable,
    *,
    cargo_value_usd_per_teu: float | None = None,
    inventory_rate_per_year: float | None = None,
) -> tuple[float, float]:
    """Cargo value (USD/TEU) and carrying-cost rate (1/yr) of the inventory cost; the
    tariff table's values where not given."""
    value = tariffs["cargo_value_usd_per_teu"] if cargo_value_usd_per_teu is None \
        else float(cargo_value_usd_per_teu)
    rate = tariffs["inventory_rate_per_year"] if inventory_rate_per_year is None \
        else float(inventory_rate_per_year)
    return value, rate
