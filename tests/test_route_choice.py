"""Shipper route choice (issue #10): closures, cost response, symmetry, the Red Sea story."""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np
import pytest
from netbuild import line_network, open_family

from corridorsim.errors import ScenarioError
from corridorsim.network import load_network
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.sim.choice import logit_probabilities

# two route families with identical structure on the tiny line network
TWIN = {"a": open_family("a", "Twin A", "#1f77b4"),
        "b": open_family("b", "Twin B", "#ff7f0e")}


def _twin(**kw):
    base = {"name": "twin", "horizon_d": 84, "warmup_d": 7, "routes": ["a", "b"],
            "weather": {"caspian": None},
            "demand": [{"origin": "A", "destination": "D", "teu_per_week": 300}]}
    base.update(kw)
    return scenario_from_dict(base)


@pytest.fixture(scope="module")
def small_net(tmp_path_factory):
    return line_network(tmp_path_factory.mktemp("twin"))


def _share(res, route: str, weeks: slice | None = None) -> float:
    sh = res.extra_tables["route_shares.csv"]
    if weeks is not None:
        sh = sh[(sh["week"] >= weeks.start) & (sh["week"] < weeks.stop)]
    tot = sh["teu"].sum()
    return float(sh.loc[sh["route"] == route, "teu"].sum() / tot)


# ------------------------------------------------------------------------------ the logit


def test_logit_plain_nested_and_unavailable() -> None:
    v = np.array([[0.0, -1.0, -2.0]])
    avail = np.ones((1, 3), dtype=bool)
    p = logit_probabilities(v, avail, np.array([0, 1, 2]), np.ones(3))
    e = np.exp(v[0])
    assert np.allclose(p[0], e / e.sum())
    # dissimilarity 1 in a nest is the plain logit again
    p1 = logit_probabilities(v, avail, np.array([0, 0, 1]), np.array([1.0, 1.0]))
    assert np.allclose(p1, p)
    # an unavailable alternative gets nothing; the rest renormalise
    off = avail.copy()
    off[0, 0] = False
    p2 = logit_probabilities(v, off, np.array([0, 1, 2]), np.ones(3))
    assert p2[0, 0] == 0 and np.isclose(p2.sum(), 1)
    # nested: within a nest the odds are exp((v0 - v1) / dissimilarity)
    pn = logit_probabilities(v, avail, np.array([0, 0, 1]), np.array([0.5, 1.0]))
    assert np.isclose(pn.sum(), 1) and np.isclose(pn[0, 0] / pn[0, 1], math.exp(1.0 / 0.5))
    # nothing available: zeros
    assert logit_probabilities(v, np.zeros((1, 3), bool), np.array([0, 1, 2]),
                               np.ones(3)).sum() == 0


# ------------------------------------------------------------------------------ behaviour


def test_closed_route_gets_zero_share(small_net) -> None:
    res = run_scenario(_twin(disruptions=[{"target": "route:b", "start_d": 0}]),
                       network=small_net, families=TWIN)
    sh = res.extra_tables["route_shares.csv"]
    assert list(sh.columns[:7]) == ["week", "route", "origin", "destination", "segment", "teu",
                                   "share"]
    assert (sh.loc[sh["route"] == "b", "teu"] == 0).all()
    assert _share(res, "a") == 1.0
    c = res.consignments
    assert (c["route"] == "a").all()
    # a closure from day 28: b is chosen before, never after
    res2 = run_scenario(_twin(disruptions=[{"target": "route:b", "start_d": 28}]),
                        network=small_net, families=TWIN)
    c2 = res2.consignments
    b = c2[c2["route"] == "b"]
    assert len(b) > 0 and (b["created_h"] < 28 * 24).all()
    sh2 = res2.extra_tables["route_shares.csv"]
    assert (sh2.loc[(sh2["route"] == "b") & (sh2["week"] >= 4), "teu"] == 0).all()


def test_raising_a_routes_cost_lowers_its_share_monotonically(small_net) -> None:
    shares = []
    for extra in (0.0, 150.0, 400.0, 900.0):
        scn = _twin(choice={"asc_usd_per_teu": {"b": extra}})
        shares.append(_share(run_scenario(scn, network=small_net, families=TWIN), "b"))
    assert all(x > y for x, y in itertools.pairwise(shares)), shares
    assert shares[-1] < 0.1 < 0.4 < shares[0]


def test_identical_routes_get_equal_shares(small_net) -> None:
    res = run_scenario(_twin(horizon_d=140, seed=11), network=small_net, families=TWIN)
    c = res.consignments
    n = len(c)
    k = int((c["route"] == "a").sum())
    # binomial: within 3.5 standard errors of one half (consignments chosen independently)
    assert abs(k / n - 0.5) < 3.5 * math.sqrt(0.25 / n), (k, n)
    assert abs(_share(res, "a") - 0.5) < 0.05


def test_segments_and_capacity_cap(small_net) -> None:
    # a cap binds: b takes at most its weekly capacity; the rest re-chooses a
    scn = _twin(demand=[{"origin": "A", "destination": "D", "teu_per_week": 300,
                         "segment": "fast"},
                        {"origin": "A", "destination": "D", "teu_per_week": 300,
                         "segment": "slow"}],
                choice={"segments": {"fast": {"value_of_time_usd_per_teu_day": 100},
                                     "slow": {"value_of_time_usd_per_teu_day": 1}},
                        "asc_usd_per_teu": {"a": 2000.0},
                        "capacity_teu_per_week": {"b": 200}})
    res = run_scenario(scn, network=small_net, families=TWIN)
    sh = res.extra_tables["route_shares.csv"]
    weekly_b = sh[sh["route"] == "b"].groupby("week")["teu"].sum()
    assert (weekly_b.iloc[:-1] <= 200 + 1e-9).all()
    assert weekly_b.max() > 150  # the cap binds
    assert set(sh["segment"]) == {"fast", "slow"}


def test_choice_validation() -> None:
    with pytest.raises(ScenarioError, match="segment"):
        _twin(demand=[{"origin": "A", "destination": "D", "teu_per_week": 10,
                       "segment": "nope"}])
    with pytest.raises(ScenarioError, match="dissimilarity"):
        _twin(choice={"nests": {"n": {"routes": ["a", "b"], "dissimilarity": 0}}})


# ------------------------------------------------------------------------------ Red Sea

HORIZON_D, WARMUP_D = 90.0, 28.0


@cache
def _shipped(name: str):  # type: ignore[no-untyped-def]
    scn, _ = load_scenario(name)
    data = scn.model_dump()
    data.update(horizon_d=HORIZON_D, warmup_d=WARMUP_D)
    return run_scenario(scenario_from_dict(data, source=name), network=load_network())


def _booked_shares(res) -> dict[str, float]:  # type: ignore[no-untyped-def]
    c = res.consignments
    c = c[c["in_stats"]]
    s = c.groupby("route")["teu"].sum() / c["teu"].sum()
    return {r: float(s.get(r, 0.0)) for r in res.scenario.routes}


def test_red_sea_suez_loses_cape_and_rail_gain() -> None:
    base = _booked_shares(_shipped("baseline_2024"))
    crisis = _booked_shares(_shipped("red_sea_crisis_2024"))
    rail = ("middle_corridor", "middle_corridor_turkey", "northern")
    print("baseline", {k: round(v, 3) for k, v in base.items()})
    print("red sea ", {k: round(v, 3) for k, v in crisis.items()})
    assert base["suez"] > 0.5 and crisis["suez"] == 0.0
    assert crisis["cape"] > 5 * base["cape"]
    assert sum(crisis[r] for r in rail) > 1.1 * sum(base[r] for r in rail)


# ------------------------------------------------------------------------------ policy levers
# carbon_price_2030: route constants calibrated once at choice.reference (no carbon price,
# shipped tariffs, the world_bank_2030 transit priors); the scenario's levers move shares.
# Runs of three weeks: every booking is made before any delivery can be observed (the
# shortest prior is 12.4 d + 7 d lag), so choice probabilities are the static ones and the
# levers are seen without the learning feedback (checked via `observations`).
POLICY_D = 21.0


def _policy_run(*, carbon: float = 0.0, tariffs: dict[str, float] | None = None,
                **choice: object):  # type: ignore[no-untyped-def]
    scn, _ = load_scenario("carbon_price_2030")
    data = scn.model_dump()
    data.update(horizon_d=POLICY_D, warmup_d=0.0)
    for seg in data["choice"]["segments"].values():
        seg["carbon_price_usd_per_t"] = carbon
    data["choice"].update(choice)
    if tariffs:
        data["accounting"]["tariffs"] = {**data["accounting"]["tariffs"], **tariffs}
    res = run_scenario(scenario_from_dict(data, source="carbon_price_2030"),
                       network=load_network())
    assert (res.extra_tables["route_shares.csv"]["observations"] == 0).all()
    return res


def _teu_shares(res) -> dict[str, float]:  # type: ignore[no-untyped-def]
    c = res.consignments
    s = c.groupby("route")["teu"].sum() / c["teu"].sum()
    return {r: float(s.get(r, 0.0)) for r in res.scenario.routes}


def _co2e_per_teu(res) -> float:  # type: ignore[no-untyped-def]
    """Mean well-to-wheel t CO2e per TEU of the routes chosen, at the route's rate per TEU
    (the chosen mix only: every run books the same consignments)."""
    from corridorsim.accounting.route_rates import route_rates
    from corridorsim.run import prepare
    setup = prepare(res.scenario, load_network(), None)
    per = {inst.family: route_rates(res.scenario, inst).co2e_t_per_teu
           for inst in setup.routes.values()}
    return sum(share * per[r] for r, share in _teu_shares(res).items())


def test_carbon_price_moves_share_to_lower_co2e_routes_monotonically() -> None:
    runs = [_policy_run(carbon=p) for p in (0.0, 100.0, 200.0)]
    shares = [_teu_shares(r) for r in runs]
    co2 = [_co2e_per_teu(r) for r in runs]
    print("shares", [{k: round(v, 3) for k, v in s.items()} for s in shares], "t/TEU", co2)
    assert all(a > b for a, b in itertools.pairwise(co2)), co2
    # Suez emits least per TEU here (sea < rail), the Middle Corridor via Turkey most
    suez = [s["suez"] for s in shares]
    mct = [s["middle_corridor_turkey"] for s in shares]
    rail = [s["middle_corridor"] + s["middle_corridor_turkey"] + s["northern"] for s in shares]
    assert all(a < b for a, b in itertools.pairwise(suez)), suez
    assert all(a > b for a, b in itertools.pairwise(mct)), mct
    assert all(a > b for a, b in itertools.pairwise(rail)), rail


def test_raising_a_routes_rate_lowers_its_share() -> None:
    ref = _teu_shares(_policy_run())
    # the Cape deep-sea tariff at the Red Sea crisis spot rate (S48), reference unchanged
    dear = _teu_shares(_policy_run(tariffs={"sea_deep_sea_cape_usd_per_feu": 4406.0}))
    assert dear["cape"] < 0.5 * ref["cape"], (ref, dear)
    # a subsidy for every route but the Northern one: the Northern one is dearer relative
    subsidy = {r: 300.0 for r in ref if r != "northern"}
    others = _teu_shares(_policy_run(subsidy_usd_per_teu=subsidy))
    assert others["northern"] < 0.8 * ref["northern"], (ref, others)


REFERENCE_CASES = {
    "defaults": {},
    # every lever moved, and the reference with it: the shares do not move
    "moved_with_reference": {
        "carbon": 150.0, "tariffs": {"sea_deep_sea_cape_usd_per_feu": 4406.0},
        "reference": {"carbon_price_usd_per_t": 150.0,
                      "tariffs": {"sea_deep_sea_cape_usd_per_feu": 4406.0}}},
}


@pytest.mark.parametrize("case", list(REFERENCE_CASES))
def test_levers_at_reference_reproduce_reference_shares(case: str) -> None:
    res = _policy_run(**REFERENCE_CASES[case])  # type: ignore[arg-type]
    c = res.consignments
    for seg, params in res.scenario.choice.segments.items():
        ref = params.reference_shares or {}
        mine = c[c["segment"] == seg]
        n = len(mine)
        for route, p in ref.items():
            k = int((mine["route"] == route).sum())
            # Consignments choose independently with probability p (their sizes are drawn
            # before and apart from the route), so the count share is binomial: within
            # 4 standard errors (a false alarm about once in 15,000 per route and segment).
            se = math.sqrt(p * (1 - p) / n)
            assert abs(k / n - p) < 4 * se, (case, seg, route, k / n, p, n)


def _policy_run_year(year: int, **choice: object):  # type: ignore[no-untyped-def]
    scn, _ = load_scenario("carbon_price_2030")
    data = scn.model_dump()
    data.update(horizon_d=POLICY_D, warmup_d=0.0)
    data["accounting"]["rates_year"] = year
    for seg in data["choice"]["segments"].values():
        seg["carbon_price_usd_per_t"] = 0.0
    data["choice"].update(choice)
    return run_scenario(scenario_from_dict(data, source="carbon_price_2030"),
                        network=load_network())


def test_year_of_rates_moves_shares_unless_it_is_the_reference_year() -> None:
    """Shares calibrated at the default year's rates (2023), the scenario priced at 2024's
    (sea rates of the Red Sea crisis): sea loses share; naming 2024 as the reference year
    as well puts the shares back at the reference."""
    base = _teu_shares(_policy_run())
    dear_sea = _teu_shares(_policy_run_year(2024))
    back = _teu_shares(_policy_run_year(2024, reference={"rates_year": 2024}))
    print(base, dear_sea, back)
    assert dear_sea["suez"] < base["suez"] - 0.1, (base, dear_sea)
    assert abs(back["suez"] - base["suez"]) < 0.03, (base, back)
