"""The simulation engine: determinism, conservation, invariants, queueing theory, schedules."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from netbuild import line_network, open_family, write_network

from corridorsim.network import load_network
from corridorsim.outputs import write_run
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict

LINE = {"line": open_family("line", "Line")}


def _line_scenario(**kw):
    base = {"name": "line", "horizon_d": 90, "warmup_d": 10, "routes": ["line"],
            "demand": [{"origin": "A", "destination": "D", "route": "line", "teu_per_week": 400}]}
    base.update(kw)
    return scenario_from_dict(base)


@pytest.fixture(scope="module")
def small_net(tmp_path_factory):
    return line_network(tmp_path_factory.mktemp("line"))


@pytest.fixture(scope="module")
def baseline_short():
    scn, _ = load_scenario("baseline_2024")
    data = scn.model_dump()
    data.update(horizon_d=60, warmup_d=10)
    return scenario_from_dict(data)


def test_same_seed_same_tables_other_seed_differs(baseline_short, network, tmp_path):
    a = run_scenario(baseline_short, network=network)
    b = run_scenario(baseline_short, network=network)
    write_run(a, tmp_path / "a")
    write_run(b, tmp_path / "b")
    for name in ("summary.csv", "facilities.csv", "consignments.parquet", "legs.parquet",
                 "vehicles.parquet", "emissions_by_country.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = scenario_from_dict({**baseline_short.model_dump(), "seed": 7})
    c = run_scenario(other, network=network)
    assert not a.summary["transit_days_mean"].equals(c.summary["transit_days_mean"])


def test_run_json_teu_adds_up(baseline_short, network, tmp_path):
    res = run_scenario(baseline_short, network=network)
    write_run(res, tmp_path / "r")
    info = json.loads((tmp_path / "r" / "run.json").read_text())
    assert info["teu_created"] == info["teu_delivered"] + info["teu_in_system"]
    assert info["teu_created"] == res.consignments["teu"].sum()
    assert info["teu_delivered"] > 0 and info["teu_in_system"] > 0
    assert set(info["outputs"]) >= {"summary.csv", "legs.parquet", "consignments.parquet",
                                    "facilities.csv"}


def test_warmup_excluded_from_statistics(small_net):
    res = run_scenario(_line_scenario(warmup_d=30), network=small_net, families=LINE)
    c = res.consignments
    stats = c[c["in_stats"] & c["delivered"]]
    assert (stats["created_h"] >= 30 * 24).all()
    assert res.summary.loc[0, "consignments"] == len(stats)


def test_storms_stop_caspian_sailings(small_net):
    calm = run_scenario(_line_scenario(weather={"caspian": None}), network=small_net, families=LINE)
    stormy = run_scenario(_line_scenario(weather={"caspian": {
        "storms_per_month": [6] * 12, "duration": {"fixed_h": 72}}}), network=small_net,
        families=LINE)
    assert calm.legs["wait_weather_h"].sum() == 0
    assert stormy.legs["wait_weather_h"].sum() > 0
    assert stormy.summary.loc[0, "transit_days_mean"] > calm.summary.loc[0, "transit_days_mean"]


def test_closure_holds_departures_until_reopening(small_net):
    res = run_scenario(_line_scenario(disruptions=[{"target": "P1-P2", "start_d": 20, "end_d": 40}]),
                       network=small_net, families=LINE)
    veh = res.vehicles
    sea = veh[veh["service"].str.startswith("caspian_feeder")]
    assert not ((sea["depart_h"] >= 20 * 24) & (sea["depart_h"] < 40 * 24)).any()
    assert res.legs["wait_disruption_h"].sum() > 0


def test_route_closure_refuses_bookings(small_net):
    res = run_scenario(_line_scenario(disruptions=[{"target": "line", "start_d": 0, "end_d": 30}]),
                       network=small_net, families=LINE)
    assert (res.consignments["created_h"] >= 30 * 24).all()
    assert res.info["teu_refused"]["line"] > 0


def test_investment_scales_capacity(small_net):
    slow = run_scenario(_line_scenario(services={"caspian_feeder": {"fleet": 1, "capacity_teu": 100}}),
                        network=small_net, families=LINE)
    fast = run_scenario(_line_scenario(services={"caspian_feeder": {"fleet": 4, "capacity_teu": 300}}),
                        network=small_net, families=LINE)
    assert fast.summary.loc[0, "teu_delivered"] > slow.summary.loc[0, "teu_delivered"]


# --------------------------------------------------------------------------- properties
def _random_network(tmp_path, n_rail: int, sea: bool, gauge_change: bool):
    nodes = [{"id": "N0", "name": "N0", "country": "CHN", "kind": "terminal", "lon": 80.0, "lat": 44.0}]
    links = []
    lon = 80.0
    for i in range(1, n_rail + 1):
        lon -= 3.0
        kind = "gauge_change" if (gauge_change and i == 1) else ("border" if i == 2 else "hub")
        nodes.append({"id": f"N{i}", "name": f"N{i}", "country": "KAZ", "kind": kind,
                      "lon": lon, "lat": 44.0})
        gauge = 1435 if (not gauge_change or i == 1) else 1520
        links.append({"from": f"N{i-1}", "to": f"N{i}", "gauge_mm": gauge, "country": "KAZ",
                      "km_by_country": {"KAZ": 1}})
    last = f"N{n_rail}"
    if sea:
        nodes[-1]["kind"] = "port"
        nodes.append({"id": "PX", "name": "PX", "country": "AZE", "kind": "port",
                      "lon": lon - 3, "lat": 41.0})
        links.append({"from": last, "to": "PX", "mode": "sea", "sea_area": "caspian"})
        last = "PX"
    nodes.append({"id": "END", "name": "END", "country": "GEO", "kind": "terminal",
                  "lon": lon - 6, "lat": 42.0})
    links.append({"from": last, "to": "END", "gauge_mm": 1520 if gauge_change else 1435,
                  "country": "GEO", "km_by_country": {"GEO": 1}})
    net = load_network(write_network(tmp_path, nodes, links))
    return net, {"r": open_family("r", "random")}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    n_rail=st.integers(1, 3), sea=st.booleans(), gauge_change=st.booleans(),
    teu=st.floats(1, 3000), cap=st.integers(2, 300), fleet=st.integers(1, 5),
    servers=st.integers(1, 3), hold=st.floats(0, 100), seed=st.integers(0, 10_000),
    headway=st.one_of(st.none(), st.floats(6, 200)),
)
# a timeout to a booking's ready time landed a rounding error short of it: "loaded nothing"
@example(n_rail=1, sea=False, gauge_change=False, teu=1.0, cap=2, fleet=1, servers=1,
         hold=0.0, seed=243, headway=None)
# float32 waits: 5.9e-5 h off on a 572 h transit (the tolerance must allow for it)
@example(n_rail=3, sea=False, gauge_change=False, teu=1010.0, cap=2, fleet=1, servers=1,
         hold=1.0, seed=39, headway=None)
def test_invariants_on_random_networks(tmp_path_factory, n_rail, sea, gauge_change, teu, cap,
                                       fleet, servers, hold, seed, headway):
    net, fams = _random_network(tmp_path_factory.mktemp("rnd"), n_rail, sea, gauge_change)
    scn = scenario_from_dict({
        "name": "rnd", "seed": seed, "horizon_d": 40, "warmup_d": 5, "routes": ["r"],
        "demand": [{"origin": "N0", "destination": "END", "route": "r", "teu_per_week": teu}],
        "services": {"block_train": {"capacity_teu": cap, "max_hold_h": hold,
                                     **({"headway_h": headway} if headway else {})},
                     "caspian_feeder": {"fleet": fleet, "capacity_teu": cap}},
        "facilities": {"gauge_change": {"servers": servers}, "port": {"servers": servers}},
    })
    res = run_scenario(scn, network=net, families=fams)  # invariants are checked inside too
    info, c, legs, veh = res.info, res.consignments, res.legs, res.vehicles
    # TEU conserved
    assert info["teu_created"] == pytest.approx(info["teu_delivered"] + info["teu_in_system"])
    # no vehicle above capacity, no facility above its servers
    assert (veh["load_teu"] <= veh["capacity_teu"] + 1e-9).all()
    assert (res.facilities["utilisation"] <= 1.0 + 1e-9).all()
    # no negative times
    num = legs.select_dtypes("number")
    assert (num.drop(columns=["start_h", "end_h"]).fillna(0) >= -1e-9).all().all()
    done = legs[legs["end_h"].notna()]
    assert (done["end_h"] >= done["start_h"] - 1e-9).all()
    # waiting + moving = transit for every delivered consignment
    d = c[c["delivered"]]
    waits = d[[col for col in d.columns if col.startswith("wait_")]].sum(axis=1)
    # waits and moving hours are stored as float32 (per stage): a few microhours of rounding
    # over a 500-hour transit, as the run's own invariant check allows
    np.testing.assert_allclose(waits + d["moving_h"], d["transit_h"], rtol=1e-6, atol=1e-3)


# --------------------------------------------------------------------------- queueing theory
def _erlang_c_wq(lam: float, mu: float, c: int) -> float:
    a = lam / mu
    rho = a / c
    s = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (s + top)
    return p_wait / (c * mu - lam)


def test_mmc_mean_wait_matches_theory(tmp_path):
    """One facility, Poisson arrivals, exponential service: the M/M/c mean wait."""
    nodes = [
        {"id": "A", "name": "A", "country": "CHN", "kind": "terminal", "lon": 80.0, "lat": 44.0},
        {"id": "G", "name": "G", "country": "KAZ", "kind": "gauge_change", "lon": 79.99, "lat": 44.0},
        {"id": "D", "name": "D", "country": "KAZ", "kind": "terminal", "lon": 79.98, "lat": 44.0},
    ]
    links = [{"from": "A", "to": "G", "gauge_mm": 1435}, {"from": "G", "to": "D", "gauge_mm": 1520}]
    net = load_network(write_network(tmp_path, nodes, links))
    fams = {"q": open_family("q", "queue")}
    lam, mu, c = 1.0, 0.6, 2  # per hour; rho = 0.83
    theory = _erlang_c_wq(lam, mu, c)
    means = []
    for seed in range(8):
        scn = scenario_from_dict({
            "name": "mmc", "seed": seed, "horizon_d": 300, "warmup_d": 20, "routes": ["q"],
            "weather": {"caspian": None},
            "demand": [{"origin": "A", "destination": "D", "route": "q",
                        "teu_per_week": lam * 168, "feu_share": 0.0}],
            "services": {"block_train": {"capacity_teu": 2, "max_hold_h": 0,
                                         "delay": {"fixed_h": 0}}},
            "facilities": {"G": {"servers": c, "service": {"exponential": {"mean_h": 1 / mu}},
                                 "dwell": {"fixed_h": 0}},
                           "D": {"servers": 10_000, "service": {"fixed_h": 0}}},
        })
        res = run_scenario(scn, network=net, families=fams)
        legs = res.legs
        stats = res.consignments.loc[res.consignments["in_stats"], "consignment_id"]
        at_g = legs[(legs["stage_index"] == 2) & legs["consignment_id"].isin(stats)]
        means.append(at_g["wait_queue_h"].mean())
    m = np.mean(means)
    half = 2.365 * np.std(means, ddof=1) / np.sqrt(len(means))  # t(7), 95 %
    assert abs(m - theory) <= max(half, 0.05 * theory), (m, half, theory)


# --------------------------------------------------------------------------- schedule claims
@pytest.fixture(scope="module")
def light_run(network):
    """Undisturbed, lightly loaded: no storms, modest demand on every route."""
    scn, _ = load_scenario("baseline_2024")
    data = scn.model_dump()
    data.update(horizon_d=150, warmup_d=20, weather={"caspian": None}, disruptions=[])
    for row in data["demand"]:
        row["teu_per_week"] = {"middle_corridor": 400, "middle_corridor_turkey": 200,
                               "northern": 400}.get(row["route"], 2000)
    return run_scenario(scenario_from_dict(data), network=network)


def _span_days(res, route, a_node, b_node, *, b_col="start_h"):
    legs = res.legs
    ok = res.consignments.loc[res.consignments["in_stats"] & res.consignments["delivered"],
                              "consignment_id"]
    legs = legs[(legs["route"] == route) & legs["consignment_id"].isin(ok)
                & (legs["stage_kind"] == "stop")]
    a = legs[legs["node_from"] == a_node].set_index("consignment_id")["start_h"]
    b = legs[legs["node_from"] == b_node].set_index("consignment_id")[b_col]
    return float(((b - a) / 24).dropna().median())


@pytest.mark.parametrize("route, a, b, low, high, source", [
    # TITR 2024 schedule: Altynkol→Absheron 9 d, →Poti/Batumi 12 d, →Constanța 20–22 d (S23)
    ("middle_corridor", "KZ_ALT", "AZ_ALT", 9, 9, "S23"),
    ("middle_corridor", "KZ_ALT", "GE_POT", 12, 12, "S23"),
    ("middle_corridor", "CN_XIY", "RO_CND", 20, 22, "S23"),
    # Xi'an→Baku daily service 11–12 d end to end (S25)
    ("middle_corridor", "CN_XIY", "AZ_ALT", 11, 12, "S25"),
])
def test_middle_corridor_near_schedule_claims(light_run, route, a, b, low, high, source):
    # tolerance: median within 15 % of the published range
    days = _span_days(light_run, route, a, b)
    assert low * 0.85 <= days <= high * 1.15, (days, source)


def test_northern_near_schedule_claim(light_run):
    # Xi'an→Duisburg 12–14 d standard (S39, 2022), counted from the train's departure:
    # median within 20 % of the range (our Małaszewicze dwell uses the 2018 figures, S67)
    c = light_run.consignments
    legs = light_run.legs
    ok = c[(c["route"] == "northern") & c["in_stats"] & c["delivered"]]
    first = legs[(legs["route"] == "northern") & (legs["stage_index"] == 1)].set_index("consignment_id")
    days = (ok.set_index("consignment_id")["transit_h"] - first["wait_consolidation_h"]).dropna() / 24
    assert 12 * 0.8 <= days.median() <= 14 * 1.2, days.median()


@pytest.mark.parametrize("route, claim_d", [("suez", 27), ("cape", 35)])
def test_sea_sailing_near_claim(light_run, route, claim_d):
    # Shanghai→Rotterdam pure sailing at 16 kn: ~27 d via Suez, ~35 d via the Cape (S41);
    # the moving time (sailing + canal transit + delay) within 10 %
    legs = light_run.legs
    sea = legs[(legs["route"] == route) & (legs["service"] == "deep_sea") & legs["end_h"].notna()]
    assert sea["moving_h"].median() / 24 == pytest.approx(claim_d, rel=0.10)


def test_vehicle_trips_numbered_by_departure(baseline_short, network):
    """Trips of one service overlap (several trains under way at once); each keeps the
    number it departed with, so trip numbers rise with departure time."""
    veh = run_scenario(baseline_short, network=network).vehicles
    assert not veh.duplicated(["service", "trip"]).any()
    overlapped = False
    for _, g in veh.groupby("service"):
        g = g.sort_values("trip")
        assert g["depart_h"].is_monotonic_increasing
        overlapped |= bool((g["arrive_h"].to_numpy()[:-1] > g["depart_h"].to_numpy()[1:]).any())
    assert overlapped  # the check above would be vacuous without overlapping trips


@pytest.mark.parametrize("timetable", [True, False])
def test_min_load_share_keeps_thin_vehicles_in_port(small_net, timetable):
    """A vehicle does not leave with less than ``min_load_share`` of its capacity: with a
    timetable the departure is cancelled, without one the hold time is extended; cargo waits
    longer (schedule / consolidation), and none is lost."""
    rule = {"headway_h": 24.0} if timetable else {"max_hold_h": 12.0}
    services = {"caspian_feeder": {**rule, "capacity_teu": 300, "fleet": 50}}
    base = run_scenario(_line_scenario(services=services), network=small_net, families=LINE)
    services["caspian_feeder"]["min_load_share"] = 0.8
    full = run_scenario(_line_scenario(services=services), network=small_net, families=LINE)

    def ferries(res):
        veh = res.vehicles
        return veh[veh["service"].str.startswith("caspian_feeder")]

    assert (ferries(base)["load_teu"] < 0.8 * 300).any()
    assert (ferries(full)["load_teu"] >= 0.8 * 300 - 1e-9).all()
    assert len(ferries(full)) < len(ferries(base))
    cause = "wait_schedule_h" if timetable else "wait_consolidation_h"
    assert full.legs[cause].sum() > base.legs[cause].sum()


def test_a_fleet_of_several_ship_sizes(small_net):
    """classes: one 700-TEU and three 200-TEU ferries; each sailing carries what its own
    ship holds, at its own speed; the fleet size is their count."""
    classes = [{"name": "big", "count": 1, "capacity_teu": 700, "speed_kmh": 30},
               {"count": 3, "capacity_teu": 200}]
    res = run_scenario(_line_scenario(services={"caspian_feeder": {"classes": classes}}),
                       network=small_net, families=LINE)
    veh = res.vehicles[res.vehicles["service"].str.startswith("caspian_feeder")]
    assert set(veh["capacity_teu"]) == {700.0, 200.0}
    assert (veh["load_teu"] <= veh["capacity_teu"]).all()
    big = veh[veh["capacity_teu"] == 700]
    small = veh[veh["capacity_teu"] == 200]
    # the big ship is faster (30 km/h against the default 23.3)
    assert (big["arrive_h"] - big["depart_h"]).median() < \
        (small["arrive_h"] - small["depart_h"]).median()


def test_fleet_and_classes_must_agree():
    from corridorsim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="disagree"):
        _line_scenario(services={"caspian_feeder": {
            "fleet": 5, "classes": [{"count": 2, "capacity_teu": 300}]}})


def test_classes_over_an_extended_fleet(tmp_path):
    """A scenario extending one with ``fleet: 6`` may give vehicle classes instead: the
    classes replace the count (as a count would replace classes)."""
    path = tmp_path / "mixed.yaml"
    path.write_text("extends: baseline_2024\nname: mixed\nservices:\n  caspian_feeder:\n"
                    "    classes: [{count: 2, capacity_teu: 700}, {count: 3, capacity_teu: 300}]\n",
                    encoding="utf-8")
    scn, _ = load_scenario(str(path))
    from corridorsim.scenario.specs import service_spec

    spec = service_spec("caspian_feeder", "KZ_AKU-AZ_ALT", scn)
    assert spec.fleet == 5 and spec.classes is not None and len(spec.classes) == 2
