"""Real 2024–2026 episodes (addendum §3, T-D1…T-D5) as shipped scenarios: each runs on a
shortened horizon and shows its effect where it should — and nowhere it should not."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd
import pytest

from corridorsim.network import load_network
from corridorsim.result import RunResult
from corridorsim.scenario.load import load_scenario
from corridorsim.validation.episodes import EPISODES, run_episode


@cache
def _net():  # type: ignore[no-untyped-def]
    return load_network()


@cache
def _run(name: str, horizon_d: float) -> RunResult:
    """The shipped episode with its dates, cut to ``horizon_d`` days (check-model's runner)."""
    return run_episode(name, network=_net(), horizon_d=horizon_d)


def _h(res: RunResult, date: str) -> float:
    """Hours from the scenario's start to 00:00 of ``date``."""
    start = dt.date.fromisoformat(res.scenario.start_date)
    return (dt.date.fromisoformat(date) - start).days * 24.0


def _fac(res: RunResult, node: str, direction: str) -> pd.DataFrame:
    ft = res.extra_tables["facility_timeseries.csv"]
    return ft[(ft["node"] == node) & (ft["direction"] == direction)].reset_index(drop=True)


@pytest.mark.parametrize("name", EPISODES)
def test_episode_cites_its_dated_episode(name: str) -> None:
    scn, _ = load_scenario(name)
    cited = " ".join(p.source or "" for p in scn.provenance.values())
    windows = " ".join(d.name or "" for d in scn.disruptions)
    assert "T-D" in cited + windows, name
    assert "T-D" in scn.description


# --- Poland–Belarus border closed 12–24 Sep 2025 (T-D1) -------------------------------------

PL_H = 80.0  # start 1 Aug 2025: the closure is days 42–55


def test_pl_by_closure_delays_northern_bookings_just_before_it() -> None:
    res = _run("pl_by_closure_2025", PL_H)
    t0 = _h(res, "2025-09-12")
    c = res.consignments
    north = c[c["route"].str.startswith("northern") & c["delivered"]]
    week = 7 * 24.0
    just_before = north[(north["created_h"] >= t0 - week) & (north["created_h"] < t0)]
    week_earlier = north[(north["created_h"] >= t0 - 3 * week) & (north["created_h"] < t0 - 2 * week)]
    assert len(just_before) > 100 and len(week_earlier) > 100
    extra_d = (just_before["transit_h"].mean() - week_earlier["transit_h"].mean()) / 24.0
    assert extra_d > 5.0, extra_d
    # the extra wait is the closure's, filed as `disruption`
    assert just_before["wait_disruption_h"].mean() / 24.0 > 0.7 * extra_d
    assert (week_earlier["wait_disruption_h"] == 0).mean() > 0.9
    # the Middle Corridor and the sea do not cross Brest: no disruption wait there
    other = c[~c["route"].str.startswith("northern")]
    assert (other["wait_disruption_h"] == 0).all()


def test_pl_by_closure_weekly_series_and_queue_at_brest() -> None:
    res = _run("pl_by_closure_2025", PL_H)
    ts = res.extra_tables["timeseries.csv"]
    north = ts[ts["route"] == "northern"].groupby("week_start")["wait_disruption_days_mean"].mean()
    weeks = pd.to_datetime(north.index)
    before = north[weeks < pd.Timestamp("2025-08-25")]
    hit = north[(weeks >= pd.Timestamp("2025-09-01")) & (weeks < pd.Timestamp("2025-09-15"))]
    assert (before == 0).all()
    assert hit.max() > 3.0
    # trains pile up at Brest while the border is closed, and not before
    brs = _fac(res, "BY_BRS", "westbound")
    during = brs[(brs["week_start"] >= "2025-09-08") & (brs["week_start"] < "2025-09-29")]
    earlier = brs[brs["week_start"] < "2025-09-01"]
    assert during["teu_at_facility_max"].max() > 5 * max(earlier["teu_at_facility_max"].max(), 50.0)


# --- Dostyk eastbound ban ~Sep → Nov 2024 (T-D2) --------------------------------------------

DOS_H = 75.0  # start 1 Aug 2024: the ban starts on day 31


def test_dostyk_ban_holds_eastbound_northern_boxes_at_dostyk() -> None:
    res = _run("dostyk_eastbound_ban_2024", DOS_H)
    t0 = _h(res, "2024-09-01")
    dos = _fac(res, "KZ_DOS", "eastbound")
    before = dos[dos["week_end"] < "2024-09-01"]["teu_waiting_onward_max"].max()
    during = dos[dos["week_start"] >= "2024-09-09"]["teu_waiting_onward_max"]
    assert during.max() > 10 * max(before, 100.0)
    assert during.is_monotonic_increasing  # nothing leaves for China while the ban lasts
    # no train crosses Dostyk → Alashankou during the ban
    v = res.vehicles
    crossing = v[v["service"].str.contains("KZ_DOS-CN") & (v["depart_h"] >= t0)]
    assert crossing.empty or (crossing["load_teu"] == 0).all()
    # Northern boxes booked in the week before the ban are not delivered by the horizon (they
    # reach Dostyk after it starts); those booked four weeks before were delivered
    c = res.consignments
    north = c[c["route"] == "northern"]
    late = north[(north["created_h"] >= t0 - 7 * 24) & (north["created_h"] < t0)]
    early = north[(north["created_h"] >= t0 - 28 * 24) & (north["created_h"] < t0 - 21 * 24)]
    assert (~late["delivered"]).mean() > 0.8
    assert early["delivered"].mean() > 0.95


def test_dostyk_ban_spares_the_middle_corridor() -> None:
    res = _run("dostyk_eastbound_ban_2024", DOS_H)
    c = res.consignments
    mc = c[c["route"].str.startswith("middle_corridor") & c["delivered"]]
    assert len(mc) > 100
    assert (mc["wait_disruption_h"] == 0).all()


# --- Kuryk export rail-ferry ban 22 Apr → 30 Jun 2025 (T-D3) --------------------------------

KUR_H = 125.0  # start 20 Mar 2025: the ban is days 33–102, then three weeks open again


def test_kuryk_ban_sends_its_shippers_to_aktau_and_back() -> None:
    """The ban closes bookings on the Kuryk route (T-C2: no shipments to Kuryk); the Kuryk
    shippers' weekly choice then has only Aktau, and returns to Kuryk when it reopens."""
    res = _run("kuryk_ban_2025", KUR_H)
    c = res.consignments
    ban0, ban1 = _h(res, "2025-04-22"), _h(res, "2025-07-01")
    kur = c[c["route"] == "middle_corridor_kuryk"]
    assert ((kur["created_h"] >= ban0) & (kur["created_h"] < ban1)).sum() == 0
    ks = c[c["segment"] == "kuryk_shippers"]
    before = ks[(ks["created_h"] >= _h(res, "2025-03-27")) & (ks["created_h"] < ban0)]
    during = ks[(ks["created_h"] >= ban0) & (ks["created_h"] < ban1)]
    after = ks[ks["created_h"] >= ban1 + 7 * 24.0]
    assert (before["route"] == "middle_corridor_kuryk").mean() > 0.5
    assert len(during) > 100 and (during["route"] == "middle_corridor").all()
    assert (after["route"] == "middle_corridor_kuryk").mean() > 0.5
    # the shifted boxes cross the Caspian from Aktau; Kuryk's own cross from Kuryk
    legs = res.legs
    sea = legs[legs["stage_kind"] == "leg"]
    assert (sea[sea["consignment_id"].isin(during["consignment_id"])]["node_from"] == "KZ_AKU").any()
    assert (sea[sea["consignment_id"].isin(before["consignment_id"])]["node_from"] == "KZ_KUR").any()
    # Aktau carries more while Kuryk is closed
    ts = res.extra_tables["timeseries.csv"]
    mc = ts[ts["route"] == "middle_corridor"].groupby("week_start")["teu_booked"].sum()
    weeks = pd.to_datetime(mc.index)
    mc_before = mc[(weeks >= pd.Timestamp("2025-03-24")) & (weeks < pd.Timestamp("2025-04-21"))]
    mc_during = mc[(weeks >= pd.Timestamp("2025-05-05")) & (weeks < pd.Timestamp("2025-06-23"))]
    assert mc_during.mean() > 1.2 * mc_before.mean()
    # a closed family takes no bookings; what was on its way to Kuryk still sails
    assert (c["wait_disruption_h"] == 0).all()
    booked_late = kur[(kur["created_h"] < ban0) & (kur["created_h"] >= ban0 - 7 * 24.0)]
    assert len(booked_late) > 0 and booked_late["delivered"].all()


# --- Suez return from 15 Jan 2026 (T-D5) ----------------------------------------------------

SUEZ_H = 90.0  # start 10 Dec 2025: closed days 7–35, a third of capacity days 36–66, open after


def test_suez_return_brings_cargo_back_from_the_cape() -> None:
    res = _run("suez_return_2026", SUEZ_H)
    sh = res.extra_tables["route_shares.csv"]
    piv = sh.pivot_table(index="week", columns="route", values="teu", aggfunc="sum").fillna(0.0)
    share = piv.div(piv.sum(axis=1), axis=0)
    t_closed, t_back = _h(res, "2025-12-17"), _h(res, "2026-01-15")
    wk = share.index.to_numpy() * 168.0
    closed = share[(wk >= t_closed) & (wk + 168.0 <= t_back)]
    back = share[wk >= t_back + 168.0]
    assert len(closed) >= 3 and len(back) >= 5
    assert (closed["suez"] == 0).all()
    assert closed["cape"].mean() > 0.4
    assert back["suez"].mean() > 0.4
    assert back["cape"].mean() < 0.5 * closed["cape"].mean()


def test_suez_partial_return_loads_a_third_of_each_ship() -> None:
    res = _run("suez_return_2026", SUEZ_H)
    v = res.vehicles
    suez = v[v["service"].str.contains("EG_SUZ")]
    t1, t2 = _h(res, "2026-01-15"), _h(res, "2026-02-15")
    partial = suez[(suez["depart_h"] >= t1) & (suez["depart_h"] < t2)]
    closed = suez[(suez["depart_h"] >= _h(res, "2025-12-17")) & (suez["depart_h"] < t1)]
    assert closed.empty or (closed["load_teu"] == 0).all()
    assert len(partial) > 0
    assert (partial["load_teu"] <= 0.33 * partial["capacity_teu"] + 2).all()
