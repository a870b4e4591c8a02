"""Empty containers: the unbalanced flow's return trip is paid by the loaded boxes."""

from __future__ import annotations

from functools import cache

import pytest

from corridorsim.network import load_network
from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict


@cache
def _run(northern_share: float | None = None) -> RunResult:
    scn, _ = load_scenario("baseline_2024")
    data = scn.model_dump()
    data.update(horizon_d=90, warmup_d=14)
    data["demand"] = [r for r in data["demand"]
                      if r["route"] in ("middle_corridor", "northern") and r["origin"] == "CN_XIY"]
    for r in data["demand"]:  # a steady 800 TEU/week out (baseline_2024's grows by month)
        if r["route"] == "middle_corridor":
            r.update(teu_per_week=800, seasonality_monthly=None)
    data["demand"].append({"origin": "DE_DUI", "destination": "CN_XIY",
                           "route": "middle_corridor", "teu_per_week": 200})
    if northern_share is not None:
        data["accounting"] = {**data["accounting"],
                              "empty_return_share": {"northern": northern_share}}
    return run_scenario(scenario_from_dict(data), network=load_network())


def _row(res: RunResult, route: str, origin: str) -> dict[str, object]:
    s = res.summary
    return s[(s["route"] == route) & (s["origin"] == origin)].iloc[0].to_dict()


def test_share_from_the_simulated_return_flow() -> None:
    res = _run()
    west, east = _row(res, "middle_corridor", "CN_XIY"), _row(res, "middle_corridor", "DE_DUI")
    assert west["empty_basis"] == "run flows" and east["empty_basis"] == "run flows"
    # 800 TEU/week out, 200 back: about three in four boxes return empty
    assert 0.65 < float(west["empty_return_share"]) < 0.85  # type: ignore[arg-type]
    assert east["empty_return_share"] == 0.0 and east["cost_usd_per_teu_empty"] == 0.0
    assert float(west["cost_usd_per_teu_empty"]) > 0  # type: ignore[arg-type]
    assert float(west["co2e_wtw_kg_per_teu_empty"]) > 0  # type: ignore[arg-type]
    # Northern has no return flow and no stated share: not costed, and the report says so
    assert _row(res, "northern", "CN_XIY")["empty_basis"] == "not costed"
    from corridorsim.viz.report import report_html

    assert "Empty returns not costed on northern" in report_html(res)


def test_stated_share_adds_the_return_trip_to_the_landed_cost() -> None:
    plain, stated = _run(), _run(0.5)
    a, b = _row(plain, "northern", "CN_XIY"), _row(stated, "northern", "CN_XIY")
    assert b["empty_basis"] == "stated" and b["empty_return_share"] == 0.5
    freight = float(a["freight_cost_usd_per_teu"])  # type: ignore[arg-type]
    # half a box comes back for each box out, at the route's own freight (path reversed)
    assert b["cost_usd_per_teu_empty"] == pytest.approx(0.5 * freight)
    assert b["cost_usd_per_teu"] == pytest.approx(
        float(a["cost_usd_per_teu"]) + 0.5 * freight)  # type: ignore[arg-type]
    # an empty TEU weighs its tare: 2 t of the 12 t a loaded one moves (S73)
    modes = sum(float(a[f"co2e_wtw_kg_per_teu_{m}"])  # type: ignore[arg-type]
                for m in ("rail", "sea", "road"))
    assert b["co2e_wtw_kg_per_teu_empty"] == pytest.approx(0.5 * modes * 2.0 / 12.0)
    assert "not costed on northern" not in _note(stated)


def _note(res: RunResult) -> str:
    from corridorsim.viz.report import report_html

    return report_html(res)
