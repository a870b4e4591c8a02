"""Saturation from the run's records (numpy) agrees with the leg-table computation.

``place_queues`` works on the run's records (no leg table); ``oracle_saturation`` computes
the same from ``res.legs``/``res.vehicles`` with pandas. Checked here on real runs of the shipped
``saturation_demo`` and ``baseline_2024`` scenarios (shortened like test_reliability.py):

* against a reference computed from the leg table with the exact departure of every leg
  row (``dep_time[trip]``) and the original sort-based helpers (``_assess``, ``_batch``):
  every number equal;
* against the leg-table path itself, which infers departures from the vehicle table and
  counts cargo on board that never waited (departed the instant it was ready, not arrived
  by the horizon) as still queued: the only differences are that cargo's TEU.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from oracle_saturation import _assess, _batch, places_from_legs

from corridorsim.analysis import queues
from corridorsim.analysis import saturation as sat
from corridorsim.result import RunResult
from corridorsim.routing import Leg
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.sim.keys import service_key

HORIZON_D = 45.0
SCENARIOS = ["saturation_demo", "baseline_2024"]
EXACT = ["backlog_teu", "growth_teu", "inflow_teu", "saturated"]


@cache
def _run(name: str) -> RunResult:
    scn, _ = load_scenario(name)
    data = scn.model_dump()
    data["horizon_d"], data["warmup_d"] = HORIZON_D, 7.0
    return run_scenario(scenario_from_dict(data, source=name))


@cache
def _tables(name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(records path, leg-table path, leg table with the records' departure times)."""
    res = _run(name)
    assert res.trace is not None
    horizon_h = res.scenario.horizon_d * 24.0
    fast = sat.place_queues(res.trace, res.facilities, res.vehicles, horizon_h)
    legs = res.legs  # built here, after the records path ran
    slow = places_from_legs(res, horizon_h)
    tr = res.trace
    rec = tr.records
    row = rec.first_row[legs["consignment_id"].to_numpy()] + legs["stage_index"].to_numpy()
    trip = rec.trip[row]
    dep = np.full(len(row), np.inf)
    dep[trip >= 0] = tr.dep_time[trip[trip >= 0]]
    legs = legs.assign(_trip=trip, _dep=dep)
    return fast, slow, legs


def _service_of_rows(res: RunResult, legs: pd.DataFrame) -> np.ndarray:
    """Service key of every leg row, from the route's stages (as the leg-table path does)."""
    keys = {}
    for rk, si in set(zip(legs["route_key"].astype(str), legs["stage_index"], strict=True)):
        st = res.routes[rk].route.stages[si]
        keys[(rk, si)] = service_key(st) if isinstance(st, Leg) else None
    return np.array([keys[(rk, si)] for rk, si in
                     zip(legs["route_key"].astype(str), legs["stage_index"], strict=True)],
                    dtype=object)


def _reference(name: str) -> dict[str, dict]:
    """Per place: the old sort-based assessment with exact departure times."""
    res = _run(name)
    _, _, legs = _tables(name)
    horizon_h = HORIZON_D * 24.0
    is_leg = (legs["stage_kind"] == "leg").to_numpy()
    place = np.where(is_leg, _service_of_rows(res, legs), legs["node_from"].to_numpy(object))
    left = np.where(is_leg, legs["_dep"].to_numpy(float),
                    np.nan_to_num(legs["end_h"].to_numpy(float), nan=np.inf))
    df = pd.DataFrame({"place": place, "t_in": legs["start_h"].to_numpy(float), "t_out": left,
                       "teu": legs["teu"].to_numpy(float), "route": legs["route"].astype(str)})
    df = df[is_leg | (legs["stage_kind"] == "stop").to_numpy()]
    out = {}
    for key, g in df.groupby("place", sort=True):
        t_in, t_out, w = (g[c].to_numpy(float) for c in ("t_in", "t_out", "teu"))
        a = _assess(t_in, t_out, w, horizon_h,
                        max(queues.MIN_GROWTH_TEU, 2.0 * _batch(t_in, w)))
        stuck = g[~np.isfinite(t_out)]
        a["backlog_by_route"] = {str(k): round(float(v), 3) for k, v in
                                 stuck.groupby("route")["teu"].sum().items() if v > 0}
        a["routes"] = ";".join(sorted(g["route"].unique()))
        out[str(key)] = a
    return out


# ------------------------------------------------------------------------------ real runs
@pytest.mark.parametrize("name", SCENARIOS)
def test_records_path_matches_exact_reference(name: str) -> None:
    fast, _, _ = _tables(name)
    ref = _reference(name)
    assert len(fast) > 20
    seen = set()
    for r in fast.to_dict("records"):
        exp = ref.get(r["place"])
        if exp is None:  # a facility no consignment stopped at (e.g. passed en route)
            assert r["type"] == "facility" and r["routes"] == "" and r["backlog_teu"] == 0
            assert r["growth_teu"] == 0 and r["inflow_teu"] == 0
            continue
        seen.add(r["place"])
        for c in ("backlog_teu", "growth_teu", "inflow_teu", "backlog_by_route", "routes"):
            assert r[c] == exp[c], (r["place"], c, r[c], exp[c])
        util = r["utilisation"]
        busy = r["type"] == "facility" and util == util and util >= sat.UTILISATION_LIMIT
        assert r["saturated"] == (exp["grew"] or busy), r["place"]
    assert seen == set(ref), set(ref) - seen  # every service and stop with cargo is there
    # a real mix: services with cargo still waiting, queues that grew and shrank
    services = fast[fast["type"] == "service"]
    assert (services["backlog_teu"] > 0).any()
    assert (fast["growth_teu"] > 0).any() and (fast["growth_teu"] < 0).any()


@pytest.mark.parametrize("name", SCENARIOS)
def test_records_path_matches_table_path(name: str) -> None:
    fast, slow, legs = _tables(name)
    res = _run(name)
    assert list(fast["place"]) == list(slow["place"])
    assert list(fast.columns) == list(slow.columns)
    for c in ("type", "kind", "name", "routes", "inflow_teu", "saturated"):
        assert list(fast[c]) == list(slow[c]), c
    pd.testing.assert_series_equal(fast["utilisation"], slow["utilisation"], check_exact=True)
    # The table path dates departures by matching arrivals (end_h) with the vehicle table;
    # a leg row not arrived counts as on board only if it waited (waiting_h > 0). Cargo that
    # left the instant it was ready and is still on board at the horizon is thus counted
    # as queued there. The records know its departure (trip >= 0): not backlog.
    on_board_no_wait = ((legs["_trip"] >= 0) & legs["end_h"].isna()
                        & (legs["waiting_h"] == 0) & (legs["stage_kind"] == "leg"))
    ob = legs[on_board_no_wait.to_numpy()]
    extra = pd.Series(ob["teu"].to_numpy(float), index=_service_of_rows(res, ob)) \
        .groupby(level=0).sum()
    extra_by_route = {(str(s), str(r)): float(v) for (s, r), v in pd.Series(
        ob["teu"].to_numpy(float),
        index=pd.MultiIndex.from_arrays([_service_of_rows(res, ob), ob["route"].astype(str)]),
    ).groupby(level=[0, 1]).sum().items()}
    f, s = fast.set_index("place"), slow.set_index("place")
    for place in f.index:
        more = float(extra.get(place, 0.0))
        assert s.at[place, "backlog_teu"] - f.at[place, "backlog_teu"] == more, place
        old_by, new_by = s.at[place, "backlog_by_route"], f.at[place, "backlog_by_route"]
        for route in set(old_by) | set(new_by):
            assert (old_by.get(route, 0.0) - new_by.get(route, 0.0)
                    == extra_by_route.get((place, route), 0.0)), (place, route)
        if more == 0:  # nothing on board unseen: the same numbers exactly
            for c in EXACT:
                assert f.at[place, c] == s.at[place, c], (place, c)
    # facilities never depend on departures
    fac = (f["type"] == "facility").to_numpy()
    pd.testing.assert_frame_equal(f[fac].drop(columns="backlog_by_route"),
                                  s[fac].drop(columns="backlog_by_route"), check_exact=True)


def test_saturation_demo_reports_its_saturated_places() -> None:
    res = _run("saturation_demo")
    fast, slow, _ = _tables("saturation_demo")
    places = {p["place"] for p in res.info["saturated"]}
    assert "KZ_AKU" in places  # the Caspian bottleneck
    assert places == set(fast.loc[fast["saturated"], "place"])
    assert places == set(slow.loc[slow["saturated"], "place"])
    aku = fast.set_index("place").loc["KZ_AKU"]
    assert aku["backlog_teu"] > 1000 and aku["growth_teu"] > 0
    assert sum(p["backlog_teu"] for p in res.info["saturated"]) > 1000
    assert res.info["queued_teu_at_saturated_places"] > 1000


def test_baseline_is_not_saturated() -> None:
    fast, slow, _ = _tables("baseline_2024")
    assert not fast["saturated"].any() and not slow["saturated"].any()
    assert _run("baseline_2024").info["saturated"] == []


def test_run_scenario_leaves_the_leg_table_unbuilt() -> None:
    scn, _ = load_scenario("saturation_demo")
    data = scn.model_dump()
    data["horizon_d"], data["warmup_d"] = 10.0, 2.0
    res = run_scenario(scenario_from_dict(data, source="saturation_demo"))
    assert res.trace is not None and "legs" not in res._built


# ------------------------------------------------------------------------------ helpers
@pytest.mark.parametrize("seed", range(20))
def test_batch_at_least_is_batch_comparison(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    t = np.round(rng.random(n) * rng.choice([1.0, 10.0, 500.0]), int(rng.integers(0, 3)))
    w = rng.integers(1, 3, n).astype(float)
    batch = _batch(t, w)
    for teu in sorted({0.5, 1.0, 2.0, batch - 1, batch - 0.5, batch, batch + 0.5, batch + 1,
                       float(w.sum()), float(w.sum()) + 1}):
        assert queues.batch_at_least(t, w, teu) == (batch >= teu), (teu, batch)


def _random_place(rng: np.random.Generator, horizon_h: float) -> tuple[np.ndarray, ...]:
    n = int(rng.integers(1, 3000))
    t_in = np.sort(rng.random(n) * horizon_h * rng.uniform(0.3, 1.0)
                   + horizon_h * rng.uniform(0.0, 0.5))
    t_in = np.minimum(t_in, horizon_h)
    if rng.random() < 0.5:  # vehicle loads: many rows at one instant
        t_in = np.round(t_in / 24.0) * 24.0
    t_out = t_in + rng.exponential(rng.uniform(1.0, 200.0), n) * (1 + np.arange(n) / n
                                                                   * rng.uniform(0, 5))
    t_out[t_out > horizon_h] = np.inf
    t_out[rng.random(n) < rng.uniform(0, 0.3)] = np.inf  # still there
    w = rng.integers(1, 3, n).astype(float)
    return t_in, t_out, w


@pytest.mark.parametrize("seed", range(40))
def test_assess_cells_is_assess(seed: int) -> None:
    rng = np.random.default_rng(seed)
    horizon_h = 1000.0
    t_in, t_out, w = _random_place(rng, horizon_h)
    fam = rng.integers(0, 3, len(t_in))
    exp = _assess(t_in, t_out, w, horizon_h, max(queues.MIN_GROWTH_TEU, 2 * _batch(t_in, w)))
    # split in cells in a shuffled order, with rows never entered (t_in, t_out NaN) added
    cut = np.sort(rng.choice(np.arange(1, len(t_in) + 1), size=min(4, len(t_in)), replace=False))
    perm = rng.permutation(len(t_in))
    cells, lo = [], 0
    for hi in [*cut[:-1].tolist(), len(t_in)]:
        idx = perm[lo:hi]
        lo = hi
        if not len(idx):
            continue
        f = int(fam[idx[0]])
        k = int(rng.integers(0, 5))
        nan = np.full(k, np.nan)
        out = np.where(np.isinf(t_out[idx]), np.nan, t_out[idx])  # records: NaN = not left
        cells.append(queues.Cell(np.concatenate([t_in[idx], nan]), np.concatenate([out, nan]),
                               np.concatenate([w[idx], np.ones(k)]), f))
    got, stuck, entered = queues.assess_cells(cells, horizon_h, 3)
    assert got == exp
    assert float(stuck.sum()) == float(w[np.isinf(t_out)].sum())
    assert int(entered.sum()) == len(t_in)


@pytest.mark.parametrize(("stuck_at", "grew"), [([90.0] * 60, False),
                                                  ([80.0] * 20 + [85.0] * 20 + [90.0] * 20, True)])
def test_assess_cells_when_the_batch_decides(stuck_at: list[float], grew: bool) -> None:
    # 60 TEU stuck since late in the run: growth above MIN_GROWTH_TEU and GROWTH_SHARE of
    # the inflow, so whether it came as one vehicle load (2 * batch) decides
    horizon_h = 100.0
    flow = np.arange(0, 100, 1.0)
    t_in = np.concatenate([flow, stuck_at])
    t_out = np.concatenate([flow + 0.5, np.full(len(stuck_at), np.inf)])
    w = np.ones(len(t_in))
    exp = _assess(t_in, t_out, w, horizon_h, max(queues.MIN_GROWTH_TEU, 2 * _batch(t_in, w)))
    pre = _assess(t_in, t_out, w, horizon_h, queues.MIN_GROWTH_TEU)
    assert pre["grew"] and exp["grew"] == grew
    cells = [queues.Cell(t_in[:100], t_out[:100], w[:100], 0),
             queues.Cell(t_in[100:], np.full(len(stuck_at), np.nan), w[100:], 1)]
    got, stuck, _ = queues.assess_cells(cells, horizon_h, 2)
    assert got == exp
    assert list(stuck) == [0.0, 60.0]
