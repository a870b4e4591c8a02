"""Deep-sea schedule reliability (T-S1, T-S2): each arrival late with a probability and a
delay, from a stream of its own (:mod:`corridorsim.sim.sea_reliability`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from corridorsim.cli import main
from corridorsim.run import run_scenario
from corridorsim.scenario.defaults import LATE_MEAN_D, SCHEDULE_RELIABILITY
from corridorsim.scenario.load import scenario_from_dict
from corridorsim.scenario.params import Distribution, Exponential
from corridorsim.scenario.specs import service_spec
from corridorsim.sim.sea_reliability import LateArrivals
from corridorsim.sim.streams import Streams

LEG = "CN_SHA-NL_RTM"


def _scenario(deep_sea: dict[str, object] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "name": "sea", "start_date": "2024-01-01", "horizon_d": 200, "warmup_d": 14,
        "routes": ["suez"], "demand": [{"route": "suez", "teu_per_week": 1500}],
        "services": {"deep_sea": {"headway_h": 6, **(deep_sea or {})}},
    }
    data.update(kw)
    return scenario_from_dict(data)


@pytest.mark.parametrize("on_time", [0.525, 0.905])
def test_late_share_and_mean_delay_match_the_parameters(on_time: float) -> None:
    mean_h = LATE_MEAN_D * 24.0
    late = LateArrivals(on_time, Distribution(exponential=Exponential(mean_h=mean_h)),
                        Streams(7).get("sea_reliability:test"))
    n = 40_000
    hours = np.array([late.draw() for _ in range(n)])
    is_late = hours > 0
    p = 1.0 - on_time
    assert abs(is_late.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    k = int(is_late.sum())
    assert abs(hours[is_late].mean() - mean_h) < 4 * mean_h / np.sqrt(k)  # sd = mean
    assert late.arrivals == n and late.late == k


def test_groups_and_years_resolve_from_the_sources() -> None:
    def spec(year: int, **given: object):  # type: ignore[no-untyped-def]
        return service_spec("deep_sea", LEG, _scenario(given, start_date=f"{year}-01-01"))

    assert spec(2024).on_time_share == SCHEDULE_RELIABILITY[("market", 2024)].on_time_share
    assert spec(2025).on_time_share == SCHEDULE_RELIABILITY[("market", 2025)].on_time_share
    assert spec(2023).on_time_share == spec(2024).on_time_share  # nearest year with figures
    gemini = spec(2025, reliability="gemini")
    assert gemini.on_time_share == SCHEDULE_RELIABILITY[("gemini", 2025)].on_time_share
    assert gemini.late_delay is not None and gemini.late_delay.mean_h == LATE_MEAN_D * 24.0
    assert spec(2025, reliability="msc", on_time_share=0.5).on_time_share == 0.5
    assert spec(2025, reliability="none").on_time_share is None
    assert service_spec("block_train", "CN_XIY-KZ_DOS").on_time_share is None


def _late_trips(res) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Share of deep-sea trips that arrived late, their mean delay (h), trips: a trip's time
    is its sailing time plus the Suez transit, the same for every trip, plus the delay."""
    v = res.vehicles
    sea = v[v["service"].str.startswith("deep_sea:")]
    dur = (sea["arrive_h"] - sea["depart_h"]).to_numpy()
    base = dur.min()
    late = dur > base + 1e-6
    mean_h = float((dur[late] - base).mean()) if late.any() else 0.0
    return float(late.mean()), mean_h, len(dur)


@pytest.fixture(scope="module")
def market(network):  # type: ignore[no-untyped-def]
    return run_scenario(_scenario(), network=network)


@pytest.fixture(scope="module")
def gemini(network):  # type: ignore[no-untyped-def]
    return run_scenario(_scenario({"reliability": "gemini"}), network=network)


def test_simulated_calls_are_late_as_often_and_as_long_as_the_parameters(market) -> None:  # type: ignore[no-untyped-def]
    share, mean_h, n = _late_trips(market)
    p = 1.0 - SCHEDULE_RELIABILITY[("market", 2024)].on_time_share
    assert n > 200
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n), share
    # the earliest trip may itself be late by a little: the mean is checked loosely
    assert abs(mean_h - LATE_MEAN_D * 24.0) < 4 * LATE_MEAN_D * 24.0 / np.sqrt(share * n)


def test_gemini_is_more_often_on_time_than_the_market(market, gemini) -> None:  # type: ignore[no-untyped-def]
    on_m = market.consignments.query("in_stats and delivered")["on_time"].mean()
    on_g = gemini.consignments.query("in_stats and delivered")["on_time"].mean()
    assert on_g > on_m + 0.05, (on_g, on_m)
    assert _late_trips(gemini)[0] < _late_trips(market)[0]


def test_reliability_leaves_the_other_draws_alone(network, market) -> None:  # type: ignore[no-untyped-def]
    off = run_scenario(_scenario({"reliability": "none"}), network=network)
    a, b = market.consignments, off.consignments
    assert np.array_equal(a["created_h"], b["created_h"])  # the same bookings
    assert np.array_equal(a["teu"], b["teu"])
    assert _late_trips(off)[0] == 0.0
    # the same draws at the ports: the handling hours at Shanghai are unchanged
    la, lb = market.legs, off.legs
    sha = (la["node_from"] == "CN_SHA") & (la["stage_kind"] == "stop")
    shb = (lb["node_from"] == "CN_SHA") & (lb["stage_kind"] == "stop")
    assert np.array_equal(la.loc[sha, "wait_handling_h"], lb.loc[shb, "wait_handling_h"])


def test_late_delay_without_a_share_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("name: x\ndemand:\n  - route: suez\n    teu_per_week: 10\nroutes: [suez]\n"
                 "services:\n  deep_sea:\n    reliability: none\n"
                 "    late_delay: {fixed_h: 24}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(f), "--no-viz", "--horizon-days", "30",
                                    "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "late_delay needs on_time_share" in " ".join(res.output.split())


@pytest.mark.parametrize(("services", "ok"), [
    ({"deep_sea": {"reliability": "gemini"}}, True),
    ({"deep_sea": {"on_time_share": 0.6, "late_delay": {"exponential": {"mean_h": 120}}}}, True),
    ({"fixed_timetable_train": {"route_shares": {"northern": 0.2}, "headway_h": 84}}, True),
    ({"deep_sea": {"reliability": "cosco"}}, False),
    ({"deep_sea": {"on_time_share": 61.5}}, False),
], ids=["group", "by_hand", "timetable", "unknown_group", "percentage"])
def test_corridorsim_schema_knows_the_new_keys(services: dict[str, object], ok: bool) -> None:
    import json

    jsonschema = pytest.importorskip("jsonschema")
    res = CliRunner().invoke(main, ["schema"])
    assert res.exit_code == 0, res.output
    validator = jsonschema.Draft202012Validator(json.loads(res.output))
    data = {"name": "x", "demand": [{"route": "suez", "teu_per_week": 10}], "services": services}
    assert validator.is_valid(data) is ok
