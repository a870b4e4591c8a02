"""The report's data helpers give the same numbers whichever way they are computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.viz.report_data import sample_consignments, stage_profile


@pytest.fixture(scope="module")
def res() -> RunResult:
    scn, _ = load_scenario("baseline_2024")
    data = {**scn.model_dump(mode="json"), "horizon_d": 45.0}
    return run_scenario(scenario_from_dict(data))


def _reference(res: RunResult, sample: pd.DataFrame, value: str) -> pd.DataFrame:
    """stage_profile written the plain way: the whole leg table, merged and sorted."""
    L = res.legs[res.legs["consignment_id"].isin(sample["consignment_id"])]
    L = L.merge(sample[["consignment_id", "created_h"]], on="consignment_id", how="left")
    L = L.sort_values(["consignment_id", "stage_index"])
    L["cum_km"] = L.groupby("consignment_id")["km"].cumsum()
    if value == "time":
        L["v"] = (L["end_h"] - L["created_h"]) / 24.0
    else:
        per_teu = L["cost_usd"].fillna(0.0) / L["teu"].where(L["teu"] > 0)
        L["v"] = per_teu.groupby(L["consignment_id"]).cumsum()
    g = L.groupby(["route_key", "stage_index"], sort=True)
    out = g.agg(route=("route", "first"), stage_kind=("stage_kind", "first"),
                node_from=("node_from", "first"), node_to=("node_to", "first"),
                km=("cum_km", "median"))
    out[["p10", "p50", "p90"]] = g["v"].quantile(np.array([0.1, 0.5, 0.9])).unstack().to_numpy()
    out = out.reset_index()
    starts = out.groupby("route_key", sort=False).first().reset_index()
    starts = starts.assign(stage_index=-1, stage_kind="start", km=0.0, p10=0.0, p50=0.0, p90=0.0)
    both = pd.concat([starts, out], ignore_index=True)
    return both.sort_values(["route_key", "stage_index"]).reset_index(drop=True)


@pytest.mark.parametrize("value", ["time", "cost"])
def test_stage_profile_matches_the_plain_computation(res: RunResult, value: str) -> None:
    sample, _ = sample_consignments(res)
    assert len(sample) > 100 and sample["route_key"].nunique() > 1
    got = stage_profile(res, sample, value=value)
    pd.testing.assert_frame_equal(got, _reference(res, sample, value))


def test_stage_profile_of_a_shuffled_leg_table(res: RunResult) -> None:
    """A leg table given in any row order (not as the records build it) gives the same."""
    sample, _ = sample_consignments(res)
    legs = res.legs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled = res.replace(trace=None, consignments=res.consignments, legs=legs)
    pd.testing.assert_frame_equal(stage_profile(shuffled, sample),
                                  stage_profile(res, sample))


def test_sample_consignments_are_delivered_with_what_the_charts_read(res: RunResult) -> None:
    """After warm-up where a route has such deliveries, all its deliveries where not."""
    sample, fallback = sample_consignments(res)
    c = res.consignments
    back = c["route_key"].astype(str).isin(fallback)
    want = c[c["delivered"] & (c["in_stats"] | back)]
    assert fallback and not back.all()  # both cases are seen
    assert sorted(sample["consignment_id"]) == sorted(want["consignment_id"])
    assert {"consignment_id", "route_key", "created_h", "transit_h"} <= set(sample.columns)
