"""Week by week: time series, and every wait filed under its true cause."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from netbuild import line_network, open_family

from corridorsim.network import Network, load_network
from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict

LINE = {"line": open_family("line", "Line")}


def _line(net: Network, **kw: object) -> RunResult:
    base: dict[str, object] = {
        "name": "line", "horizon_d": 120, "warmup_d": 7, "routes": ["line"],
        "start_date": "2025-01-06", "weather": {"caspian": None},
        "demand": [{"origin": "A", "destination": "D", "route": "line", "teu_per_week": 300}]}
    base.update(kw)
    return run_scenario(scenario_from_dict(base), network=net, families=LINE)


@pytest.fixture(scope="module")
def small_net(tmp_path_factory: pytest.TempPathFactory) -> Network:
    return line_network(tmp_path_factory.mktemp("line"))


def _sea_waits(res: RunResult) -> pd.Series:
    legs = res.legs
    sea = legs[(legs["stage_kind"] == "leg") & (legs["node_from"] == "P1")]
    return sea[[c for c in sea.columns if c.startswith("wait_")]].sum()


def test_cargo_queued_behind_a_closure_waits_for_the_disruption(small_net: Network) -> None:
    """Every hour the sea crossing is closed is a disruption hour for whoever waits at the
    port then, not only for the cargo of the first sailing after it reopens."""
    res = _line(small_net, disruptions=[{"target": "P1-P2", "start": "2025-02-03",
                                         "end": "2025-02-23"}])
    waits = _sea_waits(res)
    assert waits["wait_disruption_h"] > 5 * waits["wait_queue_h"]
    legs = res.legs
    sea = legs[(legs["stage_kind"] == "leg") & (legs["node_from"] == "P1")]
    closed_from, closed_to = 28 * 24.0, 49 * 24.0
    during = sea[(sea["start_h"] >= closed_from) & (sea["start_h"] < closed_to - 48)]
    # ready in the closure's first days: most of their wait is the closure's
    assert (during["wait_disruption_h"] > 0.5 * during["waiting_h"]).mean() > 0.9


def test_a_storm_holding_ready_cargo_is_weather(small_net: Network) -> None:
    storms = {"caspian": {"storms_per_month": [8] * 12, "duration": {"fixed_h": 48}}}
    calm = _sea_waits(_line(small_net))
    stormy = _sea_waits(_line(small_net, weather=storms))
    assert calm["wait_weather_h"] == 0
    assert stormy["wait_weather_h"] > stormy["wait_queue_h"]


def test_a_full_yard_downstream_is_blocking(small_net: Network) -> None:
    """Vessels arriving at a port whose yard is full keep their berth: blocking."""
    full = _line(small_net, facilities={"P2": {"yard_teu": 150}},
                 services={"block_train": {"max_hold_h": 240, "capacity_teu": 400}})
    legs = full.legs
    assert legs.loc[legs["node_from"] == "P2", "wait_blocking_h"].sum() > 0
    assert _line(small_net).legs["wait_blocking_h"].sum() == 0


def test_timeseries_cover_every_week_with_dates(small_net: Network) -> None:
    res = _line(small_net, horizon_d=30)
    ts = res.extra_tables["timeseries.csv"]
    assert list(ts["week"][:2]) == ["2025-W02", "2025-W03"]
    assert ts["week_start"].iloc[0] == "2025-01-06" and ts["week_end"].iloc[0] == "2025-01-12"
    assert ts["teu_booked"].sum() == pytest.approx(float(res.consignments["teu"].sum()))
    assert ts["teu_delivered"].sum() == pytest.approx(res.info["teu_delivered"])
    assert ts["days"].iloc[-1] == pytest.approx(2.0)  # 30 days = 4 weeks + 2 days
    fac = res.extra_tables["facility_timeseries.csv"]
    assert {"teu_at_facility_mean", "teu_waiting_onward_max", "utilisation"} <= set(fac.columns)
    p1 = fac[fac["node"] == "P1"]
    assert len(p1) == len(ts) and p1["teu_waiting_onward_mean"].max() > 0


# ------------------------------------------------------------------ the shipped episode
@cache
def _closure() -> RunResult:
    scn, _ = load_scenario("caspian_closure_feb")
    return run_scenario(scn, network=load_network())


def test_caspian_closure_feb_spikes_and_recovers() -> None:
    """Bookings that meet the closure (1–21 Feb) take far longer; within six weeks of the
    reopening, bookings are back near the January level; the wait is filed as disruption."""
    ts = _closure().extra_tables["timeseries.csv"]
    mc = ts[(ts["route"] == "middle_corridor") & (ts["origin"] == "CN_XIY")].set_index("week_start")
    before = mc.loc["2024-01-15", "transit_p50_d"]
    worst = mc.loc["2024-01-22":"2024-02-12", "transit_p50_d"].max()
    assert worst > before + 7
    assert mc.loc["2024-01-22":"2024-02-12", "wait_disruption_days_mean"].max() > 5
    recovered = mc.loc["2024-03-04":"2024-04-01", "transit_p50_d"]
    assert (recovered < before + 2).any()
    northern = ts[ts["route"] == "northern"].set_index("week_start")
    assert northern["wait_disruption_days_mean"].fillna(0).max() == 0
    summary = _closure().summary
    summary = summary[summary["origin"] == "CN_XIY"].set_index("route")  # the Xi'an rows
    assert summary.loc["middle_corridor", "wait_disruption_days_mean"] > 0.5
    aktau = _closure().extra_tables["facility_timeseries.csv"]
    aktau = aktau[aktau["node"] == "KZ_AKU"].set_index("week_start")
    assert aktau.loc["2024-02-12", "teu_waiting_onward_mean"] > \
        5 * aktau.loc["2024-01-08", "teu_waiting_onward_mean"]


def test_full_year_baseline_has_middle_corridor_weather_wait() -> None:
    scn, _ = load_scenario("baseline_2024")
    res = run_scenario(scn, network=load_network())
    s = res.summary[res.summary["origin"] == "CN_XIY"].set_index("route")  # the Xi'an rows
    assert s.loc["middle_corridor", "wait_weather_days_mean"] > 0
    # the Northern route's only weather: Dostyk's wind spells (T-C12), which slow the
    # station rather than close it, filed as weather for the extra service time
    assert 0 < s.loc["northern", "wait_weather_days_mean"] < 0.1
    weather = [w for w in res.info["windows"] if w["cause"] == "weather"]
    storms = [w for w in weather if "place" not in w]
    assert storms and all(w["target"] == "caspian" for w in storms)
    places = {w["target"]: w for w in weather if "place" in w}
    assert {"KZ_DOS", "KZ_KUR"} <= set(places)
    assert 0 < places["KZ_DOS"]["capacity_factor"] < 1  # slowed, not closed
    assert places["KZ_KUR"]["capacity_factor"] == 0 and "closes" in places["KZ_KUR"]["label"]
