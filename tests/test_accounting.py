"""Tests of corridorsim.accounting: hand calculations from GLEC v3.0 [S73], properties."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import account_legs, account_run

from corridorsim.accounting import (
    assumptions_table,
    break_even_cargo_value,
    calibrate_rail_rates,
    intensity_breakdown,
    load_factors,
    load_tariffs,
    route_accounting,
    route_country_emissions,
    shipment_footprint,
    stage_costs,
    stage_intensities,
)
from corridorsim.accounting.cost import inventory_parameters, reference_corridor_cost_usd_per_feu
from corridorsim.accounting.factors import FactorTable
from corridorsim.accounting.formulas import LEG_COLUMNS, Activity, leg_amounts
from corridorsim.errors import ScenarioError

SEG_COLS = ["route", "stage_index", "mode", "service", "sea_area", "country", "traction", "km"]
STOP_COLS = ["route", "stage_index", "node", "kind", "transshipment", "country"]


def seg(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SEG_COLS)


def stops_df(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=STOP_COLS)


def deep(route: str, idx: int, km: float) -> tuple:
    return (route, idx, "sea", "deep_sea", "deep_sea", "", "", km)


@pytest.fixture
def network() -> tuple[pd.DataFrame, pd.DataFrame]:
    segments = seg(
        deep("suez", 1, 12_000.0),
        deep("suez", 3, 7_600.0),  # deep-sea split by the Suez chokepoint stop
        ("middle_corridor", 1, "rail", "block_train", "", "KAZ", "electric", 1_000.0),
        ("middle_corridor", 1, "rail", "block_train", "", "KAZ", "diesel", 500.0),
        ("middle_corridor", 3, "sea", "caspian_feeder", "caspian", "", "", 430.0),
        ("middle_corridor", 5, "rail", "block_train", "", "GEO", "electric", 300.0),
        ("middle_corridor", 5, "road", "truck", "", "DEU", "", 100.0),
    )
    stops = stops_df(
        ("suez", 0, "shanghai", "port", True, "CHN"),
        ("suez", 2, "suez_canal", "chokepoint", False, "EGY"),
        ("suez", 4, "rotterdam", "port", True, "NLD"),
        ("middle_corridor", 0, "xian", "terminal", True, "CHN"),
        ("middle_corridor", 2, "aktau", "port", True, "KAZ"),
        ("middle_corridor", 4, "alat", "port", True, "AZE"),
        ("middle_corridor", 6, "az_ge", "border", False, "GEO"),
    )
    return segments, stops


def priced(legs: pd.DataFrame, segments: pd.DataFrame, stops: pd.DataFrame, *,
           reefer: np.ndarray | None = None, tariffs: FactorTable | None = None,
           **mass: float | bool) -> pd.DataFrame:
    """``legs`` with the production formulas' columns (:func:`leg_amounts`), the unit
    values of each row's stage looked up in ``stage_intensities`` / ``stage_costs``."""
    t = tariffs if tariffs is not None else load_tariffs()
    units = stage_intensities(segments, stops, **mass).merge(  # type: ignore[arg-type]
        stage_costs(segments, stops, t), on=["route", "stage_kind", "stage_index"])
    index = pd.MultiIndex.from_frame(units[["route", "stage_kind", "stage_index"]])
    pos = index.get_indexer(pd.MultiIndex.from_frame(legs[["route", "stage_kind",
                                                            "stage_index"]]))
    assert (pos >= 0).all()
    teu = legs["teu"].to_numpy(float)
    hours = np.nan_to_num((legs["end_h"] - legs["start_h"]).to_numpy(float))
    rteu = None if reefer is None else reefer * teu
    act = Activity(teu=teu, teu_h=teu * hours, reefer_teu=rteu,
                   reefer_teu_h=None if rteu is None else rteu * hours)
    out = leg_amounts(lambda name: units[name].to_numpy(float)[pos], act,
                      inventory_parameters(t))
    return legs.assign(**out)


# --- (a) hand calculations ---------------------------------------------------------------

def test_deep_sea_suez_hand_calculation() -> None:
    # GLEC v3.0 Table 16 [S73]: Asia<->North Europe dry, 49.9 g CO2e/TEU-km WTW at 10 t/TEU.
    # 19,600 km x 49.9 g/TEU-km x 1 TEU = 978,040 g = 978.04 kg WTW.
    # TTW: Trans-Suez split 48.1 / 55.6 (Table 16) -> 978.04 x 48.1 / 55.6 = 846.11 kg.
    segments = seg(deep("suez", 1, 19_600.0))
    out = stage_intensities(segments, stops_df(), cargo_t_per_teu=10.0, include_tare=False)
    assert out["co2e_wtw_kg_per_teu"].iloc[0] == pytest.approx(978.04, rel=1e-9)
    assert out["co2e_ttw_kg_per_teu"].iloc[0] == pytest.approx(978.04 * 48.1 / 55.6, rel=1e-5)
    # with the default gross basis (10 t cargo + 2 t tare): x 12/10
    gross = stage_intensities(segments, stops_df())
    assert gross["co2e_wtw_kg_per_teu"].iloc[0] == pytest.approx(978.04 * 1.2, rel=1e-9)


def test_electric_rail_kazakhstan_hand_calculation() -> None:
    # 0.032 kWh/tkm at the pantograph (EcoTransIT [S78]) x 6.4/6.0 losses (GLEC T5 [S73])
    # x 641 g/kWh (Kazakhstan 2021 [S76]) = 21.8795 g/tkm; x 10 t x 1,000 km = 218.80 kg.
    segments = seg(("middle_corridor", 1, "rail", "block_train", "", "KAZ", "electric", 1000.0))
    b = intensity_breakdown(segments, stops_df(), include_tare=False)
    expected_kg = 0.032 * (6.4 / 6.0) * 641 * 10 * 1000 / 1000
    assert expected_kg == pytest.approx(218.80, abs=0.01)
    assert b["co2e_wtw_kg_per_teu"].iloc[0] == pytest.approx(expected_kg, rel=1e-5)
    assert b["co2e_ttw_kg_per_teu"].iloc[0] == 0.0
    assert b["component"].iloc[0] == "rail_electric"


def test_leg_emissions_and_reefer_plug(network: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    segments, stops = network
    legs = pd.DataFrame({
        "consignment_id": [1, 2, 2], "route": "middle_corridor",
        "stage_index": [1, 1, 2], "stage_kind": ["leg", "leg", "stop"], "teu": [2.0, 1.0, 1.0],
        "start_h": [0.0, 0.0, 30.0], "end_h": [30.0, 30.0, 40.0]})
    out = priced(legs, segments, stops, reefer=np.array([False, True, True]),
                 include_tare=False)
    kaz = 0.032 * (6.4 / 6.0) * 641 * 10 + 27.6 * 10 * 0.5  # kg/TEU: 1,000 km elec + 500 diesel
    assert out["co2e_wtw_kg"].iloc[0] == pytest.approx(2 * kaz, rel=1e-5)
    # Aktau port: 10.7 kg per container (GLEC T3) at 10 t + reefer plug 2.5 kW x 10 h x
    # 641 g/kWh x 6.4/6.0 = 17.09 kg
    plug = 2.5 * 10 * 641 * (6.4 / 6.0) / 1000
    assert out["co2e_wtw_kg"].iloc[2] == pytest.approx(10.7 + plug, rel=1e-5)
    assert out["co2e_wtw_kg_hub"].iloc[2] == pytest.approx(10.7 + plug, rel=1e-5)
    assert (out["co2e_wtw_kg"] >= out["co2e_ttw_kg"]).all()


# --- (b) properties ----------------------------------------------------------------------

seg_strategy = st.lists(
    st.tuples(st.sampled_from(["elec", "diesel", "road", "deep", "casp", "black"]),
              st.sampled_from(["CHN", "KAZ", "RUS", "AZE", "GEO", "TUR", "AUT", "SRB"]),
              st.floats(0.0, 30_000.0)),
    min_size=1, max_size=8)


def _segments_from(draw: list[tuple[str, str, float]], route: str = "middle_corridor"):
    kinds = {"elec": ("rail", "block_train", "", "electric"),
             "diesel": ("rail", "block_train", "", "diesel"), "road": ("road", "truck", "", ""),
             "deep": ("sea", "deep_sea", "deep_sea", ""),
             "casp": ("sea", "caspian_feeder", "caspian", ""),
             "black": ("sea", "black_sea_feeder", "black_sea", "")}
    rows = []
    for i, (k, country, km) in enumerate(draw):
        mode, service, area, traction = kinds[k]
        rows.append((route, 2 * i + 1, mode, service, area,
                     "" if mode == "sea" else country, traction, km))
    return seg(*rows)


ALL_STOPS = stops_df(("middle_corridor", 0, "a", "terminal", True, "CHN"),
                     ("middle_corridor", 2, "b", "port", True, "AZE"),
                     ("middle_corridor", 4, "c", "border", False, "GEO"),
                     ("middle_corridor", 6, "d", "gauge_change", True, "KAZ"))


@settings(max_examples=60, deadline=None)
@given(draw=seg_strategy, cargo=st.floats(0.5, 30.0), tare=st.floats(0.0, 5.0),
       vessel=st.sampled_from(["container_feeder", "ropax"]))
def test_emissions_linear_in_mass_basis(draw, cargo, tare, vessel) -> None:
    segments = _segments_from(draw)
    one = stage_intensities(segments, ALL_STOPS, cargo_t_per_teu=1.0, tare_t_per_teu=0.0,
                            caspian_vessel=vessel)
    m = stage_intensities(segments, ALL_STOPS, cargo_t_per_teu=cargo, tare_t_per_teu=tare,
                          caspian_vessel=vessel)
    cargo_only = stage_intensities(segments, ALL_STOPS, cargo_t_per_teu=cargo,
                                   tare_t_per_teu=tare, include_tare=False,
                                   caspian_vessel=vessel)
    for col in ("co2e_wtw_kg_per_teu", "co2e_ttw_kg_per_teu"):
        np.testing.assert_allclose(m[col], one[col] * (cargo + tare), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(cargo_only[col], one[col] * cargo, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(draw=seg_strategy, vessel=st.sampled_from(["container_feeder", "ropax"]),
       include_tare=st.booleans())
def test_wtw_at_least_ttw_every_stage(draw, vessel, include_tare) -> None:
    segments = _segments_from(draw)
    out = stage_intensities(segments, ALL_STOPS, caspian_vessel=vessel,
                            include_tare=include_tare)
    assert (out["co2e_wtw_kg_per_teu"] >= out["co2e_ttw_kg_per_teu"]).all()
    assert (out["co2e_ttw_kg_per_teu"] >= 0).all()
    b = intensity_breakdown(segments, ALL_STOPS, caspian_vessel=vessel)
    assert (b["co2e_wtw_kg_per_teu"] >= b["co2e_ttw_kg_per_teu"]).all()


@settings(max_examples=60, deadline=None)
@given(km=st.floats(100.0, 30_000.0), include_tare=st.booleans())
def test_cape_sea_leg_128_times_longer_gives_128_times_emissions(km, include_tare) -> None:
    # Cape vs Suez ~1.28x distance; both use the GLEC Asia-N Europe lane factor (Cape assumed)
    segments = seg(deep("suez", 1, km), deep("cape", 1, km * 1.28))
    out = stage_intensities(segments, stops_df(), include_tare=include_tare).set_index("route")
    assert out.loc["cape", "co2e_wtw_kg_per_teu_sea"] == pytest.approx(
        1.28 * out.loc["suez", "co2e_wtw_kg_per_teu_sea"], rel=1e-9)
    assert out.loc["cape", "co2e_ttw_kg_per_teu"] == pytest.approx(
        1.28 * out.loc["suez", "co2e_ttw_kg_per_teu"], rel=1e-9)


def test_cape_rates_follow_the_leg_not_the_family_id() -> None:
    """The Cape deep-sea factor and tariff apply to segments flagged ``cape`` (their leg
    rounds the Cape), whatever the route is called."""
    km = 10_000.0
    segments = seg(deep("detour", 1, km), deep("cape", 1, km), deep("suez", 1, km))
    segments["cape"] = [True, False, False]
    f = load_factors({"sea_deep_sea_cape_wtw_g_per_teu_km": 60.0})
    out = stage_intensities(segments, stops_df(), f, include_tare=False).set_index("route")
    t = load_tariffs()
    cost = stage_costs(segments, stops_df(), t).set_index("route")["cost_usd_per_teu_sea"]
    assert out.loc["detour", "co2e_wtw_kg_per_teu"] == pytest.approx(60.0 * km / 1000.0)
    assert out.loc["cape", "co2e_wtw_kg_per_teu"] == pytest.approx(
        out.loc["suez", "co2e_wtw_kg_per_teu"])
    assert cost["detour"] == pytest.approx(t["sea_deep_sea_cape_usd_per_feu"] / t["teu_per_feu"])
    assert cost["cape"] == cost["suez"] == pytest.approx(
        t["sea_deep_sea_usd_per_feu"] / t["teu_per_feu"])
    # without the column no segment rounds the Cape
    plain = stage_costs(segments.drop(columns="cape"), stops_df(), t)
    assert plain["cost_usd_per_teu_sea"].nunique() == 1


def test_route_tables_flag_the_legs_that_round_the_cape() -> None:
    from corridorsim.accounting import route_tables
    from corridorsim.network import load_network
    from corridorsim.routing.options import resolve_routes

    routes = resolve_routes(load_network())
    segs, _ = route_tables(routes)
    assert segs["cape"].dtype == bool
    flagged = segs[segs["cape"]]
    assert set(flagged["route"]) == {"cape"}
    assert (flagged["service"] == "deep_sea").all()
    legs = {leg.index for leg in routes["cape"].legs if "cape" in leg.chokepoints}
    assert set(flagged["stage_index"]) == legs


# --- (c) cost and break-even -------------------------------------------------------------

def test_break_even_two_routes_by_hand() -> None:
    # sea: 1,000 USD/TEU, 40 days; rail: 1,600 USD/TEU, 20 days; rate 10 %/yr
    # 1,000 + v 0.1 40/365 = 1,600 + v 0.1 20/365  ->  v = 600 x 365 / (0.1 x 20) = 109,500
    summary = pd.DataFrame({"route": ["sea", "rail", "slow_dear", "same_days"],
                            "freight_cost_usd_per_teu": [1000.0, 1600.0, 2000.0, 1200.0],
                            "transit_days": [40.0, 20.0, 45.0, 40.0]})
    out = break_even_cargo_value(summary, inventory_rate_per_year=0.10)
    pair = out.set_index(["route_a", "route_b"])["break_even_value_usd_per_teu"]
    assert pair[("sea", "rail")] == pytest.approx(109_500.0)
    assert np.isnan(pair[("sea", "slow_dear")])  # dearer and slower: never crosses
    assert np.isnan(pair[("sea", "same_days")])  # parallel lines
    assert len(out) == 6


def test_stage_costs_and_inventory_by_hand(network: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    segments, stops = network
    t = load_tariffs()
    costs = stage_costs(segments, stops, t).set_index(["route", "stage_kind", "stage_index"])
    # WCI 1,490 USD/FEU [S48] / 2 TEU = 745 USD/TEU, spread over the two deep-sea stages by km
    assert costs.loc[("suez", "leg", 1), "cost_usd_per_teu"] == pytest.approx(745 * 12 / 19.6)
    assert costs.loc[("suez", "leg", 3), "cost_usd_per_teu"] == pytest.approx(745 * 7.6 / 19.6)
    assert costs.loc[("middle_corridor", "stop", 6), "cost_usd_per_teu_border"] == 107.5
    assert costs.loc[("middle_corridor", "stop", 2), "cost_usd_per_teu_handling"] == 50.0
    rail = 1500 * t["rail_usd_per_feu_km_KAZ"] / 2
    assert costs.loc[("middle_corridor", "leg", 1), "cost_usd_per_teu_rail"] == pytest.approx(rail)
    legs = pd.DataFrame({"consignment_id": [1], "route": ["suez"], "stage_index": [1],
                         "stage_kind": ["leg"], "teu": [1.0], "start_h": [0.0], "end_h": [24.0]})
    out = priced(legs, segments, stops, tariffs=t)
    assert out["cost_usd_inventory"].iloc[0] == pytest.approx(50_000 * 0.10 / 365)
    assert out["cost_usd"].iloc[0] == pytest.approx(745 * 12 / 19.6 + 50_000 * 0.10 / 365)


def test_rail_calibration_lands_in_world_bank_ranges() -> None:
    t = load_tariffs()
    rates = calibrate_rail_rates(t)
    assert t["rail_usd_per_feu_km_KAZ"] == pytest.approx(rates["shared"], abs=1e-4)
    assert t["rail_usd_per_feu_km_RUS"] == pytest.approx(rates["russia_belarus"], abs=1e-4)
    assert 2500 <= reference_corridor_cost_usd_per_feu("middle_corridor", t) <= 3250
    assert reference_corridor_cost_usd_per_feu("northern", t) == pytest.approx(3121, abs=5)


def test_route_accounting_end_to_end(network: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    segments, stops = network
    intens = stage_intensities(segments, stops)
    stages = pd.concat([intens[["route", "stage_kind", "stage_index"]]], ignore_index=True)
    rows = []
    for cid, route in ((1, "suez"), (2, "middle_corridor"), (3, "middle_corridor")):
        s = stages[stages["route"] == route].sort_values("stage_index")
        for i, (kind, idx) in enumerate(zip(s["stage_kind"], s["stage_index"], strict=True)):
            rows.append((cid, route, idx, kind, 1.0, 24.0 * i, 24.0 * (i + 1), 24.0, 0.0))
    legs = pd.DataFrame(rows, columns=["consignment_id", "route", "stage_index", "stage_kind",
                                       "teu", "start_h", "end_h", "moving_h", "waiting_h"])
    cons = pd.DataFrame({"consignment_id": [1, 2, 3],
                         "route": ["suez", "middle_corridor", "middle_corridor"],
                         "teu": [1.0, 1.0, 1.0], "created_h": 0.0,
                         "delivered_h": [120.0, 168.0, np.nan], "transit_h": [120.0, 168.0, np.nan],
                         "reefer": False})
    legs = priced(legs, segments, stops)
    delivered = cons[cons["delivered_h"].notna()]  # undelivered consignment 3 not counted
    legs = legs[legs["consignment_id"].isin(delivered["consignment_id"])]
    summary = route_accounting(legs, delivered).set_index("route")
    mc_total = intens.loc[intens["route"] == "middle_corridor", "co2e_wtw_kg_per_teu"].sum()
    assert summary.loc["middle_corridor", "co2e_wtw_kg_per_teu"] == pytest.approx(mc_total)
    assert summary.loc["middle_corridor", "teu"] == 1.0
    parts = [f"co2e_wtw_kg_per_teu_{p}" for p in ("rail", "sea", "road", "hub")]
    np.testing.assert_allclose(summary[parts].sum(axis=1), summary["co2e_wtw_kg_per_teu"])
    cparts = [f"cost_usd_per_teu_{p}" for p in
              ("rail", "sea", "road", "handling", "border", "inventory")]
    np.testing.assert_allclose(summary[cparts].sum(axis=1), summary["cost_usd_per_teu"])
    by_country = route_country_emissions(legs, intensity_breakdown(segments, stops), delivered)
    totals = by_country.groupby("route")["co2e_wtw_kg_per_teu"].sum()
    np.testing.assert_allclose(totals[summary.index], summary["co2e_wtw_kg_per_teu"])
    be = break_even_cargo_value(summary.reset_index())
    assert list(be.columns) == ["route_a", "route_b", "break_even_value_usd_per_teu", "reason",
                                "cheaper_below", "cheaper_above"]


# --- (d) factor tables and overrides -----------------------------------------------------

def test_unknown_override_key_names_it_and_suggests() -> None:
    with pytest.raises(ScenarioError, match=r"rail_diesel_wtw_g_per_km.*rail_diesel_wtw_g_per_tkm"):
        load_factors({"rail_diesel_wtw_g_per_km": 30.0})
    with pytest.raises(ScenarioError, match="cost_tariffs key"):
        load_factors({"border_usd_per_bcp": 100.0})
    with pytest.raises(ScenarioError, match="road_wtw_g_per_tkm"):
        load_factors({"road_wtw_g_per_tkm": -1.0})
    with pytest.raises(ValueError):  # ScenarioError is also a ValueError
        load_tariffs({"cargo_value_usd_per_tue": 1.0})


def test_overrides_apply_and_tables_are_documented() -> None:
    f = load_factors({"grid_g_per_kwh_KAZ": 100.0, "grid_g_per_kwh_UKR": 200.0})
    assert f["grid_g_per_kwh_KAZ"] == 100.0 and f["grid_g_per_kwh_UKR"] == 200.0
    assert load_factors()["grid_g_per_kwh_KAZ"] == 641.0  # shipped table untouched
    with pytest.raises(TypeError):
        f.mapping["road_wtw_g_per_tkm"] = 1.0  # type: ignore[index]
    table = assumptions_table()
    assert table["source"].str.fullmatch(r"S\d+|T-[A-Z]+\d+").all()
    assert table["year"].notna().all()
    assert (table.loc[table["assumed"], "note"].str.len() > 20).all()


# --- (e) footprint -----------------------------------------------------------------------

def test_shipment_footprint_has_ileap_keys(network: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    segments, stops = network
    intens = stage_intensities(segments, stops)
    mc = intens[intens["route"] == "middle_corridor"]
    row = {"route": "middle_corridor", "co2e_wtw_kg_per_teu": mc["co2e_wtw_kg_per_teu"].sum() + 5,
           "co2e_ttw_kg_per_teu": mc["co2e_ttw_kg_per_teu"].sum()}
    fp = shipment_footprint(row, intens, teu=2.0)
    assert {"shipmentId", "mass", "tces"} <= fp.keys()
    required = {"tceId", "shipmentId", "mass", "distance", "transportActivity", "co2eWTW",
                "co2eTTW"}
    decimal = re.compile(r"^-?\d+(\.\d+)?$")
    for tce in fp["tces"]:
        assert required <= tce.keys()
        assert tce["shipmentId"] == fp["shipmentId"]
        for k in ("mass", "transportActivity", "co2eWTW", "co2eTTW"):
            assert decimal.match(tce[k]), (k, tce[k])
        assert set(tce["distance"]) == {"sfd"}
    assert fp["mass"] == "20000"
    assert fp["tces"][-1]["tceId"].endswith("time-dependent")
    total = sum(float(t["co2eWTW"]) for t in fp["tces"])
    assert total == pytest.approx(2 * row["co2e_wtw_kg_per_teu"], rel=1e-6)


def test_electric_rail_without_grid_row_is_an_error() -> None:
    segments = seg(("x", 1, "rail", "block_train", "", "UKR", "electric", 10.0))
    with pytest.raises(ScenarioError, match="grid_g_per_kwh_<ISO3>"):
        stage_intensities(segments, stops_df())
    ok = stage_intensities(segments, stops_df(), load_factors({"grid_g_per_kwh_UKR": 300.0}))
    assert ok["co2e_wtw_kg_per_teu"].iloc[0] > 0


# --- (f) record-based accounting of a run = the table-based oracle (tests/oracles.py) ------

def _record_run(name: str) -> dict:
    """A short run with reefers (and, for the baseline, two O–D instances of ``suez``) and
    the oracle accounting of its full tables."""
    from corridorsim.accounting.pipeline import account_records
    from corridorsim.analysis.tables import consignments_table, legs_table
    from corridorsim.network import load_network
    from corridorsim.run import run_scenario
    from corridorsim.scenario.load import load_scenario, scenario_from_dict

    scn, _ = load_scenario(name)
    data = scn.model_dump()
    demand = [{**row, "reefer_share": 0.3} for row in data["demand"]]
    if name == "baseline_2024":  # a second instance of the suez family (another O–D pair)
        demand.append({**demand[3], "origin": "CN_SHA", "destination": "NL_RTM",
                       "teu_per_week": 500.0})
    data.update(horizon_d=40, warmup_d=5, demand=demand)
    scn = scenario_from_dict(data)
    res = run_scenario(scn, network=load_network())
    trace = res.trace
    rec = trace.records
    counted = (rec.created_h >= trace.warmup_h) & ~np.isnan(rec.delivered_h)
    cons = consignments_table(rec, res.routes, trace.warmup_h)
    legs = legs_table(rec, res.routes, attrs=trace.attrs)
    return {"scn": scn, "routes": res.routes, "trace": trace, "rec": rec, "counted": counted,
            "cons": cons, "legs": legs,
            "acc": account_records(scn, res.routes, trace, counted),
            "ref": account_run(scn, res.routes, legs.copy(), cons)}


@pytest.fixture(scope="module", params=["baseline_2024", "red_sea_crisis_2024"])
def record_run(request: pytest.FixtureRequest) -> dict:
    return _record_run(request.param)


def _same_json(a: object, b: object, path: str = "") -> None:
    """Equal footprints; Decimal strings equal up to their 6-decimal rounding."""
    num = re.compile(r"^-?\d+(\.\d+)?$")
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same_json(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_json(x, y, f"{path}[{i}]")
    elif isinstance(a, str) and isinstance(b, str) and num.match(a) and num.match(b):
        assert float(a) == pytest.approx(float(b), rel=1e-9, abs=2e-6), path
    else:
        assert a == b, path


def test_record_run_exercises_every_term(record_run: dict) -> None:
    # the equality tests below only mean something if every term is present and large
    rec, ref, cons = record_run["rec"], record_run["ref"], record_run["cons"]
    counted = record_run["counted"]
    assert rec.reefer.any() and (~rec.reefer).any()
    assert counted.any() and (~counted).any()
    legs = ref.legs
    assert legs["cost_usd_inventory"].sum() > 1e-3 * legs["cost_usd"].sum()
    assert (np.isnan(legs["end_h"]) & (legs["stage_kind"] == "stop")).any()  # still at a stop
    plain = account_run(record_run["scn"], record_run["routes"], record_run["legs"].copy(),
                        cons.assign(reefer=False))
    reefer_rows = legs["consignment_id"].isin(np.flatnonzero(rec.reefer)).to_numpy()
    for col in ("co2e_wtw_kg_hub", "co2e_wtw_kg_sea", "co2e_ttw_kg"):  # plug, sea extras
        extra = legs[col].to_numpy() - plain.legs[col].to_numpy()
        assert (extra[~reefer_rows] == 0).all()
        assert extra[reefer_rows].sum() > 1e-4 * legs[col].sum(), col
    if record_run["scn"].name == "baseline_2024":  # suez accounted per O–D pair
        suez = [t for t in ref.inputs.instances.values() if t[0] == "suez"]
        assert sorted(suez) == [("suez", "CN_SHA", "NL_RTM"), ("suez", "CN_XIY", "DE_DUI")]
        rows = ref.summary[ref.summary["route"] == "suez"]
        assert sorted(zip(rows["origin"], rows["destination"], strict=True)) == [
            ("CN_SHA", "NL_RTM"), ("CN_XIY", "DE_DUI")]
        assert rows["co2e_wtw_kg_per_teu"].nunique() == 2  # not lumped
        ids = {k: fp["shipmentId"] for k, fp in ref.footprints.items()
               if ref.inputs.instances[k][0] == "suez"}
        assert sorted(ids.values()) == ["corridorsim-suez-CN_SHA-NL_RTM",
                                        "corridorsim-suez-CN_XIY-DE_DUI"]  # one per instance


def test_account_records_matches_account_run(record_run: dict) -> None:
    acc, ref = record_run["acc"], record_run["ref"]
    assert set(acc.per_consignment) == {"co2e_wtw_kg", "co2e_ttw_kg", "cost_usd"}
    for col, values in acc.per_consignment.items():
        assert values.dtype == np.float64 and len(values) == record_run["rec"].n
        np.testing.assert_allclose(values, ref.consignments[col].to_numpy(), rtol=1e-9,
                                   atol=0, err_msg=col)
    pd.testing.assert_frame_equal(acc.summary, ref.summary, rtol=1e-9)
    assert acc.tables.keys() == ref.tables.keys() and "break_even.csv" in acc.tables
    for name, table in ref.tables.items():
        pd.testing.assert_frame_equal(acc.tables[name], table, rtol=1e-9, obj=name)
    assert acc.footprints.keys() == ref.footprints.keys() and acc.footprints
    _same_json(acc.footprints, ref.footprints)


def test_account_records_in_small_chunks_is_the_same(record_run: dict) -> None:
    from corridorsim.accounting.pipeline import account_records

    acc = record_run["acc"]
    small = account_records(record_run["scn"], record_run["routes"], record_run["trace"],
                            record_run["counted"], max_rows=997)
    for col, values in acc.per_consignment.items():
        np.testing.assert_allclose(small.per_consignment[col], values, rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(small.summary, acc.summary, rtol=1e-12)


def test_extend_legs_matches_the_oracle(record_run: dict) -> None:
    from corridorsim.analysis.tables import legs_table

    acc, ref, rec = record_run["acc"], record_run["ref"], record_run["rec"]
    legs = record_run["legs"]
    cons = record_run["cons"][["consignment_id", "reefer"]]
    fast = acc.extend_legs(legs.copy())
    slow = account_legs(ref.inputs, legs, cons)
    assert list(fast.columns) == list(slow.columns)
    new = list(fast.columns[len(legs.columns):])
    assert new == LEG_COLUMNS and len(new) == 13
    assert all(fast[c].dtype == np.float64 for c in new)
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=0)
    # a chunk gets the rows of the whole table
    lo, hi = rec.n // 3, rec.n // 2
    chunk = acc.extend_legs(legs_table(rec, record_run["routes"], lo, hi,
                                       attrs=record_run["trace"].attrs))
    ids = fast["consignment_id"].to_numpy()
    whole = fast[(ids >= lo) & (ids < hi)].reset_index(drop=True)
    pd.testing.assert_frame_equal(chunk.reset_index(drop=True), whole)


def test_europe_to_china_pays_the_backhaul_rates() -> None:
    """Eastbound rail and deep sea are charged at their (lower) backhaul tariffs (S6, T-R3)."""
    from corridorsim.accounting import load_tariffs, route_tables, stage_costs
    from corridorsim.network import load_network
    from corridorsim.routing import resolve_route

    network = load_network()
    t = load_tariffs()

    def cost(fam: str, o: str, d: str) -> pd.Series:
        segs, stops = route_tables({fam: resolve_route(network, fam, origin=o, destination=d)})
        return stage_costs(segs, stops, t).sum(numeric_only=True)

    west, east = cost("northern", "CN_XIY", "DE_DUI"), cost("northern", "DE_DUI", "CN_XIY")
    assert east["cost_usd_per_teu_rail"] == pytest.approx(
        west["cost_usd_per_teu_rail"] * t["rail_eastbound_factor"], rel=1e-6)
    sw, se = cost("suez", "CN_SHA", "NL_RTM"), cost("suez", "NL_RTM", "CN_SHA")
    assert se["cost_usd_per_teu_sea"] == pytest.approx(
        sw["cost_usd_per_teu_sea"] * t["sea_deep_sea_eastbound_factor"], rel=1e-6)
    assert se["cost_usd_per_teu_handling"] == pytest.approx(sw["cost_usd_per_teu_handling"])


# --- (g) complete landed cost: borders, rates by year, currency, break-even reasons --------

def _route_costs(fam: str, tariffs: FactorTable | None = None) -> pd.Series:
    from corridorsim.accounting import route_tables
    from corridorsim.network import load_network
    from corridorsim.routing import resolve_route

    segs, stops = route_tables({fam: resolve_route(load_network(), fam)})
    return stage_costs(segs, stops, tariffs or load_tariffs()).sum(numeric_only=True)


def test_border_fee_at_every_external_border_crossed() -> None:
    # Xi'an -> Duisburg: borders passed inside legs (waypoints) pay 215/2 USD/TEU each
    # [S12]; EU and EAEU internal borders pay nothing
    # MC: Khorgos (CHN->KAZ), Beyuk-Kesik (AZE->GEO); ROU-HUN-AUT-DEU internal; sea: none
    assert _route_costs("middle_corridor")["cost_usd_per_teu_border"] == pytest.approx(2 * 107.5)
    # Türkiye variant: + GEO->TUR, TUR->BGR (into the EU), BGR->SRB, SRB->HUN
    assert _route_costs("middle_corridor_turkey")["cost_usd_per_teu_border"] == pytest.approx(
        6 * 107.5)
    # Northern: Alashankou (CHN->KAZ) and Brest (BLR->POL); KAZ->RUS->BLR in the EAEU
    assert _route_costs("northern")["cost_usd_per_teu_border"] == pytest.approx(2 * 107.5)
    assert _route_costs("suez")["cost_usd_per_teu_border"] == 0.0  # NLD/BEL/DEU: EU internal
    # a waypoint's fee is charged on its leg, not on a stop that does not exist
    segments = seg(("r", 1, "rail", "block_train", "", "KAZ", "diesel", 100.0))
    stops = stops_df(("r", 0, "a", "terminal", True, "CHN"), ("r", 1, "b", "border", False, "KAZ"),
                     ("r", 1, "c", "border_internal", False, "KAZ"),
                     ("r", 2, "d", "terminal", True, "KAZ"))
    costs = stage_costs(segments, stops).set_index(["stage_kind", "stage_index"])
    assert costs.loc[("leg", 1), "cost_usd_per_teu_border"] == 107.5
    assert ("stop", 1) not in costs.index


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_rates_by_year_reproduce_their_targets(year: int) -> None:
    from corridorsim.accounting import rates_years
    from corridorsim.scenario.model import AccountingConfig

    assert rates_years() == [2023, 2024, 2025]
    assert AccountingConfig.model_fields["rates_year"].annotation.__args__ == (2023, 2024, 2025)
    t = load_tariffs(year=year)
    assert t.rates_year == year
    rates = calibrate_rail_rates(t)
    assert t["rail_usd_per_feu_km_KAZ"] == pytest.approx(rates["shared"], abs=1e-4)
    assert t["rail_usd_per_feu_km_RUS"] == pytest.approx(rates["russia_belarus"], abs=1e-4)
    # the targets: WB 2023 [S6] scaled by the ERAI 1520 index [T-R1]
    scale = t["erai_1520_usd_per_feu"] / 2900.0
    assert t["rail_target_northern_usd_per_feu"] == pytest.approx(3121 * scale, abs=0.5)
    assert reference_corridor_cost_usd_per_feu("northern", t) == pytest.approx(
        t["rail_target_northern_usd_per_feu"], abs=5)
    assert reference_corridor_cost_usd_per_feu("middle_corridor", t) == pytest.approx(
        t["rail_target_mc_usd_per_feu"], abs=5)
    table = t.table
    assert table["key"].is_unique and table.loc[table["key"] == "usd_per_eur", "year"].iloc[0] == year


def test_rates_year_2025_sea_rate_and_unknown_year() -> None:
    t = load_tariffs(year=2025)
    # WCI Shanghai-Rotterdam 4,231 (16 Jan) and 2,046 (8 May 2025) [T-R3]: mean 3,138.5
    assert t["sea_deep_sea_cape_usd_per_feu"] == pytest.approx(3139)
    assert load_tariffs(year=2024)["sea_deep_sea_cape_usd_per_feu"] == pytest.approx(3240 / 0.41,
                                                                                    abs=1)
    with pytest.raises(ScenarioError, match="allowed: 2023, 2024, 2025"):
        load_tariffs(year=2019)


def test_break_even_reasons_never_blank() -> None:
    summary = pd.DataFrame({"route": ["sea", "rail", "slow_dear", "same_days", "fast_cheap",
                                      "twin", "empty"],
                            "freight_cost_usd_per_teu": [1000.0, 1600.0, 2000.0, 1200.0, 900.0,
                                                         1000.0, np.nan],
                            "transit_days": [40.0, 20.0, 45.0, 40.0, 30.0, 40.0, np.nan]})
    out = break_even_cargo_value(summary, inventory_rate_per_year=0.10)
    r = out.set_index(["route_a", "route_b"])
    assert r.loc[("sea", "rail"), "reason"] == "crosses"
    assert (r.loc[("sea", "rail"), "cheaper_below"], r.loc[("sea", "rail"), "cheaper_above"]) \
        == ("sea", "rail")
    assert r.loc[("sea", "slow_dear"), "reason"] == "always cheaper"  # cheaper and faster
    assert r.loc[("sea", "same_days"), "reason"] == "always cheaper"  # parallel, lower
    assert r.loc[("sea", "fast_cheap"), "reason"] == "never cheaper"
    assert r.loc[("sea", "twin"), "reason"] == "equal at every value"
    assert r.loc[("sea", "empty"), "reason"] == "not comparable"
    # every row: a number, or no number and a reason that says why
    has_number = out["break_even_value_usd_per_teu"].notna()
    assert (has_number == out["reason"].eq("crosses")).all()
    assert out[["reason", "cheaper_below", "cheaper_above"]].ne("").all().all()


def test_currency_eur_adds_euro_columns(record_run: dict) -> None:
    from corridorsim.accounting.pipeline import account_records

    scn = record_run["scn"]
    if scn.name != "baseline_2024":
        pytest.skip("one scenario is enough")
    eur = scn.model_copy(update={"accounting": scn.accounting.model_copy(
        update={"currency": "EUR", "rates_year": 2024})})
    acc = account_records(eur, record_run["routes"], record_run["trace"], record_run["counted"])
    s = acc.summary
    assert (s["rates_year"] == 2024).all() and (s["usd_per_eur"] == 1.0824).all()
    np.testing.assert_allclose(s["cost_eur_per_teu"], s["cost_usd_per_teu"] / 1.0824)
    np.testing.assert_allclose(s["cost_eur_per_teu_border"], s["cost_usd_per_teu_border"] / 1.0824)
    be = acc.tables["break_even.csv"]
    np.testing.assert_allclose(be["break_even_value_eur_per_teu"],
                               be["break_even_value_usd_per_teu"] / 1.0824)
    assert "cost_eur_per_teu" not in record_run["acc"].summary.columns  # USD: none added


def _tariff(key: str, year: int = 2023) -> float:
    """A value of cost_tariffs.csv read straight from the file (no production code)."""
    from importlib.resources import files

    with (files("corridorsim") / "data" / "cost_tariffs.csv").open(encoding="utf-8") as fh:
        t = pd.read_csv(fh)
    rows = t[(t["key"] == key) & (t["rates_year"].isna() | t["rates_year"].eq(year))]
    assert len(rows) == 1, key
    return float(rows["value"].iloc[0])


def test_landed_cost_of_one_middle_corridor_teu_by_hand(record_run: dict) -> None:
    """Freight by leg, handling, border fees (counted) and inventory of one Xi'an ->
    Duisburg Middle Corridor TEU, by plain arithmetic on the run's inputs."""
    if record_run["scn"].name != "baseline_2024":
        pytest.skip("the fixed-route baseline")
    inst = next(i for i in record_run["routes"].values() if i.family == "middle_corridor")
    stages = inst.route.stages
    legs = [s for s in stages if hasattr(s, "waypoints")]
    stops = [s for s in stages if not hasattr(s, "waypoints")]
    assert [lg.mode for lg in legs] == ["rail", "rail", "sea", "rail", "sea", "rail"]
    # rail: km in each country x that country's USD/FEU-km (2023 rates) / 2 TEU per FEU
    rail = sum(km * _tariff(f"rail_usd_per_feu_km_{c}") / 2.0
               for lg in legs if lg.mode == "rail" for c, _t, km in lg.km_by_country_traction)
    # sea: Aktau -> Alat feeder 200 USD/TEU, Poti -> Constanta feeder 200 USD/TEU
    sea = 200.0 + 200.0
    # handling: 4 port calls (Aktau, Alat, Poti, Constanta) x 50; Xi'an terminal, Altynkol
    # gauge change, Duisburg terminal: 3 lifts x 25 -> 275
    assert sorted(s.kind for s in stops) == ["gauge_change", "port", "port", "port", "port",
                                             "terminal", "terminal"]
    handling = 4 * 50.0 + 3 * 25.0
    # borders: Khorgos (CHN->KAZ) and Beyuk-Kesik (AZE->GEO) passed inside rail legs;
    # Romania->Hungary->Austria->Germany are EU-internal: 2 x 215 USD per FEU / 2
    crossings = [w.node for lg in legs for w in lg.waypoints if w.kind == "border"]
    assert crossings == ["CN_KHG", "AZ_BKS"]
    border = len(crossings) * 215.0 / 2.0
    freight = rail + sea + handling + border
    # inventory: 50,000 USD/TEU x 10 %/yr x mean transit (TEU-weighted) / 8,760 h
    cons = record_run["cons"]
    mine = cons[(cons["route_key"].astype(str) == inst.key) & cons["in_stats"]
                & cons["delivered_h"].notna()]
    hours = float((mine["transit_h"] * mine["teu"]).sum() / mine["teu"].sum())
    inventory = 50_000 * 0.10 * hours / 8760.0
    row = record_run["acc"].summary.set_index(["route", "origin", "destination"]).loc[
        ("middle_corridor", "CN_XIY", "DE_DUI")]
    assert row["cost_usd_per_teu_border"] == pytest.approx(215.0)
    assert row["cost_usd_per_teu_handling"] == pytest.approx(275.0)
    assert row["cost_usd_per_teu_sea"] == pytest.approx(400.0)
    assert row["cost_usd_per_teu_rail"] == pytest.approx(rail, rel=1e-9)
    assert row["freight_cost_usd_per_teu"] == pytest.approx(freight, rel=1e-9)
    assert row["inventory_cost_usd_per_teu"] == pytest.approx(inventory, rel=1e-6)
    assert row["cost_usd_per_teu"] == pytest.approx(freight + inventory, rel=1e-6)
    # with 40 % of the boxes returning empty (stated: the baseline runs westbound only), each
    # loaded TEU also pays 0.4 of a box's trip back at the route's freight
    from corridorsim.accounting.pipeline import account_records

    scn = record_run["scn"]
    stated = scn.model_copy(update={"accounting": scn.accounting.model_copy(
        update={"empty_return_share": {"middle_corridor": 0.4}})})
    acc = account_records(stated, record_run["routes"], record_run["trace"],
                          record_run["counted"])
    row = acc.summary.set_index(["route", "origin", "destination"]).loc[
        ("middle_corridor", "CN_XIY", "DE_DUI")]
    assert row["cost_usd_per_teu_empty"] == pytest.approx(0.4 * freight, rel=1e-9)
    assert row["cost_usd_per_teu"] == pytest.approx(1.4 * freight + inventory, rel=1e-6)


def test_emissions_audit_redone_by_hand(record_run: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One Middle Corridor stage (the Caspian crossing) and one electric rail leg redone
    by hand from emissions_audit.csv; every row's WTW = activity x factor x scale."""
    acc = record_run["acc"]
    path = tmp_path / "emissions_audit.csv"
    acc.tables["emissions_audit.csv"].to_csv(path, index=False)
    audit = pd.read_csv(path)
    mc = audit[(audit["route"] == "middle_corridor") & (audit["origin"] == "CN_XIY")]
    casp = mc[mc["service"] == "caspian_feeder"].iloc[0]
    # GLEC v3.0 Table 17 [S73]: 200.3 g CO2e/TEU-km at 10 t/TEU; 10 t cargo + 2 t tare
    assert casp["factor_key"] == "sea_caspian_feeder_wtw_g_per_teu_km"
    assert casp["iso14083_element"] == "transport chain element"
    assert casp["activity_unit"] == "TEU·km" and casp["glec_version"].startswith("GLEC Framework v3.0")
    wtw = casp["km"] * 200.3 * 12.0 / 10.0 / 1000.0
    assert casp["wtw_kg_per_teu"] == pytest.approx(wtw, rel=1e-9)
    assert casp["ttw_kg_per_teu"] == pytest.approx(wtw * 48.1 / 55.6, rel=1e-5)  # Table 16 split
    # electric rail, Kazakhstan: 0.032 kWh/tkm x 6.4/6.0 x 641 g/kWh x 12 t x km
    kaz = mc[(mc["component"] == "rail_electric") & (mc["country"] == "KAZ")
             & (mc["km"] > 100)].iloc[0]
    assert kaz["wtw_kg_per_teu"] == pytest.approx(
        0.032 * 6.4 / 6.0 * 641 * 12.0 * kaz["km"] / 1000.0, rel=1e-5)
    # a port call: 10.7 kg per container x 12/10 [S73 Table 3], a hub operation
    port = mc[(mc["stage_kind"] == "stop") & (mc["iso14083_category"] == "port (lift)")]
    assert len(port) == 4 and np.allclose(port["wtw_kg_per_teu"], 10.7 * 1.2)
    assert set(port["iso14083_element"]) == {"hub operation"}
    redo = audit["activity_per_teu"] * audit["factor_value"] * audit["factor_scale"] \
        * audit["unit_to_kg"]
    np.testing.assert_allclose(redo, audit["wtw_kg_per_teu"], rtol=1e-9, atol=1e-9)
    # the stages sum to the static intensities the run priced (dry TEU)
    inputs = acc.inputs
    mc_key = next(k for k, v in inputs.instances.items()
                  if v == ("middle_corridor", "CN_XIY", "DE_DUI"))
    static = inputs.intens[inputs.intens["route"] == mc_key]["co2e_wtw_kg_per_teu"].sum()
    assert mc["wtw_kg_per_teu"].sum() == pytest.approx(static, rel=1e-9)
