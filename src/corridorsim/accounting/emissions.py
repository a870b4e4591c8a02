"""GHG emissions (GLEC v3.0 / ISO 14083 default factors) per stage and per leg.

Mass basis
----------
Every transport and hub factor is made exactly proportional to the *mass basis*
``m = cargo_t_per_teu + tare_t_per_teu`` (``include_tare=True``, a gross-mass basis as in
EcoTransIT) or ``m = cargo_t_per_teu`` (``include_tare=False``, GLEC's cargo-only
convention):

* tonne-km factors (rail, road, Caspian Ro-Pax): ``g/tkm x m``;
* GLEC container lanes are per TEU-km at GLEC's 10 t/TEU reference: ``g/TEU-km x m / 10``;
* hub transshipment per tonne: ``kg/t x m``; maritime terminal per container:
  ``kg/container x m / 10`` (one container taken as one TEU).

So doubling the mass basis doubles every transport and hub emission. The one exception
is reefer plug power at stops (kW x hours x grid), which does not depend on mass.

Electric rail: ``kWh/tkm x loss factor x grid g/kWh (country) x m``; its TTW is zero.
WTW >= TTW holds for every row because every TTW share is <= 1.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from corridorsim.accounting.factors import FactorTable, load_factors
from corridorsim.errors import ScenarioError

__all__ = [
    "COMPONENTS",
    "STAGE_KEYS",
    "intensity_breakdown",
    "mass_basis_t_per_teu",
    "route_country_emissions",
    "stage_intensities",
]

COMPONENTS = ("rail_electric", "rail_diesel", "sea", "road", "hub")
_GROUPS = {"rail": ("rail_electric", "rail_diesel"), "sea": ("sea",), "road": ("road",),
           "hub": ("hub",)}
STAGE_KEYS = ["route", "stage_kind", "stage_index"]
_SEG_COLS = ["route", "stage_index", "mode", "service", "sea_area", "country", "traction", "km"]
_STOP_COLS = ["route", "stage_index", "kind", "transshipment", "country"]


def cape_mask(segments: pd.DataFrame) -> np.ndarray:
    """Segments on a deep-sea leg that rounds the Cape of Good Hope: the optional boolean
    ``cape`` column of ``segments`` (the leg's chokepoints include ``"cape"``); False
    everywhere without it. The Cape deep-sea factor and tariff apply to these."""
    if "cape" not in segments.columns:
        return np.zeros(len(segments), dtype=bool)
    return segments["cape"].fillna(False).to_numpy(bool)


def _require(df: pd.DataFrame, cols: list[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ScenarioError(f"{name}: missing columns {missing}; required {cols}")


def mass_basis_t_per_teu(
    factors: FactorTable | None = None,
    *,
    cargo_t_per_teu: float | None = None,
    tare_t_per_teu: float | None = None,
    include_tare: bool = True,
) -> float:
    """Mass per TEU that tonne-based factors are applied to, t/TEU.

    ``cargo_t_per_teu`` and ``tare_t_per_teu`` default to the table values (10 and 2 t,
    GLEC v3.0 [S73]).
    """
    f = factors if factors is not None else load_factors()
    cargo = f["cargo_t_per_teu"] if cargo_t_per_teu is None else float(cargo_t_per_teu)
    tare = f["tare_t_per_teu"] if tare_t_per_teu is None else float(tare_t_per_teu)
    if cargo < 0 or tare < 0:
        raise ScenarioError(f"cargo_t_per_teu={cargo}, tare_t_per_teu={tare}: must be >= 0")
    return cargo + tare if include_tare else cargo


def _grid(countries: pd.Series, factors: FactorTable) -> pd.Series:
    return countries.map(factors.with_prefix("grid_g_per_kwh_")).astype(float)


class _Lanes(NamedTuple):
    """Row masks of a segments table by transport kind."""

    elec: pd.Series
    diesel: pd.Series
    road: pd.Series
    sea: pd.Series
    deep: pd.Series
    casp: pd.Series
    black: pd.Series
    lake: pd.Series


def _lanes(s: pd.DataFrame) -> _Lanes:
    """Each segment's kind (electric or diesel rail, road, deep sea, Caspian, Black Sea,
    Lake Van); unknown modes, tractions and sea services are errors."""
    mode, service, area = s["mode"], s["service"].fillna(""), s["sea_area"].fillna("")
    traction = s["traction"].fillna("")
    bad_mode = ~mode.isin(["rail", "sea", "road"])
    if bad_mode.any():
        raise ScenarioError(f"segments: unknown mode {sorted(set(mode[bad_mode]))}; "
                            "allowed: rail, sea, road")
    rail = mode.eq("rail")
    elec, diesel = rail & traction.eq("electric"), rail & traction.eq("diesel")
    if (rail & ~(elec | diesel)).any():
        found = sorted(set(traction[rail & ~(elec | diesel)]))
        raise ScenarioError(f"segments: rail traction {found} not allowed; "
                            "allowed: electric, diesel")
    sea, road = mode.eq("sea"), mode.eq("road")
    deep = sea & (service.eq("deep_sea") | (service.eq("") & area.eq("deep_sea")))
    casp = sea & (service.eq("caspian_feeder") | (service.eq("") & area.eq("caspian")))
    black = sea & (service.eq("black_sea_feeder") | (service.eq("") & area.eq("black_sea")))
    lake = sea & (service.eq("lake_van_ferry") | (service.eq("") & area.eq("lake_van")))
    if (sea & ~(deep | casp | black | lake)).any():
        found = sorted(set(service[sea & ~(deep | casp | black | lake)]))
        raise ScenarioError(f"segments: sea service {found} not allowed; allowed: deep_sea, "
                            "caspian_feeder, black_sea_feeder, lake_van_ferry (or sea_area)")
    return _Lanes(elec, diesel, road, sea, deep, casp, black, lake)


def _caspian_factors(f: FactorTable, m: float, caspian_vessel: str) -> tuple[float, float]:
    """WTW and TTW g per TEU-km of the Caspian crossing for the vessel type."""
    if caspian_vessel == "container_feeder":
        wtw = f["sea_caspian_feeder_wtw_g_per_teu_km"] * (m / f["glec_reference_t_per_teu"])
        return wtw, wtw * f["sea_container_ttw_share"]
    if caspian_vessel == "ropax":
        wtw = f["sea_caspian_ropax_wtw_g_per_tkm"] * m
        return wtw, wtw * f["sea_ropax_ttw_share"]
    raise ScenarioError(f"caspian_vessel={caspian_vessel!r} not allowed; allowed: "
                        "'container_feeder', 'ropax'")


def _segment_rows(
    segments: pd.DataFrame, f: FactorTable, m: float, caspian_vessel: str
) -> pd.DataFrame:
    _require(segments, _SEG_COLS, "segments")
    s = segments[_SEG_COLS].reset_index(drop=True)
    cape = cape_mask(segments)
    km = s["km"].to_numpy(float)
    if (km < 0).any() or not np.isfinite(km).all():
        raise ScenarioError("segments: 'km' must be finite and >= 0")
    ln = _lanes(s)
    grid = _grid(s["country"], f)
    if (ln.elec & grid.isna()).any():
        found = sorted(set(s.loc[ln.elec & grid.isna(), "country"]))
        raise ScenarioError(
            f"segments: no grid intensity for electric rail in {found}; add an override "
            f"'grid_g_per_kwh_<ISO3>'; known: {sorted(f.with_prefix('grid_g_per_kwh_'))}")

    scale = m / f["glec_reference_t_per_teu"]
    lane_ttw = f["sea_container_ttw_share"]
    deep_f = np.where(cape, f["sea_deep_sea_cape_wtw_g_per_teu_km"],
                      f["sea_deep_sea_wtw_g_per_teu_km"])
    casp_wtw, casp_ttw = _caspian_factors(f, m, caspian_vessel)
    e_kwh = f["rail_electric_kwh_per_tkm"] * f["rail_electric_loss_factor"]
    # train ferry (Lake Van): wagons on a Ro-Pax-type ship, per tonne-km of the loaded box
    ferry_wtw = f["sea_train_ferry_wtw_g_per_tkm"] * m
    black_f = f["sea_black_sea_feeder_wtw_g_per_teu_km"]
    conds = [ln.elec, ln.diesel, ln.road, ln.deep, ln.casp, ln.black, ln.lake]
    wtw = np.select(conds, [e_kwh * grid.fillna(0.0) * m, f["rail_diesel_wtw_g_per_tkm"] * m,
                            f["road_wtw_g_per_tkm"] * m, deep_f * scale, casp_wtw,
                            black_f * scale, ferry_wtw], 0.0)
    ttw = np.select(conds, [0.0, f["rail_diesel_ttw_g_per_tkm"] * m, f["road_ttw_g_per_tkm"] * m,
                            deep_f * scale * lane_ttw, casp_ttw, black_f * scale * lane_ttw,
                            ferry_wtw * f["sea_ropax_ttw_share"]], 0.0)
    # reefer-lane uplift: the reefer lane factor over the dry one, minus one
    reefer = np.select([ln.deep, ln.casp, ln.black], [
        f[f"sea_{lane}_reefer_wtw_g_per_teu_km"] / f[f"sea_{lane}_wtw_g_per_teu_km"]
        for lane in ("deep_sea", "caspian_feeder", "black_sea_feeder")], 1.0) - 1.0
    out = pd.DataFrame({
        "route": s["route"], "stage_kind": "leg", "stage_index": s["stage_index"],
        "mode": s["mode"], "country": s["country"].fillna(""),
        "component": np.select([ln.elec, ln.diesel, ln.sea, ln.road], list(COMPONENTS[:4]), ""),
        "km": km,
        "co2e_wtw_kg_per_teu": wtw * km / 1000.0,
        "co2e_ttw_kg_per_teu": ttw * km / 1000.0,
    })
    out["co2e_wtw_kg_per_teu_reefer_extra"] = out["co2e_wtw_kg_per_teu"] * reefer
    out["co2e_ttw_kg_per_teu_reefer_extra"] = out["co2e_ttw_kg_per_teu"] * reefer
    out["reefer_plug_wtw_kg_per_teu_h"] = 0.0
    return out


def _stop_rows(stops: pd.DataFrame, f: FactorTable, m: float) -> pd.DataFrame:
    _require(stops, _STOP_COLS, "stops")
    s = stops[_STOP_COLS].reset_index(drop=True)
    lifted = s["transshipment"].astype(bool)
    port = s["kind"].eq("port")
    wtw = np.where(lifted & port,
                   f["hub_port_terminal_wtw_kg_per_teu"] * m / f["glec_reference_t_per_teu"],
                   np.where(lifted, f["hub_transshipment_wtw_kg_per_t"] * m, 0.0))
    grid = _grid(s["country"], f).fillna(f["grid_g_per_kwh_default"]).to_numpy(float)
    plug = np.where(s["kind"].eq("chokepoint"), 0.0,  # at sea: ship power, in the sea factor
                    f["reefer_plug_kw_per_teu"] * f["rail_electric_loss_factor"] * grid / 1000.0)
    return pd.DataFrame({
        "route": s["route"], "stage_kind": "stop", "stage_index": s["stage_index"],
        "mode": "hub", "country": s["country"].fillna(""), "component": "hub", "km": 0.0,
        "co2e_wtw_kg_per_teu": wtw, "co2e_ttw_kg_per_teu": wtw * f["hub_ttw_share"],
        "co2e_wtw_kg_per_teu_reefer_extra": 0.0, "co2e_ttw_kg_per_teu_reefer_extra": 0.0,
        "reefer_plug_wtw_kg_per_teu_h": plug,
    })


def intensity_breakdown(
    segments: pd.DataFrame,
    stops: pd.DataFrame,
    factors: FactorTable | None = None,
    *,
    cargo_t_per_teu: float | None = None,
    tare_t_per_teu: float | None = None,
    include_tare: bool = True,
    caspian_vessel: Literal["container_feeder", "ropax"] = "container_feeder",
) -> pd.DataFrame:
    """Static emission intensity per (route, stage, mode, country, component).

    Parameters
    ----------
    segments, stops
        Route structure tables (see the module docs of :mod:`corridorsim.accounting`).
    factors
        Emission factors; default :func:`load_factors`.
    cargo_t_per_teu, tare_t_per_teu
        Cargo and tare mass per TEU, t; default the table values (10 t, 2 t).
    include_tare
        Mass basis = cargo + tare (True) or cargo only (False, GLEC convention).
    caspian_vessel
        ``"container_feeder"`` (GLEC small-feeder lane proxy, per TEU-km) or ``"ropax"``
        (GLEC Ro-Pax 5,000-9,999 GT, per tkm).

    Returns
    -------
    DataFrame
        ``route, stage_kind, stage_index, mode, country, component, km,
        co2e_wtw_kg_per_teu, co2e_ttw_kg_per_teu`` plus reefer columns
        ``co2e_wtw_kg_per_teu_reefer_extra`` / ``co2e_ttw_kg_per_teu_reefer_extra``
        (reefer-lane uplift on sea legs, kg/TEU) and ``reefer_plug_wtw_kg_per_teu_h``
        (plug power at stops, kg/TEU/h).
    """
    f = factors if factors is not None else load_factors()
    m = mass_basis_t_per_teu(f, cargo_t_per_teu=cargo_t_per_teu, tare_t_per_teu=tare_t_per_teu,
                             include_tare=include_tare)
    rows = pd.concat([_segment_rows(segments, f, m, caspian_vessel), _stop_rows(stops, f, m)],
                     ignore_index=True)
    keys = [*STAGE_KEYS, "mode", "country", "component"]
    return rows.groupby(keys, sort=False, as_index=False).sum(numeric_only=True)


def stage_intensities(
    segments: pd.DataFrame,
    stops: pd.DataFrame,
    factors: FactorTable | None = None,
    *,
    cargo_t_per_teu: float | None = None,
    tare_t_per_teu: float | None = None,
    include_tare: bool = True,
    caspian_vessel: Literal["container_feeder", "ropax"] = "container_feeder",
) -> pd.DataFrame:
    """Emission intensity per TEU of each stage (moving leg or stop).

    Same parameters as :func:`intensity_breakdown`. Returns one row per
    ``(route, stage_kind, stage_index)`` with ``km``, ``co2e_wtw_kg_per_teu``,
    ``co2e_ttw_kg_per_teu``, the reefer columns, and WTW per component group
    ``co2e_wtw_kg_per_teu_rail`` / ``_sea`` / ``_road`` / ``_hub`` (kg CO2e per TEU).
    """
    b = intensity_breakdown(segments, stops, factors, cargo_t_per_teu=cargo_t_per_teu,
                            tare_t_per_teu=tare_t_per_teu, include_tare=include_tare,
                            caspian_vessel=caspian_vessel)
    return stage_intensities_from_breakdown(b)


def stage_intensities_from_breakdown(breakdown: pd.DataFrame) -> pd.DataFrame:
    """:func:`stage_intensities` from an :func:`intensity_breakdown` table (left unchanged),
    for callers that need both without computing the breakdown twice."""
    b = breakdown.copy()
    for group, comps in _GROUPS.items():
        b[f"co2e_wtw_kg_per_teu_{group}"] = b["co2e_wtw_kg_per_teu"].where(
            b["component"].isin(comps), 0.0)
    return b.drop(columns=["mode", "country", "component"]).groupby(
        STAGE_KEYS, sort=False, as_index=False).sum(numeric_only=True)


def route_country_emissions(
    stage_sums: pd.DataFrame,
    breakdown: pd.DataFrame,
    route_stats: pd.DataFrame,
) -> pd.DataFrame:
    """CO2e per TEU by (route, country), kg CO2e/TEU.

    Static stage intensities (from :func:`intensity_breakdown`) are weighted by the TEU
    that passed each stage (``stage_sums``: rows with the stage keys and ``teu``, from the
    consignments counted; ``route_stats``: their ``route, teu``); reefer extras (in
    ``stage_sums``' ``co2e_wtw_kg`` / ``co2e_ttw_kg`` beyond the static intensities, if
    present) go to the stop country (plug) or to ``""`` (sea). Sea legs carry country ``""``.
    """
    _require(stage_sums, [*STAGE_KEYS, "teu"], "stage sums")
    sums = stage_sums
    teu_route = route_stats.groupby("route")["teu"].sum()
    flow = sums.groupby(STAGE_KEYS, as_index=False)["teu"].sum()
    b = breakdown.merge(flow, on=STAGE_KEYS, how="inner")
    b["wtw"] = b["co2e_wtw_kg_per_teu"] * b["teu"]
    b["ttw"] = b["co2e_ttw_kg_per_teu"] * b["teu"]
    parts = [b[["route", "country", "wtw", "ttw"]]]
    if {"co2e_wtw_kg", "co2e_ttw_kg"} <= set(sums.columns):
        static = sums.groupby(STAGE_KEYS, as_index=False)[["co2e_wtw_kg", "co2e_ttw_kg"]].sum()
        static = static.merge(b.groupby(STAGE_KEYS, as_index=False)[["wtw", "ttw"]].sum(),
                              on=STAGE_KEYS)
        static["wtw"] = static["co2e_wtw_kg"] - static["wtw"]
        static["ttw"] = static["co2e_ttw_kg"] - static["ttw"]
        first = breakdown.groupby(STAGE_KEYS, as_index=False)["country"].first()
        first["country"] = first["country"].where(
            breakdown.groupby(STAGE_KEYS)["mode"].first().ne("sea").to_numpy(), "")
        parts.append(static.merge(first, on=STAGE_KEYS)[["route", "country", "wtw", "ttw"]])
    out = pd.concat(parts).groupby(["route", "country"], as_index=False)[["wtw", "ttw"]].sum()
    denom = out["route"].map(teu_route).to_numpy(float)
    out["co2e_wtw_kg_per_teu"] = out.pop("wtw") / denom
    out["co2e_ttw_kg_per_teu"] = out.pop("ttw") / denom
    return out
